import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeMemory, type FakeMemory } from '../../../test-support/server/fake-memory.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

type Envelope = {
  user: { id: string };
  body: { messages: Array<{ role: string; content: unknown }> } & Record<string, unknown>;
};

const fixture = (name: string): Envelope =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../test-support/fixtures/open-webui', name), 'utf8'),
  ) as Envelope;

describe('Open WebUI Pipelines protocol (fixtures replayed over a real socket)', () => {
  let h: Harness;
  let memory: FakeMemory;
  beforeEach(async () => {
    memory = createFakeMemory();
    h = await startHarness(memory, { startOutbox: false });
  });
  afterEach(() => h.close());

  it('lists a combined filter plus one per layer on /models, /pipelines and /v1/models', async () => {
    for (const path of ['/models', '/pipelines', '/v1/models']) {
      const reply = await h.call('GET', path);
      expect(reply.status).toBe(200);
      const list = reply.body as { object: string; pipelines: boolean; data: Array<Record<string, unknown>> };
      expect(list.object).toBe('list');
      expect(list.pipelines).toBe(true);
      expect(list.data.map((m) => m.id)).toEqual([
        'strata',
        'strata-episodic',
        'strata-semantic',
        'strata-emotional',
        'strata-temporal',
        'strata-associative',
        'strata-symbolic',
      ]);
      for (const entry of list.data) {
        expect(entry).toMatchObject({ object: 'model', owned_by: 'strata', created: expect.any(Number) });
        expect(entry.pipeline).toEqual({
          type: 'filter',
          pipelines: ['*'],
          priority: expect.any(Number),
          valves: true,
        });
      }
    }
    expect((await h.call('GET', '/models', { key: null })).status).toBe(401);
  });

  it('stores the outlet turn with message ids and returns the body unchanged', async () => {
    const outlet = fixture('outlet-chat.json');
    const reply = await h.call('POST', '/strata/filter/outlet', { json: outlet });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(outlet.body);
    const page = await memory.list({ userId: 'alice' });
    expect(page.items.map((m) => m.sources[0]?.messageId)).toEqual([
      'a1b2c3d4-0000-4000-8000-000000000001',
      'a1b2c3d4-0000-4000-8000-000000000002',
    ]);
    expect(page.items[0]?.sources[0]?.chatId).toBe('6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f');
    // A second Strata filter on the same model sees the same turn: it is stored once.
    await h.call('POST', '/strata-episodic/filter/outlet', { json: outlet });
    expect(memory.observed).toBe(1);
  });

  it('injects one memory block into the system message, idempotently', async () => {
    await h.call('POST', '/strata/filter/outlet', { key: KEYS.alice, json: fixture('outlet-chat.json') });
    const inlet = fixture('inlet-chat.json');
    const reply = await h.call('POST', '/strata/filter/inlet', { key: KEYS.alice, json: inlet });
    expect(reply.status).toBe(200);
    const body = reply.body as Envelope['body'];
    const system = String(body.messages[0]?.content);
    expect(system).toMatch(/^You are a helpful assistant\./);
    expect(system).toMatch(/<memory_context>[\s\S]*tram 28[\s\S]*<\/memory_context>/);
    expect(body.messages.slice(1)).toEqual(inlet.body.messages.slice(1));
    expect(body.metadata).toEqual(inlet.body.metadata);
    const again = await h.call('POST', '/strata/filter/inlet', { key: KEYS.alice, json: { ...inlet, body } });
    const systemAgain = String((again.body as Envelope['body']).messages[0]?.content);
    expect(systemAgain.match(/<memory_context>/g)).toHaveLength(1);
  });

  it('creates a system message when absent and handles image parts', async () => {
    await h.call('POST', '/strata/filter/outlet', { json: fixture('outlet-chat.json') });
    const noSystem = await h.call('POST', '/strata/filter/inlet', { json: fixture('inlet-no-system.json') });
    const messages = (noSystem.body as Envelope['body']).messages;
    expect(messages[0]?.role).toBe('system');
    expect(String(messages[0]?.content)).toContain('<memory_context>');
    expect(messages[1]).toEqual(fixture('inlet-no-system.json').body.messages[0]);
    const parts = fixture('inlet-image-parts.json');
    const withImage = await h.call('POST', '/strata-episodic/filter/inlet', { json: parts });
    const out = (withImage.body as Envelope['body']).messages;
    expect(String(out[0]?.content)).toContain('<memory_context>');
    expect(out[1]).toEqual(parts.body.messages[1]);
  });

  it('passes background tasks through untouched', async () => {
    await h.call('POST', '/strata/filter/outlet', { json: fixture('outlet-chat.json') });
    const task = fixture('inlet-task-title.json');
    const reply = await h.call('POST', '/strata/filter/inlet', { json: task });
    expect(reply.body).toEqual(task.body);
  });

  it('degrades instead of failing: inlet returns the body, outlet queues the turn durably', async () => {
    await h.call('POST', '/strata/filter/outlet', { json: fixture('outlet-chat.json') });
    memory.failRecall = true;
    const inlet = fixture('inlet-chat.json');
    const reply = await h.call('POST', '/strata/filter/inlet', { json: inlet });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(inlet.body);
    memory.failObserve = true;
    const outlet = fixture('outlet-chat.json');
    outlet.body.messages = outlet.body.messages.map((m, i) => ({
      ...m,
      id: `retry-${i}`,
      content: `retry ${i}`,
    }));
    const stored = await h.call('POST', '/strata/filter/outlet', { json: outlet });
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(outlet.body);
    const outbox = join(h.dataDir, 'outbox');
    expect(readdirSync(outbox).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      /strata_degraded_total\{surface="open-webui-inlet",reason="store_unavailable"\} 1/,
    );
    expect(metrics.text).toMatch(/strata_turn_retry_queue_depth 1/);
    memory.failObserve = false;
    await h.server.strata.outbox.flush(true);
    expect(readdirSync(outbox).filter((f) => f.endsWith('.json'))).toHaveLength(0);
    const contents = (await memory.list({ userId: 'alice' })).items.map((m) => m.content);
    expect(contents).toContain('retry 1');
  });

  it('refuses only bad keys: another user 403, no key 401', async () => {
    const reply = await h.call('POST', '/strata/filter/inlet', {
      key: KEYS.bob,
      json: fixture('inlet-chat.json'),
    });
    expect(reply.status).toBe(403);
    expect(
      (await h.call('POST', '/strata/filter/outlet', { key: KEYS.bob, json: fixture('outlet-chat.json') }))
        .status,
    ).toBe(403);
    expect(
      (await h.call('POST', '/strata/filter/inlet', { key: null, json: fixture('inlet-chat.json') })).status,
    ).toBe(401);
    expect((await h.call('POST', '/nope/filter/inlet', { json: fixture('inlet-chat.json') })).status).toBe(
      404,
    );
    const malformed = await h.call('POST', '/strata/filter/inlet', { raw: '{"user":' });
    expect(errorOf(malformed.body).message).toMatch(/Malformed JSON/);
  });

  it('serves valves: JSON Schema spec, current values, validated and persisted updates', async () => {
    const spec = (await h.call('GET', '/strata/valves/spec')).body as { properties: Record<string, unknown> };
    expect(Object.keys(spec.properties)).toEqual(
      expect.arrayContaining(['enabled', 'maxTokens', 'storeTurns', 'layers']),
    );
    const current = (await h.call('GET', '/strata/valves')).body as Record<string, unknown>;
    expect(current).toMatchObject({ enabled: true, storeTurns: true });
    const bad = await h.call('POST', '/strata/valves/update', { json: { ...current, maxTokens: 'lots' } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/maxTokens/);
    expect((await h.call('POST', '/strata/valves/update', { key: KEYS.alice, json: current })).status).toBe(
      403,
    );
    const updated = await h.call('POST', '/strata/valves/update', { json: { ...current, enabled: false } });
    expect(updated.body).toMatchObject({ enabled: false });
    const file = join(h.dataDir, 'open-webui', 'valves.json');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).strata.enabled).toBe(false);
    await h.call('POST', '/strata/filter/outlet', { json: fixture('outlet-chat.json') });
    expect(memory.observed).toBe(0);
  });
});

