import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemory } from '../src/engine/engine.ts';
import { timeOps } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'vs-'));
const m = createMemory({ dataDir: dir, log: { level: 'error' } });
await m.ready();
const gen = sentenceGenerator(1);
await m.addMany(
  Array.from({ length: 1000 }, () => ({ userId: 'u', layer: 'episodic' as const, content: gen.next() })),
);
const mode = (process.env.MODE ?? 'vector') as 'vector';
const qs = Array.from({ length: 3000 }, () => `Where do I live? ${gen.next().slice(0, 30)}`);
console.log(await timeOps(3000, (i) => m.search({ userId: 'u', query: qs[i]!, k: 10, mode })));
await m.close();
