/**
 * Test support for the pipeline and layer tests (not a test file itself): an engine on the
 * in-memory store and the deterministic hash embedder with a pinned clock, plus the
 * EngineContext behind it for calling pipeline functions directly.
 */
import type { StrataMemory } from '../api.ts';
import { ConfigSchema, type StrataConfigInput } from '../config/schema.ts';
import { createEmbedder } from '../embedders/create-embedder.ts';
import type { EngineContext } from '../engine/context.ts';
import { createMemory } from '../memory.ts';
import { createStore } from '../stores/create-store.ts';
import { fixedClock } from '../util/clock.ts';
import { silentLogger } from '../util/logger.ts';

export interface TestEngine {
  memory: StrataMemory;
  ctx: EngineContext;
  clock: ReturnType<typeof fixedClock>;
}

export async function testEngine(at: string, overrides: StrataConfigInput = {}): Promise<TestEngine> {
  const config = ConfigSchema.parse({
    store: { kind: 'memory' },
    embedder: { kind: 'hash' },
    log: { level: 'silent' },
    ...overrides,
  });
  const clock = fixedClock(at);
  const store = createStore(config);
  const embedder = createEmbedder(config);
  const memory = createMemory(config, { clock, store, embedder, logger: silentLogger });
  await memory.ready();
  return { memory, clock, ctx: { config, store, embedder, clock, logger: silentLogger } };
}
