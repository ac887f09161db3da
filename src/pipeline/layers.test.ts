/**
 * Each layer through the whole pipeline (createMemory → observeTurn/recall/consolidate),
 * on the in-memory store and on SQLite in a temp file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngine } from '../../test-support/engine/pipeline-engine.ts';
import type { StrataConfigInput } from '../config/schema.ts';

let engine: TestEngine | undefined;
const dirs: string[] = [];
let server: Server | undefined;
afterEach(async () => {
  await engine?.memory.close();
  engine = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const stores: Array<[string, () => StrataConfigInput]> = [
  ['memory', () => ({ store: { kind: 'memory' } })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'strata-layers-'));
      dirs.push(dir);
      return { store: { kind: 'sqlite', path: join(dir, 'strata.db') }, dataDir: dir };
    },
  ],
];

const say = (text: string, timestamp: string, reply = 'I see.') => ({
  userId: 'u1',
  chatId: 'c1',
  timestamp,
  messages: [
    { role: 'user' as const, content: text },
    { role: 'assistant' as const, content: reply },
  ],
});

describe.each(stores)('layers through the pipeline (%s store)', (_name, config) => {
  it('supersede + recall on this store', async () => {
    engine = await testEngine('2026-11-08T10:00:00Z', config());
    await engine.memory.observeTurn(say('I live in Paris.', '2026-11-01T10:00:00Z'));
    await engine.memory.observeTurn(say('I moved to Berlin last month.', '2026-11-08T10:00:00Z'));
    const r = await engine.memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'Where do I live now?' }],
    });
    expect(r.memories[0]?.memory.content).toBe('User lives in Berlin');
    expect(r.memories.some((m) => m.memory.content === 'User lives in Paris')).toBe(false);
  });

  it('associative: links same-turn and shared-entity memories, spreads activation, strengthens links', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z', config());
    const a = await engine.memory.observeTurn(
      say('My sister Anna plays the cello in Vienna.', '2026-11-20T10:00:00Z'),
    );
    const b = await engine.memory.observeTurn(
      say('Anna is coming to visit for the holidays.', '2026-11-25T09:00:00Z'),
    );
    const hub = b.stored.find((m) => m.layer === 'associative');
    expect(hub?.metadata.entities).toEqual(expect.arrayContaining(['anna']));
    const earlier = a.stored.map((m) => m.id);
    expect(hub?.links.some((id) => earlier.includes(id))).toBe(true);
    const userEp = b.stored.find((m) => m.layer === 'episodic' && m.metadata.role === 'user');
    expect(userEp?.links).toContain(hub?.id);

    const r = await engine.memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'Is Anna coming for the holidays?' }],
      maxTokens: 2000,
    });
    // The cello fact shares no words with the query except the name; activation or search finds it.
    expect(r.context).toContain('cello');
    // Recalled together through the hub: the hub's links to them grew.
    const updatedHub = await engine.memory.get('u1', hub?.id ?? '');
    expect(updatedHub.version).toBe(2);
    const before = hub?.metadata.linkStrengths as Record<string, number>;
    const after = updatedHub.metadata.linkStrengths as Record<string, number>;
    expect(Object.keys(after).some((id) => (after[id] ?? 0) > (before[id] ?? 0))).toBe(true);
    const history = await engine.memory.history('u1', hub?.id ?? '');
    expect(history.map((v) => v.op)).toEqual(['create', 'update']);
  });

  it('symbolic: consolidate summarizes old episodes with sources kept, and merges duplicates', async () => {
    engine = await testEngine('2026-06-01T10:00:00Z', config());
    const texts = [
      'We planned the garden: tomatoes along the south fence.',
      'The garden needs compost before the tomatoes go in.',
      'I bought tomato seedlings and compost for the garden today.',
      'The tomatoes in the garden are finally sprouting.',
    ];
    for (const [i, t] of texts.entries())
      await engine.memory.observeTurn(say(t, `2026-03-0${i + 1}T10:00:00Z`, 'Nice.'));
    await engine.memory.add({ userId: 'u1', layer: 'semantic', content: 'User grows tomatoes' });
    await engine.memory.add({ userId: 'u1', layer: 'semantic', content: 'User grows tomatoes' });
    const result = await engine.memory.consolidate({ userId: 'u1' });
    // dedupe ran first: the four identical "Nice." replies merged into one (sources kept),
    // so 4 user messages + 1 merged reply were summarized.
    expect(result.summarized).toBe(5);
    expect(result.merged).toBeGreaterThanOrEqual(1);
    const list = (layer: 'symbolic' | 'semantic') =>
      engine?.ctx.store.list({ userId: 'u1', layers: [layer] }, { limit: 100 }).then((p) => p.items) ?? [];
    const symbolic = await list('symbolic');
    expect(symbolic).toHaveLength(1);
    expect(symbolic[0]?.content).toMatch(/garden|tomato/);
    expect(symbolic[0]?.sources.length).toBe(8);
    expect(symbolic[0]?.metadata.themes).toEqual(expect.arrayContaining(['garden']));
    const again = await engine.memory.consolidate({ userId: 'u1', jobs: ['summarize', 'dedupe'] });
    expect(again).toMatchObject({ summarized: 0, merged: 0 });
    const semantic = await list('semantic');
    expect(semantic.filter((m) => m.content === 'User grows tomatoes' && !m.supersededBy)).toHaveLength(1);
  });

  it('emotional + temporal rhythm: clusters and session gaps', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z', config());
    await engine.memory.observeTurn(say('I am so anxious about the interview.', '2026-11-20T10:00:00Z'));
    await engine.memory.observeTurn(say('Honestly I am scared I will fail it.', '2026-11-20T10:05:00Z'));
    const later = await engine.memory.observeTurn(
      say('Thank you so much, I am grateful!', '2026-11-23T10:00:00Z'),
    );
    const session = later.stored.find((m) => m.layer === 'temporal' && m.metadata.kind === 'session');
    expect(session?.content).toMatch(/after 3 days/);
    const clusters = await engine.memory.emotionClusters('u1');
    expect(clusters.map((c) => c.label)).toEqual(expect.arrayContaining([expect.stringContaining('fear')]));
    expect(clusters.reduce((s, c) => s + c.size, 0)).toBe(3);
  });
});

describe('semantic layer with a configured LLM (fake server on a real socket)', () => {
  it('stores LLM-extracted facts and falls back to rules when the LLM fails', async () => {
    let fail = false;
    const fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (fail) {
          res.writeHead(500).end('{}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const content = JSON.stringify({
          facts: [{ predicate: 'plays', object: 'the cello', single: false }],
        });
        res.end(JSON.stringify({ choices: [{ message: { content } }] }));
      });
    });
    server = fake;
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    engine = await testEngine('2026-11-25T10:00:00Z', { layers: { llm: { baseUrl, model: 'fake' } } });
    const a = await engine.memory.observeTurn(
      say('I have played the cello since I was six.', '2026-11-25T09:00:00Z'),
    );
    expect(a.stored.find((m) => m.layer === 'semantic')?.metadata).toMatchObject({
      predicate: 'plays',
      object: 'the cello',
    });
    fail = true;
    const b = await engine.memory.observeTurn(say('I live in Oslo.', '2026-11-25T09:30:00Z'));
    expect(b.stored.find((m) => m.layer === 'semantic')?.content).toBe('User lives in Oslo');
  });
});

describe('symbolic summaries with a configured LLM (fake server on a real socket)', () => {
  it('uses the LLM summary and themes, keeping every source', async () => {
    const bodies: string[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        const wantsSummary = body.includes('summarize an older conversation');
        const content = wantsSummary
          ? JSON.stringify({
              summary: 'The user planned and planted a tomato garden.',
              themes: ['gardening'],
            })
          : JSON.stringify({ facts: [] });
        res.end(JSON.stringify({ choices: [{ message: { content } }] }));
      });
    });
    server = fake;
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
    engine = await testEngine('2026-06-01T10:00:00Z', { layers: { llm: { baseUrl, model: 'fake' } } });
    for (const [i, t] of ['Planning the garden.', 'Buying compost.', 'Planting tomatoes.'].entries()) {
      await engine.memory.observeTurn(say(t, `2026-03-0${i + 1}T10:00:00Z`, `Reply ${i}.`));
    }
    const result = await engine.memory.consolidate({ userId: 'u1', jobs: ['summarize'] });
    expect(result.summarized).toBe(6);
    const [summary] = (await engine.ctx.store.list({ userId: 'u1', layers: ['symbolic'] }, { limit: 10 }))
      .items;
    expect(summary?.content).toContain('The user planned and planted a tomato garden.');
    expect(summary?.metadata.themes).toEqual(['gardening']);
    expect(summary?.sources).toHaveLength(6);
    expect(bodies.some((b) => b.includes('Planting tomatoes.'))).toBe(true);
  });
});

describe('temporal recall queries', () => {
  it('"before my trip" and "what did I say last week" become time windows', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const { memory } = engine;
    await memory.observeTurn(say('My trip to Japan starts on December 20.', '2026-11-10T10:00:00Z'));
    await memory.observeTurn(say('I have a dentist appointment on December 5.', '2026-11-11T10:00:00Z'));
    await memory.observeTurn(say('The marathon is on January 15.', '2026-11-12T10:00:00Z'));
    await memory.observeTurn(say('I adopted a kitten called Miso.', '2026-11-17T10:00:00Z'));
    await memory.observeTurn(say('Work has been quiet.', '2026-11-24T10:00:00Z'));

    const before = await memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'What is planned before my trip?' }],
    });
    const events = before.memories.filter(
      (r) => r.memory.layer === 'temporal' && r.memory.metadata.kind === 'event',
    );
    const dentist = events.findIndex((r) => r.memory.content.includes('dentist'));
    const marathon = events.findIndex((r) => r.memory.content.includes('marathon'));
    expect(dentist).toBeGreaterThanOrEqual(0);
    expect(marathon === -1 || marathon > dentist).toBe(true);

    const lastWeek = await memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'What did I tell you last week?' }],
    });
    // Last week = Monday 16 .. Sunday 22 November: the kitten, not the quiet work week.
    const top = lastWeek.memories.find((r) => r.memory.layer === 'episodic');
    expect(top?.memory.content).toContain('kitten');
  });
});
