/**
 * A store wrapper for evaluation: once frozen, the side effects recall has on a store
 * (access reinforcement via touch, co-recall link strengthening via update/commit) become no-ops.
 * Without it question i would reinforce memories that question j then finds, so scores
 * would depend on question order and leak the test set into the ranking.
 */
import type { MemoryStore } from '../../src/stores/types.ts';

export interface Freezable {
  store: MemoryStore;
  freeze(): void;
  /** Lets writes through again (simulated feedback writes its versions; see learn.ts). */
  thaw(): void;
}

const RECALL_WRITES = new Set<PropertyKey>(['touch', 'update', 'commit']);

export function freezableStore(inner: MemoryStore): Freezable {
  let frozen = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (frozen && RECALL_WRITES.has(property)) return async () => undefined;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
    },
  };
}
