/**
 * The Open WebUI Pipelines wire format (as of Open WebUI 0.9): the discovery list, the
 * inlet/outlet request envelopes `{user, body}`, and helpers to turn Open WebUI messages
 * (string or parts content, unix-second timestamps) into Strata turns. Schemas are lenient
 * on purpose: Open WebUI adds fields between versions, and an unknown field must never
 * break a user's chat.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { contentText } from '../../text/content.ts';
import type { LayerName } from '../../types.ts';

export const OwuiUserSchema = z
  .object({
    id: z.string().min(1),
    email: z.string().optional(),
    name: z.string().optional(),
    role: z.string().optional(),
  })
  .passthrough();

export const OwuiMessageSchema = z
  .object({
    id: z.string().optional(),
    role: z.string(),
    content: z.unknown().optional(),
    timestamp: z.union([z.number(), z.string()]).optional(),
  })
  .passthrough();
export type OwuiMessage = z.infer<typeof OwuiMessageSchema>;

/** The envelope of both inlet and outlet calls; `body` is replaced by the reply. */
export const FilterEnvelopeSchema = z.object({
  user: OwuiUserSchema.nullable().optional(),
  body: z.record(z.string(), z.unknown()),
});

export const InletBodySchema = z
  .object({
    messages: z.array(OwuiMessageSchema),
    metadata: z
      .object({ chat_id: z.string().nullable().optional(), task: z.unknown().optional() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();

/**
 * What identifies one chat request across the filters Open WebUI runs on it: the user, the
 * chat and the id of the reply being generated (metadata.message_id, new for every request
 * and regeneration); without that id, the request's non-system messages, which filters
 * pass on unchanged while a new turn always adds one.
 */
export function inletChainKey(userId: string, body: z.infer<typeof InletBodySchema>): string {
  const metadata = body.metadata ?? {};
  const messageId = typeof metadata.message_id === 'string' ? metadata.message_id : '';
  const turn =
    messageId ||
    createHash('sha256')
      .update(
        JSON.stringify(body.messages.filter((m) => m.role !== 'system').map((m) => [m.role, m.content])),
      )
      .digest('hex');
  return [userId, metadata.chat_id ?? '', turn].join('\u0000');
}

export const OutletBodySchema = z
  .object({
    messages: z.array(OwuiMessageSchema),
    chat_id: z.string().nullable().optional(),
    session_id: z.string().nullable().optional(),
    id: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
  })
  .passthrough();

export interface FilterInfo {
  id: string;
  name: string;
  /** undefined: the combined filter over all enabled layers. */
  layer?: LayerName;
  priority: number;
}

export function filtersFor(layers: readonly LayerName[]): FilterInfo[] {
  return [
    { id: 'strata', name: 'Strata memory', priority: 0 },
    ...layers.map((layer, index) => ({
      id: `strata-${layer}`,
      name: `Strata ${layer} memory`,
      layer,
      priority: index + 1,
    })),
  ];
}

export function discoveryList(filters: FilterInfo[], created: number) {
  return {
    object: 'list',
    pipelines: true,
    data: filters.map((filter) => ({
      id: filter.id,
      name: filter.name,
      object: 'model',
      created,
      owned_by: 'strata',
      pipeline: { type: 'filter', pipelines: ['*'], priority: filter.priority, valves: true },
    })),
  };
}

/** Open WebUI timestamps are unix seconds; anything unusable yields undefined. */
export function toIsoTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value < 1e12 ? value * 1000 : value;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

const ROLES = new Set(['user', 'assistant', 'system', 'tool']);

/** Messages usable for recall: known roles, text content, empty ones dropped. */
export function recallMessages(
  messages: OwuiMessage[],
): Array<{ role: 'user' | 'assistant' | 'system' | 'tool'; content: string }> {
  return messages
    .filter((m) => ROLES.has(m.role))
    .map((m) => ({
      role: m.role as 'user' | 'assistant' | 'system' | 'tool',
      content: contentText(m.content),
    }))
    .filter((m) => m.content.trim() !== '');
}
