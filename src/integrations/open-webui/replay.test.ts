import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { episodic, type RealEngine, realEngine } from '../../../test-support/server/bridges.ts';
import { type Harness, startHarness } from '../../../test-support/server/harness.ts';
import { LAYERS } from '../../types.ts';
import { blockLines } from '../shared/memory-block.ts';

/**
 * Open WebUI's own request sequence against the real server and a real engine: discovery,
 * the valves page, then for every chat message the inlet of each filter in priority order
 * (each one getting the body the previous one returned) and the outlet of each filter.
 */
type Message = { id?: string; role: string; content: string; timestamp?: number };
type Filter = { id: string; pipeline: { priority: number } };

const USER = { id: 'alice', email: 'alice@example.com', name: 'Alice', role: 'user' };
const CHAT = '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f';
const SYSTEM = 'You are a helpful assistant.';
const TURNS: Array<[string, string]> = [
  ['I just moved to Lisbon and I love the tram 28.', 'Welcome to Lisbon! Tram 28 is a classic.'],
  ['Every Monday I take pottery class in Lisbon, it makes me so happy.', 'Pottery on Mondays sounds lovely.'],
  ['Last Friday I rode tram 28 with my sister Ana to the castle.', 'Sounds like a great day with Ana.'],
];
const QUESTION = 'Which city do I live in now, and which tram do I love?';

