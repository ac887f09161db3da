/**
 * Child process for the session summary crash test: observes one session of three turns
 * and the first turn of a second session (which queues the first one's summary) into an
 * engine on the SQLite file at argv[2], printing "ack <n>" after each observeTurn resolved.
 * Its worker waits ten minutes before running a job, so the parent's SIGKILL always finds
 * the job queued and not yet run.
 */
import { createMemory } from '../../src/engine/engine.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: summary-crash-writer.ts <db-path>');
const memory = createMemory({
  store: { kind: 'sqlite', path },
  embedder: { kind: 'hash' },
  log: { level: 'silent' },
  layers: { sessionSummaries: { enabled: true, delayMs: 600_000 } },
});
await memory.ready();
const turns = [
  ['c1', '2026-01-05T10:00:00Z', 'I adopted a grey kitten called Pixel from the shelter.'],
  ['c1', '2026-01-05T10:02:00Z', 'Pixel already climbed the bookshelf in the living room.'],
  ['c1', '2026-01-05T10:04:00Z', 'The vet appointment for Pixel is next Monday.'],
  ['c2', '2026-01-09T18:00:00Z', 'Work was busy today, lots of meetings.'],
] as const;
for (const [n, [chatId, timestamp, content]] of turns.entries()) {
  await memory.observeTurn({
    userId: 'crash-user',
    chatId,
    timestamp,
    messages: [
      { role: 'user', content },
      { role: 'assistant', content: 'That sounds lovely, tell me more.' },
    ],
  });
  process.stdout.write(`ack ${n}\n`);
}
// Stay alive with the job queued until the parent kills the process.
setInterval(() => undefined, 1_000);
