/**
 * Opens the engine for one LoCoMo conversation: the library's createMemory with the given
 * config, a store whose recall side effects can be frozen for the question phase, and a
 * clock pinned to the end of the conversation, so "now" (recency, timestamps of writes)
 * is the moment the questions are asked rather than the wall clock years later.
 */

import type { StrataConfig } from '../../src/config/schema.ts';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { createStore } from '../../src/stores/create-store.ts';
import type { MemoryStore } from '../../src/stores/types.ts';
import { fixedClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import type { LocomoConversation } from './dataset.ts';
import { freezableStore } from './frozen-store.ts';

export interface EvalEngine {
  memory: StrataMemory;
  /** Called after ingestion: recall no longer writes (see frozen-store.ts). */
  freeze?: () => void;
  /** Lets recall-side writes through again until the next freeze (simulated feedback). */
  thaw?: () => void;
  /** The engine's store, for resetting what the learner learned (learn.ts). */
  store?: MemoryStore;
}

export async function openEvalEngine(config: StrataConfig, conv: LocomoConversation): Promise<EvalEngine> {
  const end = conv.turns.at(-1)?.at ?? new Date().toISOString();
  const clock = fixedClock(new Date(Date.parse(end) + 3_600_000));
  const frozen = freezableStore(createStore(config));
  const memory = createMemory(config, { store: frozen.store, clock, logger: silentLogger });
  await memory.ready();
  return { memory, freeze: frozen.freeze, thaw: frozen.thaw, store: frozen.store };
}
