/**
 * Two-user isolation through every library method: bob can never read, list, search,
 * export, see the history of, roll back, update or delete alice's memory, and the error
 * he gets is the same as for an id that does not exist. Runs on every available store, and
 * on Postgres through PGlite + pgvector served over a socket.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StrataConfigInput } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { Memory } from '../src/types.ts';
import {
  availableStores,
  engineConfig,
  errorOf,
  readStream,
  tempDir,
} from '../test-support/engine/e2e-engine.ts';
import { type PgliteServer, startPgliteServer } from '../test-support/postgres/pglite-server.ts';

for (const kind of availableStores()) {
  isolationCases(`two-user isolation on the ${kind} store`, (dir) => engineConfig(kind, dir));
}

describe('postgres', () => {
  let server: PgliteServer;
  beforeAll(async () => {
    server = await startPgliteServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  isolationCases(
    'two-user isolation on the postgres store (PGlite over a socket)',
    (dir) => ({ ...engineConfig('memory', dir), store: { kind: 'postgres', url: server.url, poolSize: 1 } }),
    () => server.reset(),
  );
});

function isolationCases(
  name: string,
  configOf: (dir: string) => StrataConfigInput,
  reset: () => Promise<void> = async () => undefined,
): void {
  describe(name, () => {
    let dir: ReturnType<typeof tempDir>;
    let memory: StrataMemory;
    let secret: Memory;

    beforeEach(async () => {
      dir = tempDir();
      memory = createMemory(configOf(dir.path));
      secret = await memory.add({ userId: 'alice', content: 'My bank PIN is hidden under the blue vase' });
      await memory.update('alice', secret.id, { content: 'My bank PIN is hidden under the red vase' });
      await memory.add({ userId: 'bob', content: 'Bob likes football' });
    });
    afterEach(async () => {
      await memory.close();
      await reset();
      dir.remove();
    });

    it('hides alice from bob on every read path', async () => {
      const missing = await errorOf(memory.get('bob', 'no-such-id'));
      const foreign = await errorOf(memory.get('bob', secret.id));
      expect(foreign.code).toBe('not_found');
      // Same message shape as a missing id: existence is not revealed.
      expect(foreign.message.replace(secret.id, 'X')).toBe(missing.message.replace('no-such-id', 'X'));

      expect((await memory.list({ userId: 'bob' })).items.map((m) => m.userId)).toEqual(['bob']);
      for (const mode of ['hybrid', 'vector', 'keyword'] as const) {
        const results = await memory.search({ userId: 'bob', query: 'bank PIN vase', mode });
        expect(results.every((r) => r.memory.userId === 'bob')).toBe(true);
      }
      const exported = await readStream(memory.export('bob'));
      expect(exported).not.toContain(secret.id);
      expect(exported).not.toContain('vase');
      expect((await errorOf(memory.history('bob', secret.id))).code).toBe('not_found');
      expect((await memory.stats('bob')).memories).toBe(1);
    });

    it('refuses every write by bob to alice memory and leaves it untouched', async () => {
      expect((await errorOf(memory.update('bob', secret.id, { content: 'hacked' }))).code).toBe('not_found');
      expect((await errorOf(memory.rollback('bob', secret.id, 1))).code).toBe('not_found');
      expect((await errorOf(memory.delete('bob', secret.id))).code).toBe('not_found');
      await memory.deleteUser('bob');

      const after = await memory.get('alice', secret.id);
      expect(after).toMatchObject({ content: 'My bank PIN is hidden under the red vase', version: 2 });
      expect(await memory.history('alice', secret.id)).toHaveLength(2);
    });

    it('refuses an import that would write alice memories as bob', async () => {
      const aliceExport = await readStream(memory.export('alice'));
      expect((await errorOf(memory.import(aliceExport, { userId: 'bob' }))).code).toBe('validation_error');
      // An import without userId that reuses alice's ids for bob is refused by the store.
      const stolen = aliceExport.replaceAll('"userId":"alice"', '"userId":"bob"');
      expect((await errorOf(memory.import(stolen))).code).toBe('conflict');
      expect(await memory.get('alice', secret.id)).toMatchObject({ userId: 'alice', version: 2 });
      expect((await memory.list({ userId: 'bob' })).items).toHaveLength(1);
    });

    it('deleteUser removes only that user', async () => {
      expect(await memory.deleteUser('alice')).toBe(1);
      expect((await memory.list({ userId: 'alice' })).items).toEqual([]);
      expect((await memory.list({ userId: 'bob' })).items).toHaveLength(1);
    });
  });
}
