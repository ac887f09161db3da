/**
 * Child process for the observeTurn crash test: streams turns ("I live in <city>", two
 * users, so every turn after a user's first supersedes that user's previous fact) into an
 * engine on the SQLite file at argv[2], printing "ack <n>" only after observeTurn resolved.
 * The parent SIGKILLs it mid-stream and checks every acknowledged turn.
 */
import { createMemory } from '../../src/engine/engine.ts';

export const CITIES = ['Paris', 'Berlin', 'Madrid', 'Vienna', 'Lisbon', 'Prague', 'Oslo'];

const path = process.argv[2];
if (!path) throw new Error('usage: observe-crash-writer.ts <db-path>');
const memory = createMemory({
  store: { kind: 'sqlite', path },
  embedder: { kind: 'hash' },
  log: { level: 'silent' },
});
await memory.ready();
const start = Date.UTC(2026, 0, 1);
for (let n = 0; ; n++) {
  await memory.observeTurn({
    userId: `user-${n % 2}`,
    chatId: 'crash',
    metadata: { n },
    timestamp: new Date(start + n * 60_000).toISOString(),
    messages: [
      { role: 'user', content: `I live in ${CITIES[n % CITIES.length]}.` },
      { role: 'assistant', content: 'Noted.' },
    ],
  });
  process.stdout.write(`ack ${n}\n`);
}
