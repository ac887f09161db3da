/**
 * The inspector's weight and speed: the bytes of its page, scripts and styles (raw and
 * gzipped), and how long Chromium takes, from navigation to the first rows on screen, to show
 * the memories list of one user holding `--memories` memories (default 10,000) observed as
 * chat turns through every layer; also the pictures view (stats, timeline and emotion scans)
 * and a search. An in-process server over a throwaway SQLite store; each load is a fresh
 * browser context (cold cache, nothing carried over), the key preset in sessionStorage as
 * the sign-in form would leave it. Reports medians of `--runs` loads (default 5).
 *
 *   npx tsx bench/inspector-render.ts [--memories 10000] [--runs 5] [--json]
 *
 * Needs Debian's Chromium (/usr/bin/chromium, or STRATA_CHROMIUM) and playwright-core, a
 * development dependency, loaded only here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ConfigSchema } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import { loadAssets } from '../src/integrations/inspector/routes.ts';
import { startStrataServer } from '../src/integrations/server.ts';
import { silentLogger } from '../src/util/logger.ts';
import { sentenceGenerator } from './synthetic.ts';

const KEY = 'inspector-bench-key-0123456789';
const USER = 'heavy-user';
const FEELINGS = [
  'I am so happy about it!',
  'Honestly I feel sad and lonely today.',
  'I am furious about the delay.',
  'I am scared of what comes next.',
  'I feel grateful for my friends.',
  '',
  '',
];

export interface InspectorRenderReport {
  memories: number;
  seedMs: number;
  weight: {
    files: number;
    rawBytes: number;
    gzipBytes: number;
    scriptBytes: number;
    byFile: Record<string, number>;
  };
  /** Medians over the runs, in milliseconds from navigation start (the page's own clock). */
  firstListMs: number;
  picturesMs: number;
  searchMs: number;
  runs: number;
}

/** What the page-side predicate touches (the bench compiles without the DOM library). */
interface Window {
  document: { querySelector(selector: string): unknown };
  performance: { now(): number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export function pageWeight(): InspectorRenderReport['weight'] {
  const byFile: Record<string, number> = {};
  let raw = 0;
  let gzip = 0;
  let script = 0;
  for (const [name, asset] of loadAssets()) {
    byFile[name] = asset.body.length;
    raw += asset.body.length;
    gzip += gzipSync(asset.body).length;
    if (name.endsWith('.js')) script += asset.body.length;
  }
  return { files: Object.keys(byFile).length, rawBytes: raw, gzipBytes: gzip, scriptBytes: script, byFile };
}

export async function benchInspector(options: {
  memories: number;
  runs: number;
}): Promise<InspectorRenderReport> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'strata-inspector-bench-'));
  const config = ConfigSchema.parse({
    dataDir: dir,
    server: {
      port: 0,
      apiKeys: [{ key: KEY, userId: USER }],
      rateLimit: { perKeyPerMinute: 100_000, perUserPerMinute: 100_000 },
    },
  });
  const memory = createMemory(config);
  const server = await startStrataServer({ memory, config, logger: silentLogger });
  const browser = await chromium.launch({
    executablePath: process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    const gen = sentenceGenerator(11);
    const t0 = performance.now();
    const start = Date.UTC(2025, 0, 1);
    let stored = 0;
    for (let turn = 0; stored < options.memories; turn++) {
      const feeling = FEELINGS[turn % FEELINGS.length];
      const result = await memory.observeTurn({
        userId: USER,
        chatId: `chat-${Math.floor(turn / 20)}`,
        timestamp: new Date(start + turn * 3_600_000 * 5).toISOString(),
        messages: [
          { role: 'user', content: `${gen.next()} ${feeling}`.trim() },
          { role: 'assistant', content: `I see, tell me more about that (${turn}).` },
        ],
      });
      stored += result.stored.length;
    }
    const seedMs = performance.now() - t0;
    const memories = (await memory.stats(USER)).memories;

    const load = async (hash: string, ready: string): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        await context.addInitScript(
          `sessionStorage.setItem('strata.inspector.key', ${JSON.stringify(KEY)});`,
        );
        const page = await context.newPage();
        await page.goto(`${server.url}/ui${hash}`, { waitUntil: 'commit' });
        // A function, not a string: the page's CSP refuses eval, as it should.
        const at = await page.waitForFunction(
          (selector: string) => {
            const page = globalThis as unknown as Window;
            return page.document.querySelector(selector) !== null && page.performance.now();
          },
          ready,
          { timeout: 60_000, polling: 'raf' },
        );
        return (await at.jsonValue()) as number;
      } finally {
        await context.close();
      }
    };
    const list: number[] = [];
    const pictures: number[] = [];
    const search: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      list.push(await load('#/memories', 'tbody tr'));
      pictures.push(await load('#/pictures', 'svg[aria-label^="Emotions by valence"]'));
      search.push(await load('#/memories?q=Lisbon%20OR%20Berlin', 'tbody tr'));
    }
    return {
      memories,
      seedMs: Math.round(seedMs),
      weight: pageWeight(),
      firstListMs: Math.round(median(list)),
      picturesMs: Math.round(median(pictures)),
      searchMs: Math.round(median(search)),
      runs: options.runs,
    };
  } finally {
    await browser.close();
    await server.close();
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      memories: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await benchInspector({ memories: Number(values.memories), runs: Number(values.runs) });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      `page weight: ${report.weight.files} files, ${kb(report.weight.rawBytes)} raw (${kb(report.weight.scriptBytes)} script), ${kb(report.weight.gzipBytes)} gzipped`,
    );
    console.log(
      `user with ${report.memories} memories (seeded in ${(report.seedMs / 1000).toFixed(1)} s), medians of ${report.runs} cold loads:`,
    );
    console.log(
      `  first list rows: ${report.firstListMs} ms · pictures: ${report.picturesMs} ms · search: ${report.searchMs} ms`,
    );
  }
}