describe('Open WebUI limits and missing users', () => {
  it('does not store over quota (counted, dead-lettered), and passes bodies without a user through', async () => {
    const memory = createFakeMemory();
    const h = await startHarness(memory, {
      server: { quotas: { maxMemoriesPerUser: 1, maxBytesPerUser: 1_000_000 } },
    });
    try {
      await memory.add({ userId: 'alice', content: 'already at the limit' });
      const outlet = fixture('outlet-chat.json');
      const reply = await h.call('POST', '/strata/filter/outlet', { json: outlet });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(outlet.body);
      // Refused whole: nothing of the turn stored, and the turn kept in the dead-letter folder.
      expect((await memory.list({ userId: 'alice' })).items).toHaveLength(1);
      expect(h.server.strata.outbox.deadDepth()).toBe(1);
      expect(h.server.strata.outbox.depth()).toBe(0);
      const metrics = await h.call('GET', '/metrics');
      expect(metrics.text).toMatch(
        /strata_degraded_total\{surface="open-webui-outlet",reason="quota_exceeded"\} 1/,
      );
      const inlet = fixture('inlet-chat.json');
      const anonymous = await h.call('POST', '/strata/filter/inlet', { json: { body: inlet.body } });
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual(inlet.body);
    } finally {
      await h.close();
    }
  });
});

