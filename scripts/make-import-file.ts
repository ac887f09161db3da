/**
 * Writes a synthetic NDJSON import file for memory/time measurements of `strata import`:
 * N memories over 5 users, each followed by its version line (as export writes them).
 *
 *   npx tsx scripts/make-import-file.ts 50000 /tmp/50k.ndjson
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { memoryLine, versionLine } from '../src/engine/ndjson.ts';
import { newMemory } from '../src/records.ts';

const n = Number(process.argv[2] ?? 50_000);
const out = createWriteStream(process.argv[3] ?? `/tmp/strata-import-${n}.ndjson`);
const words =
  'alpha beta gamma delta hiking berlin coffee tea exam friday mountains river dog cat piano'.split(' ');
for (let i = 0; i < n; i++) {
  const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
  const content = `Memory ${i}: ${Array.from({ length: 20 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')}`;
  const memory = newMemory({ id: `m${i}`, userId: `u${i % 5}`, layer: 'semantic', content }, at, 'hash@1');
  const line =
    memoryLine(memory) + versionLine({ memoryId: memory.id, version: 1, op: 'create', at, memory });
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'close');
