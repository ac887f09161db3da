/**
 * Writes test/fixtures/store-v<schema>.db: a small SQLite store made by this version of
 * Strata (a few memories, an update with history, an observed turn), kept in the repo so
 * that later versions prove they still open and upgrade it (test/upgrade.test.ts).
 *
 *   npx tsx scripts/make-fixture-store.ts
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createMemory } from '../src/engine/engine.ts';
import { LATEST_VERSION } from '../src/stores/sqlite/migrations.ts';
import { fixedClock } from '../src/util/clock.ts';

const path = resolve(import.meta.dirname, '..', 'test/fixtures', `store-v${LATEST_VERSION}.db`);
rmSync(path, { force: true });
const clock = fixedClock('2026-12-01T09:00:00Z');
const memory = createMemory(
  { dataDir: join(path, '..'), store: { kind: 'sqlite', path }, log: { level: 'error' } },
  { clock },
);
const first = await memory.add({ userId: 'alice', content: 'I live in Munich', layer: 'semantic' });
clock.advance(60_000);
await memory.update('alice', first.id, { content: 'I live in Berlin' });
await memory.add({ userId: 'bob', content: 'I love sailing on the Baltic' });
clock.advance(60_000);
await memory.observeTurn({
  userId: 'alice',
  chatId: 'fixture-chat',
  messages: [
    { id: 'm1', role: 'user', content: 'My exam is next Friday and I am vegetarian.' },
    { id: 'm2', role: 'assistant', content: 'Good luck with the exam!' },
  ],
});
await memory.close();
console.log(`wrote ${path} (schema ${LATEST_VERSION}, first memory ${first.id})`);
