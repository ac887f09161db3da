/**
 * The read-only views the inspector draws from (GET /v1/whoami, /v1/users, /v1/stats,
 * /v1/timeline, /v1/emotions) over a real engine and a real socket: each answers only for the
 * acting user (a bound key naming another user is 403, its own figures never include
 * another's), /v1/users is admin-only, and every reply validates against the schema the
 * OpenAPI document publishes for it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';
import { createMemory } from '../../engine/engine.ts';
import type { StrataMemory } from '../../engine/strata-memory.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { bucketTimeline } from './timeline.ts';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const doc = buildOpenApiDocument() as Doc;
const ajv = new Ajv2020({ strict: false });

function expectDocumented(path: string, body: unknown): void {
  const reply = doc.paths[path]?.get?.responses['200'] as
    | { content: { 'application/json': { schema: object } } }
    | undefined;
  expect(reply, `${path} documented`).toBeDefined();
  const validate = ajv.compile(reply!.content['application/json'].schema);
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

describe('inspector views over a real engine', () => {
  let h: Harness;
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory);
    const turns: Array<[string, string, string, string]> = [
      ['alice', 'c1', 'I am so happy and excited, I got the job in Lisbon!', '2024-03-01T10:00:00Z'],
      ['alice', 'c1', 'My exam is next Friday and I am terrified.', '2024-03-04T09:00:00Z'],
      ['alice', 'c2', 'I feel sad and lonely since my cat died.', '2024-04-20T18:00:00Z'],
      ['bob', 'c9', 'I am furious about the broken vault door.', '2024-03-02T12:00:00Z'],
    ];
    for (const [user, chatId, content, timestamp] of turns) {
      const reply = await h.call('POST', '/v1/turns', {
        key: KEYS[user as 'alice' | 'bob'],
        json: { chatId, timestamp, messages: [{ role: 'user', content }] },
      });
      expect(reply.status).toBe(200);
    }
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it('whoami tells admin, bound and wrong keys apart', async () => {
    const alice = await h.call('GET', '/v1/whoami', { key: KEYS.alice });
    expect(alice.body).toMatchObject({ kind: 'user', keyName: 'alice', userId: 'alice' });
    expectDocumented('/v1/whoami', alice.body);
    const admin = await h.call('GET', '/v1/whoami', { key: KEYS.admin });
    expect(admin.body).toMatchObject({ kind: 'admin', userId: null });
    expect((admin.body as { layers: string[] }).layers).toContain('emotional');
    expect((await h.call('GET', '/v1/whoami', { key: null })).status).toBe(401);
  });

  it('lists users for an admin key only', async () => {
    const admin = await h.call('GET', '/v1/users', { key: KEYS.admin });
    expect(admin.body).toEqual({ users: ['alice', 'bob'] });
    expectDocumented('/v1/users', admin.body);
    const bob = await h.call('GET', '/v1/users', { key: KEYS.bob });
    expect(bob.status).toBe(403);
    expect(errorOf(bob.body).message).toMatch(/admin key/);
  });

  it("counts only the acting user's memories per layer", async () => {
    const alice = await h.call('GET', '/v1/stats', { key: KEYS.alice });
    expectDocumented('/v1/stats', alice.body);
    const body = alice.body as {
      userId: string;
      memories: number;
      byLayer: Record<string, { count: number }>;
    };
    expect(body.userId).toBe('alice');
    expect(body.byLayer.episodic?.count).toBe(3);
    expect(body.byLayer.emotional?.count).toBeGreaterThanOrEqual(3);
    const sum = Object.values(body.byLayer).reduce((s, l) => s + l.count, 0);
    expect(sum).toBe(body.memories);
    expect(body).not.toHaveProperty('store');
    expect((await h.call('GET', '/v1/stats?userId=alice', { key: KEYS.bob })).status).toBe(403);
    const viaAdmin = await h.call('GET', '/v1/stats?userId=bob', { key: KEYS.admin });
    expect((viaAdmin.body as { byLayer: Record<string, { count: number }> }).byLayer.episodic?.count).toBe(1);
  });

  it('buckets the timeline by layer and lists dated events', async () => {
    const reply = await h.call('GET', '/v1/timeline?buckets=30', { key: KEYS.alice });
    expect(reply.status).toBe(200);
    expectDocumented('/v1/timeline', reply.body);
    const t = reply.body as {
      from: string;
      bucketMs: number;
      buckets: Array<{ start: string; counts: Record<string, number> }>;
      scanned: number;
      truncated: boolean;
      events: Array<{ at: string; content: string }>;
    };
    expect(t.buckets.length).toBeLessThanOrEqual(30);
    const episodic = t.buckets.reduce((s, b) => s + (b.counts.episodic ?? 0), 0);
    expect(episodic).toBe(3);
    expect(t.buckets.reduce((s, b) => s + Object.values(b.counts).reduce((a, n) => a + n, 0), 0)).toBe(
      t.scanned,
    );
    expect(t.truncated).toBe(false);
    // The exam "next Friday", said on Monday 4 March 2024, is an event dated after that day.
    const exam = t.events.find((e) => /exam/.test(e.content));
    expect(exam && exam.at > '2024-03-05').toBe(true);
    const march = await h.call('GET', '/v1/timeline?until=2024-03-31T23:59:59Z', { key: KEYS.alice });
    const marchEpisodic = (march.body as typeof t).buckets.reduce((s, b) => s + (b.counts.episodic ?? 0), 0);
    expect(marchEpisodic).toBe(2);
    expect((await h.call('GET', '/v1/timeline?buckets=0', { key: KEYS.alice })).status).toBe(400);
  });

  it('gives emotion points with their clusters, one user at a time', async () => {
    const reply = await h.call('GET', '/v1/emotions', { key: KEYS.alice });
    expectDocumented('/v1/emotions', reply.body);
    const e = reply.body as {
      points: Array<{ id: string; valence: number; labels: string[]; cluster: number | null }>;
      clusters: Array<{ memoryIds: string[] }>;
    };
    expect(e.points.length).toBeGreaterThanOrEqual(3);
    const happy = e.points.find((p) => p.labels.includes('joy'));
    const sad = e.points.find((p) => p.labels.includes('sadness'));
    expect(happy?.valence).toBeGreaterThan(0);
    expect(sad?.valence).toBeLessThan(0);
    for (const p of e.points)
      if (p.cluster !== null) expect(e.clusters[p.cluster]?.memoryIds).toContain(p.id);
    const bob = await h.call('GET', '/v1/emotions', { key: KEYS.bob });
    const bobIds = new Set((bob.body as typeof e).points.map((p) => p.id));
    expect(e.points.some((p) => bobIds.has(p.id))).toBe(false);
    expect((await h.call('GET', '/v1/emotions?userId=alice', { key: KEYS.bob })).status).toBe(403);
  });
});

describe('the association graph around a memory', () => {
  let h: Harness;
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory);
    for (const content of [
      'I adopted a cat named Miso in Lisbon.',
      'Miso the cat hates the vet in Lisbon.',
    ]) {
      await h.call('POST', '/v1/turns', {
        key: KEYS.alice,
        json: { chatId: 'c1', messages: [{ role: 'user', content }] },
      });
    }
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it('walks links breadth first, with strengths, and only within the user', async () => {
    const list = await h.call('GET', '/v1/memories?layer=associative', { key: KEYS.alice });
    const hub = (list.body as { items: Array<{ id: string; links: string[] }> }).items[1]!;
    const reply = await h.call('GET', `/v1/memories/${hub.id}/graph?depth=2`, { key: KEYS.alice });
    expect(reply.status).toBe(200);
    expectDocumented('/v1/memories/{id}/graph', reply.body);
    const graph = reply.body as {
      nodes: Array<{ id: string; depth: number; layer: string }>;
      edges: Array<{ from: string; to: string; strength: number | null }>;
    };
    expect(graph.nodes[0]).toMatchObject({ id: hub.id, depth: 0 });
    const direct = graph.nodes.filter((n) => n.depth === 1).map((n) => n.id);
    expect(direct.sort()).toEqual([...hub.links].sort());
    expect(
      graph.edges.every(
        (e) => graph.nodes.some((n) => n.id === e.from) && graph.nodes.some((n) => n.id === e.to),
      ),
    ).toBe(true);
    expect(graph.edges.some((e) => typeof e.strength === 'number')).toBe(true);
    const one = await h.call('GET', `/v1/memories/${hub.id}/graph?depth=1&limit=2`, { key: KEYS.alice });
    expect((one.body as typeof graph).nodes).toHaveLength(2);
    expect((await h.call('GET', `/v1/memories/${hub.id}/graph`, { key: KEYS.bob })).status).toBe(404);
    expect((await h.call('GET', `/v1/memories/${hub.id}/graph?depth=9`, { key: KEYS.alice })).status).toBe(
      400,
    );
  });
});

describe('bucketTimeline', () => {
  const at = (iso: string) => Date.parse(iso);
  it('picks a nice width, aligns buckets and counts each point once', () => {
    const t = bucketTimeline(
      [
        { at: at('2024-01-01T10:00:00Z'), layer: 'episodic' },
        { at: at('2024-01-01T11:00:00Z'), layer: 'semantic' },
        { at: at('2024-01-20T00:00:00Z'), layer: 'episodic' },
      ],
      10,
    );
    expect(t.bucketMs).toBe(2 * 86_400_000);
    expect(t.buckets[0]?.start).toBe('2024-01-01T00:00:00.000Z');
    expect(t.buckets[0]?.counts).toEqual({ episodic: 1, semantic: 1 });
    expect(t.buckets.at(-1)?.counts).toEqual({ episodic: 1 });
    expect(t.buckets.length).toBeLessThanOrEqual(11);
  });
  it('is empty without points and one bucket for a single point', () => {
    expect(bucketTimeline([], 10).buckets).toEqual([]);
    const one = bucketTimeline([{ at: at('2024-05-05T05:05:05Z'), layer: 'temporal' }], 10);
    expect(one.buckets).toHaveLength(1);
  });
});
