/**
 * Copies every memory (with its vector and full history) from one MemoryStore into
 * another, user by user in (createdAt, id) order, one page at a time through restore(),
 * which writes ids, timestamps and versions exactly and is idempotent. After each page a
 * checkpoint (current user, list cursor, last migrated id, count) is written, so an
 * interrupted run resumes after the last page that was fully written; repeating a page
 * after a crash is harmless.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { nowIso, systemClock } from '../../util/clock.ts';
import type { MemoryStore } from '../types.ts';

const CheckpointSchema = z.object({
  target: z.string(),
  doneUsers: z.array(z.string()),
  user: z.string().nullable(),
  cursor: z.string().nullable(),
  lastId: z.string().nullable(),
  migrated: z.number().int().min(0),
  updatedAt: z.string(),
});
export type MigrationCheckpoint = z.infer<typeof CheckpointSchema>;

export interface MigrationOptions {
  source: MemoryStore;
  target: MemoryStore;
  /** Identifies the target (URL + collection prefix); a checkpoint for another target is ignored. */
  targetId: string;
  checkpointFile: string;
  batchSize: number;
  /** Ignore an existing checkpoint and start over. */
  restart?: boolean;
  onStart?: (total: number, alreadyMigrated: number) => void;
  onProgress?: (migrated: number) => void;
}

export interface MigrationResult {
  migrated: number;
  users: number;
  resumedFrom: string | null;
  sourceCount: number;
  targetCount: number;
}

export async function readCheckpoint(file: string): Promise<MigrationCheckpoint | null> {
  try {
    return CheckpointSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

async function saveCheckpoint(file: string, checkpoint: MigrationCheckpoint): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  await writeFile(temp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(temp, file);
}

export async function migrateStore(options: MigrationOptions): Promise<MigrationResult> {
  const { source, target } = options;
  const previous = options.restart === true ? null : await readCheckpoint(options.checkpointFile);
  const checkpoint: MigrationCheckpoint =
    previous !== null && previous.target === options.targetId
      ? previous
      : {
          target: options.targetId,
          doneUsers: [],
          user: null,
          cursor: null,
          lastId: null,
          migrated: 0,
          updatedAt: '',
        };
  const resumedFrom = previous !== null && previous.target === options.targetId ? previous.lastId : null;
  const sourceCount = (await source.stats()).memories;
  options.onStart?.(sourceCount, checkpoint.migrated);
  const users = await source.users();
  for (const userId of users) {
    if (checkpoint.doneUsers.includes(userId)) continue;
    let cursor = checkpoint.user === userId ? (checkpoint.cursor ?? undefined) : undefined;
    do {
      const page = await source.list(
        { userId, includeSuperseded: true },
        cursor === undefined ? { limit: options.batchSize } : { limit: options.batchSize, cursor },
      );
      const ids = page.items.map((memory) => memory.id);
      const vectors = await source.getVectors(userId, ids);
      const history = (await Promise.all(ids.map((id) => source.history(userId, id)))).flat();
      await target.restore(
        page.items.map((memory) => ({ memory, vector: vectors.get(memory.id) ?? null })),
        history,
      );
      cursor = page.nextCursor ?? undefined;
      checkpoint.user = userId;
      checkpoint.cursor = cursor ?? null;
      checkpoint.lastId = ids.at(-1) ?? checkpoint.lastId;
      checkpoint.migrated += ids.length;
      checkpoint.updatedAt = nowIso(systemClock);
      await saveCheckpoint(options.checkpointFile, checkpoint);
      options.onProgress?.(ids.length);
    } while (cursor !== undefined);
    checkpoint.doneUsers.push(userId);
    checkpoint.user = null;
    checkpoint.cursor = null;
    await saveCheckpoint(options.checkpointFile, checkpoint);
  }
  const targetCount = (await target.stats()).memories;
  // A complete run leaves no checkpoint behind; the next run starts fresh.
  if (targetCount >= sourceCount) await rm(options.checkpointFile, { force: true });
  return { migrated: checkpoint.migrated, users: users.length, resumedFrom, sourceCount, targetCount };
}
