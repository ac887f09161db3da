/**
 * Valves: per-filter settings that Open WebUI's admin page shows and edits (its
 * `valves/spec` is the JSON Schema of these). They are persisted as one JSON file in the
 * data dir, written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { LayerSchema } from '../../types.ts';

/** Title and description for Open WebUI's valves form. */
const label = <S extends z.ZodType>(schema: S, title: string, description: string): S =>
  schema.meta({ title, description });

export function valvesSchema(defaults: { maxTokens: number }, combined: boolean) {
  // Optional valves accept null too: Open WebUI sends null for a field reset to its default.
  const base = {
    enabled: label(z.boolean().default(true), 'Enabled', 'Turn this filter on or off'),
    inject: label(
      z.boolean().default(true),
      'Inject memories',
      'Recall and inject memories before the model call (inlet)',
    ),
    storeTurns: label(z.boolean().default(true), 'Store turns', 'Store finished turns in memory (outlet)'),
    maxTokens: label(
      z.number().int().min(16).max(32_000).default(defaults.maxTokens),
      'Max tokens',
      'Token budget of the injected memory block',
    ),
    k: label(
      z.number().int().min(1).max(200).nullish(),
      'Memories considered',
      'How many memories recall considers',
    ),
    timeZone: label(
      z.string().max(100).nullish(),
      'Time zone',
      'IANA time zone for relative dates, e.g. Europe/Berlin',
    ),
    recallTimeoutMs: label(
      z.number().int().min(50).max(60_000).default(5_000),
      'Recall timeout (ms)',
      'Give up on recall after this long and send the chat on unchanged',
    ),
  };
  return combined
    ? z
        .object({
          ...base,
          layers: label(z.array(LayerSchema).nullish(), 'Layers', 'Layers to recall from (all when empty)'),
        })
        .strict()
    : z.object(base).strict();
}

export type Valves = {
  enabled: boolean;
  inject: boolean;
  storeTurns: boolean;
  maxTokens: number;
  k?: number | null | undefined;
  timeZone?: string | null | undefined;
  recallTimeoutMs: number;
  layers?: string[] | null | undefined;
};

export interface ValvesStore {
  get(filterId: string): Record<string, unknown> | undefined;
  set(filterId: string, valves: Record<string, unknown>): void;
}

export function createValvesStore(file: string): ValvesStore {
  let state: Record<string, Record<string, unknown>> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      state = parsed as Record<string, Record<string, unknown>>;
    }
  } catch {
    // No file yet (or unreadable): defaults apply until the first update.
  }
  return {
    get: (filterId) => state[filterId],
    set(filterId, valves) {
      state = { ...state, [filterId]: valves };
      mkdirSync(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(temp, file);
    },
  };
}