const blocksIn = (messages: Message[]) => JSON.stringify(messages).match(/<memory_context>/g)?.length ?? 0;
const layerOf = (line: string) => /^- \[(\w+) /.exec(line)?.[1];
const memoryIdOf = (line: string) => /^- \[\w+ \S+ ([\w-]+)\]/.exec(line)?.[1];

class OpenWebUi {
  history: Message[] = [];
  filters: Filter[] = [];
  private n = 0;
  constructor(private readonly h: Harness) {}

  /** Adding the connection and opening the Pipelines admin page, saving each filter's valves as shown. */
  async connect(): Promise<void> {
    const models = await this.h.call('GET', '/models');
    expect(models.status).toBe(200);
    this.filters = (models.body as { data: Filter[] }).data
      .slice()
      .sort((a, b) => a.pipeline.priority - b.pipeline.priority);
    for (const filter of this.filters) {
      expect((await this.h.call('GET', `/${filter.id}/valves/spec`)).status).toBe(200);
      const valves = await this.h.call('GET', `/${filter.id}/valves`);
      expect(valves.status).toBe(200);
      const saved = await this.h.call('POST', `/${filter.id}/valves/update`, { json: valves.body });
      expect(saved.status).toBe(200);
    }
  }

  async setValves(filterId: string, patch: Record<string, unknown>): Promise<void> {
    const current = (await this.h.call('GET', `/${filterId}/valves`)).body as Record<string, unknown>;
    expect(
      (await this.h.call('POST', `/${filterId}/valves/update`, { json: { ...current, ...patch } })).status,
    ).toBe(200);
  }

  /** The inlets in priority order; returns the messages after each filter. */
  async inlets(text: string, messageId = `reply-${this.n + 1}`, system = SYSTEM): Promise<Message[][]> {
    const userMessage: Message = { id: `user-${this.n + 1}`, role: 'user', content: text };
    let body: Record<string, unknown> = {
      stream: true,
      model: 'llama3.1:8b',
      messages: [
        { role: 'system', content: system },
        ...[...this.history, userMessage].map(({ role, content }) => ({ role, content })),
      ],
      features: { image_generation: false, code_interpreter: false, web_search: false },
      metadata: {
        user_id: USER.id,
        chat_id: CHAT,
        message_id: messageId,
        session_id: 'Xk29sLq0pZrT5mNbAAAB',
        filter_ids: this.filters.map((f) => f.id),
      },
    };
    const steps: Message[][] = [];
    for (const filter of this.filters) {
      const reply = await this.h.call('POST', `/${filter.id}/filter/inlet`, { json: { user: USER, body } });
      expect(reply.status).toBe(200);
      body = reply.body as Record<string, unknown>;
      steps.push(body.messages as Message[]);
    }
    return steps;
  }

  /** The model's reply, then the outlets in priority order, each with the chat as stored. */
  async outlets(text: string, reply: string): Promise<void> {
    this.n++;
    const at = 1764061100 + this.n * 86_400;
    this.history.push(
      { id: `user-${this.n}`, role: 'user', content: text, timestamp: at },
      { id: `reply-${this.n}`, role: 'assistant', content: reply, timestamp: at + 5 },
    );
    const body = {
      model: 'llama3.1:8b',
      messages: this.history,
      chat_id: CHAT,
      session_id: 'Xk29sLq0pZrT5mNbAAAB',
      id: `reply-${this.n}`,
    };
    for (const filter of this.filters) {
      const out = await this.h.call('POST', `/${filter.id}/filter/outlet`, { json: { user: USER, body } });
      expect(out.status).toBe(200);
      expect(out.body).toEqual(body);
    }
  }

  async turn(text: string, reply: string): Promise<Message[][]> {
    const steps = await this.inlets(text);
    await this.outlets(text, reply);
    return steps;
  }
}

const finalBlock = (messages: Message[]): string => {
  const system = messages[0];
  expect(system?.role).toBe('system');
  const match = /<memory_context>[\s\S]*<\/memory_context>/.exec(String(system?.content));
  expect(match).not.toBeNull();
  return match?.[0] ?? '';
};

describe('Open WebUI replay: every Strata filter enabled as shipped', () => {
  let engine: RealEngine;
  let h: Harness;
  let owui: OpenWebUi;
  beforeEach(async () => {
    engine = realEngine();
    h = await startHarness(engine.memory, { startOutbox: false });
    owui = new OpenWebUi(h);
    await owui.connect();
    for (const [text, reply] of TURNS) await owui.turn(text, reply);
    // The symbolic layer is written by consolidation only; one summary stands in for it.
    await engine.memory.add({
      userId: 'alice',
      layer: 'symbolic',
      content: 'Recurring theme: life in Lisbon, the tram 28 and pottery on Mondays',
    });
  });
  afterEach(async () => {
    await h.close();
    await engine.close();
  });

  it('gives the model one block with each enabled layer lines once, and outlets store the turn once', async () => {
    expect(owui.filters.map((f) => f.id)).toEqual(['strata', ...LAYERS.map((l) => `strata-${l}`)]);
    const steps = await owui.inlets(QUESTION);
    const last = steps.at(-1) ?? [];
    expect(blocksIn(last)).toBe(1);
    expect(last.slice(1)).toEqual(steps[0]?.slice(1));
    expect(String(last[0]?.content).startsWith(`${SYSTEM}\n\n<memory_context>`)).toBe(true);
    const block = finalBlock(last);
    const lines = blockLines(block);
    // Each memory once, every layer there, and no filter lost what an earlier one injected.
    expect(new Set(lines).size).toBe(lines.length);
    expect(new Set(lines.map(memoryIdOf)).size).toBe(lines.length);
    expect(new Set(lines.map(layerOf))).toEqual(new Set(LAYERS));
    let before: string[] = [];
    steps.forEach((messages, i) => {
      expect(blocksIn(messages)).toBe(1);
      const now = blockLines(finalBlock(messages));
      expect(now.slice(0, before.length)).toEqual(before);
      const layer = owui.filters[i]?.id.replace(/^strata-?/, '');
      if (layer) for (const added of now.slice(before.length)) expect(layerOf(added)).toBe(layer);
      before = now;
    });

    // The model echoes its system prompt: the stored reply must not hold the block.
    await owui.outlets(QUESTION, `You live in Lisbon and you love the tram 28.\n\n${block}`);
    const state = await episodic(engine.memory, 'alice');
    expect(state.all.map((m) => m.content)).toContain(
      'Assistant: You live in Lisbon and you love the tram 28.',
    );
    for (const memory of (await engine.memory.list({ userId: 'alice', limit: 1000 })).items) {
      expect(memory.content).not.toContain('memory_context');
    }
    const ids = state.messages.map((m) => m.id);
    expect(ids.sort()).toEqual(owui.history.map((m) => m.id).sort());
    expect(state.bridges).toHaveLength(TURNS.length);
  });

  it('merges only the layers whose filters are enabled when the combined filter is off', async () => {
    await owui.setValves('strata', { enabled: false });
    for (const layer of ['episodic', 'temporal', 'associative', 'symbolic']) {
      await owui.setValves(`strata-${layer}`, { enabled: false });
    }
    const last = (await owui.inlets(QUESTION)).at(-1) ?? [];
    expect(blocksIn(last)).toBe(1);
    const lines = blockLines(finalBlock(last));
    expect(new Set(lines.map(layerOf))).toEqual(new Set(['semantic', 'emotional']));
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.some((line) => line.includes('User lives in Lisbon'))).toBe(true);
  });

  it('replaces a block left from another request instead of merging into it', async () => {
    const stale = `${SYSTEM}\n\n<memory_context>\n- [semantic 2020-01-01 deadbeef] User lives in Porto\n</memory_context>`;
    const last = (await owui.inlets(QUESTION, 'reply-regenerated', stale)).at(-1) ?? [];
    expect(blocksIn(last)).toBe(1);
    const block = finalBlock(last);
    expect(block).not.toContain('Porto');
    expect(block).toContain('User lives in Lisbon');
  });
});
