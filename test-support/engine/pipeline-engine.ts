/**
 * Test support for the pipeline and layer tests (not a test file itself): an engine on the
 * in-memory store and the deterministic hash embedder with a pinned clock, plus the
 * EngineContext behind it for calling pipeline functions directly.
 */

import { ConfigSchema, type StrataConfigInput } from '../../src/config/schema.ts';
import { createEmbedder } from '../../src/embedders/create-embedder.ts';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import type { EngineContext } from '../../src/layers/context.ts';
import { createStore } from '../../src/stores/create-store.ts';
import { fixedClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';

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
