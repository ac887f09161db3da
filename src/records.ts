/**
 * Building memory records: the one place that turns validated input into a full Memory
 * with defaults (ids, UTC timestamps, importance, strength, version 1).
 */
import type { LayerName, Memory, Metadata, SourceRef } from './types.ts';
import { newId } from './util/ids.ts';

export interface NewMemoryFields {
  id?: string;
  userId: string;
  layer: LayerName;
  content: string;
  createdAt?: string;
  importance?: number;
  sources?: SourceRef[];
  links?: string[];
  metadata?: Metadata;
}

export function newMemory(fields: NewMemoryFields, now: string, embeddingModel: string | null): Memory {
  const createdAt = fields.createdAt ? new Date(fields.createdAt).toISOString() : now;
  return {
    id: fields.id ?? newId(Date.parse(createdAt)),
    userId: fields.userId,
    layer: fields.layer,
    content: fields.content,
    createdAt,
    updatedAt: now,
    importance: fields.importance ?? 0.5,
    strength: 1,
    accessCount: 0,
    lastAccessedAt: null,
    sources: fields.sources ?? [],
    links: fields.links ?? [],
    metadata: fields.metadata ?? {},
    version: 1,
    supersededBy: null,
    embeddingModel,
  };
}