describe('Open WebUI robustness', () => {
  it('answers under /v1 too, and gives up on a slow recall within the valve timeout', async () => {
    const memory = createFakeMemory();
    const h = await startHarness(memory, { startOutbox: false });
    try {
      await h.call('POST', '/v1/strata/filter/outlet', { json: fixture('outlet-chat.json') });
      expect(memory.observed).toBe(1);
      const inlet = fixture('inlet-chat.json');
      const injected = await h.call('POST', '/v1/strata/filter/inlet', { json: inlet });
      expect(JSON.stringify(injected.body)).toContain('<memory_context>');
      expect(((await h.call('GET', '/v1/pipelines')).body as { pipelines: boolean }).pipelines).toBe(true);

      const valves = (await h.call('GET', '/v1/strata/valves')).body as Record<string, unknown>;
      await h.call('POST', '/strata/valves/update', { json: { ...valves, recallTimeoutMs: 50 } });
      memory.recallDelayMs = 2_000;
      const slow = await h.call('POST', '/strata/filter/inlet', { json: inlet });
      expect(slow.status).toBe(200);
      expect(slow.body).toEqual(inlet.body);
      const metrics = await h.call('GET', '/metrics');
      expect(metrics.text).toMatch(/strata_degraded_total\{surface="open-webui-inlet",reason="timeout"\} 1/);
    } finally {
      await h.close();
    }
  });
});

describe('Open WebUI under rate limits', () => {
  it('degrades instead of answering 429: inlet unchanged, outlet queued in the outbox', async () => {
    const memory = createFakeMemory();
    const h = await startHarness(memory, {
      startOutbox: false,
      server: { rateLimit: { perKeyPerMinute: 2, perUserPerMinute: 1000 } },
    });
    try {
      await h.call('GET', '/models');
      await h.call('GET', '/models');
      expect((await h.call('GET', '/models')).status).toBe(429);
      const inlet = fixture('inlet-chat.json');
      const limitedInlet = await h.call('POST', '/strata/filter/inlet', { json: inlet });
      expect(limitedInlet.status).toBe(200);
      expect(limitedInlet.body).toEqual(inlet.body);
      const outlet = fixture('outlet-chat.json');
      const limitedOutlet = await h.call('POST', '/strata/filter/outlet', { json: outlet });
      expect(limitedOutlet.status).toBe(200);
      expect(limitedOutlet.body).toEqual(outlet.body);
      expect(memory.observed).toBe(0);
      expect(readdirSync(join(h.dataDir, 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
      await h.server.strata.outbox.flush(true);
      expect(memory.observed).toBe(1);
      const bob = await h.call('POST', '/strata/filter/inlet', { key: KEYS.bob, json: inlet });
      expect(bob.status).toBe(403);
    } finally {
      await h.close();
    }
  });
});
