/**
 * observe, recall, emotions and consolidate end to end: `node bin/strata` as a child
 * process on a SQLite file in a temp dir (hash embedder, so nothing loads a model).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'strata-layers-cli-'));
const config = join(dir, 'strata.config.json');
writeFileSync(
  config,
  JSON.stringify({
    dataDir: dir,
    store: { kind: 'sqlite', path: join(dir, 'strata.db') },
    embedder: { kind: 'hash' },
    log: { level: 'silent' },
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const strata = async (...args: string[]) => {
  const { stdout } = await run('node', ['bin/strata', '--config', config, ...args], { cwd: process.cwd() });
  return stdout;
};

it('observes turns, recalls the block, clusters emotions and consolidates', async () => {
  const observed = JSON.parse(
    await strata(
      'observe',
      '--json',
      '--user',
      'u1',
      '--chat',
      'c1',
      '--user-msg',
      "I'm so nervous about my exam next Friday",
      '--assistant-msg',
      'You will do great.',
      '--at',
      '2026-11-25T10:00:00Z',
      '--tz',
      'Europe/Berlin',
    ),
  ) as { stored: Array<{ layer: string; metadata: Record<string, unknown> }> };
  expect(
    observed.stored.find((m) => m.layer === 'temporal' && m.metadata.kind === 'event')?.metadata.eventDate,
  ).toBe('2026-12-04');
  const block = await strata(
    'recall',
    '--user',
    'u1',
    '--tz',
    'Europe/Berlin',
    'what is coming up next week?',
  );
  expect(block).toMatch(/^<memory_context>/);
  expect(block).toContain('exam');
  const emotions = JSON.parse(await strata('emotions', '--json', '--user', 'u1')) as {
    clusters: Array<{ label: string; size: number }>;
  };
  expect(emotions.clusters[0]).toMatchObject({ size: 1 });
  expect(emotions.clusters[0]?.label).toContain('fear');
  const consolidated = JSON.parse(await strata('consolidate', '--json', '--user', 'u1')) as Record<
    string,
    number
  >;
  expect(Object.keys(consolidated).sort()).toEqual([
    'deleted',
    'merged',
    'reinforced',
    'summarized',
    'superseded',
  ]);
  const bad = await strata('observe', '--user', 'u1', '--user-msg', 'hi', '--tz', 'Mars/Olympus').catch(
    (e: { code: number; stderr: string }) => e,
  );
  expect(typeof bad === 'object' && bad.code).toBe(2);
  expect(typeof bad === 'object' && bad.stderr).toMatch(/Unknown time zone "Mars\/Olympus"/);
});
