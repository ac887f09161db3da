/**
 * Valves: per-filter settings that Open WebUI's admin page shows and edits (its
 * `valves/spec` is the JSON Schema of these). They are persisted as one JSON file in the
 * data dir, written atomically (temp file + rename) so a crash never leaves half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { LayerSchema } from '../../types.ts';

export function valvesSchema(defaults: { maxTokens: number }, combined: boolean) {
  const base = {
    enabled: z.boolean().default(true).describe('Turn this filter on or off'),
    inject: z.boolean().default(true).describe('Inject recalled memories before the model call (inlet)'),
    storeTurns: z.boolean().default(true).describe('Store finished turns in memory (outlet)'),
    maxTokens: z
      .number()
      .int()
      .min(16)
      .max(32_000)
      .default(defaults.maxTokens)
      .describe('Token budget of the injected memory block'),
    k: z.number().int().min(1).max(200).optional().describe('How many memories to consider'),
    timeZone: z.string().max(100).optional().describe('IANA time zone for relative dates'),
    recallTimeoutMs: z
      .number()
      .int()
      .min(50)
      .max(60_000)
      .default(5_000)
      .describe('Give up on recall after this long and send the chat on unchanged'),
  };
  return combined
    ? z
        .object({
          ...base,
          layers: z.array(LayerSchema).optional().describe('Layers to recall from (all if empty)'),
        })
        .strict()
    : z.object(base).strict();
}

export type Valves = {
  enabled: boolean;
  inject: boolean;
  storeTurns: boolean;
  maxTokens: number;
  k?: number | undefined;
  timeZone?: string | undefined;
  recallTimeoutMs: number;
  layers?: string[] | undefined;
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
