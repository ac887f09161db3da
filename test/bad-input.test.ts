/**
 * Bad input at the library edge: empty and oversized content, wrong types, invalid dates
 * and zones, unknown ids and versions all fail with a typed error that names the field,
 * and nothing is stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { MemoryInput } from '../src/types.ts';
import { availableStores, engineConfig, errorOf, tempDir } from '../test-support/engine/e2e-engine.ts';

describe.each(availableStores())('bad input on the %s store', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;

  beforeEach(() => {
    dir = tempDir();
    memory = createMemory(engineConfig(kind, dir.path, { limits: { maxContentBytes: 64, maxBatchSize: 5 } }));
  });
  afterEach(async () => {
    await memory.close();
    dir.remove();
  });

  it('refuses control, bidi-override and unpaired-surrogate characters in ids on every write path', async () => {
    const bad = [
      'ali\u0000ce',
      'alice\u202e',
      'al\u2066ice',
      'alice\ud800',
      '\udc00alice',
      'ali\u0085ce',
      ' alice',
    ];
    for (const id of bad) {
      expect(await errorOf(memory.add({ userId: id, content: 'x' }))).toMatchObject({
        code: 'validation_error',
      });
      const turn = (chatId: string, messageId: string) =>
        memory.observeTurn({
          userId: 'alice',
          chatId,
          messages: [{ id: messageId, role: 'user', content: 'hi' }],
        });
      expect((await errorOf(turn(id, 'm1'))).message).toMatch(/chatId/);
      expect((await errorOf(turn('c1', id))).message).toMatch(/message id/);
    }
    // Letters of any script, emoji (paired surrogates) and ordinary punctuation stay fine.
    for (const id of ['ålice', 'user@example.com', '用户-7', 'bob😀']) {
      await expect(memory.add({ userId: id, content: 'x' })).resolves.toMatchObject({ userId: id });
    }
    expect((await memory.list({ userId: 'alice', limit: 10 })).items).toHaveLength(0);
  });

  it('rejects empty, oversized and mistyped content', async () => {
    const empty = await errorOf(memory.add({ userId: 'alice', content: ' \n\t ' }));
    expect(empty).toMatchObject({ code: 'validation_error' });
    expect(empty.message).toContain('content');

    const big = await errorOf(memory.add({ userId: 'alice', content: 'x'.repeat(65) }));
    expect(big.code).toBe('payload_too_large');
    expect(big.message).toContain('64 bytes');
    expect(big.message).toContain('limits.maxContentBytes');

    const typed = await errorOf(memory.add({ userId: 'alice', content: 42 } as unknown as MemoryInput));
    expect(typed.message).toContain('input.content');
    const layer = await errorOf(
      memory.add({ userId: 'alice', content: 'ok', layer: 'dreams' } as unknown as MemoryInput),
    );
    expect(layer.message).toContain('input.layer');
    const user = await errorOf(memory.add({ userId: '', content: 'ok' }));
    expect(user.message).toContain('userId');

    const batch = await errorOf(
      memory.addMany([
        { userId: 'alice', content: 'fine' },
        { userId: 'alice', content: '' },
      ]),
    );
    expect(batch.message).toContain('inputs[1].content');
    expect(
      (await errorOf(memory.addMany(Array.from({ length: 6 }, () => ({ userId: 'a', content: 'x' }))))).code,
    ).toBe('payload_too_large');
    expect((await memory.stats()).memories).toBe(0);
  });

  it('rejects invalid dates and time zones naming the field', async () => {
    const since = await errorOf(memory.search({ userId: 'alice', query: 'x', since: 'the day after never' }));
    expect(since).toMatchObject({ code: 'validation_error' });
    expect(since.message).toContain('since');
    expect(since.message).toContain('2024-05-01');
    expect((await errorOf(memory.list({ userId: 'alice', until: '2024-02-31T99:00' }))).message).toContain(
      'until',
    );
    expect(
      (await errorOf(memory.list({ userId: 'alice', since: 'yesterday', timeZone: 'Nowhere/City' }))).message,
    ).toContain('Nowhere/City');
    expect(
      (await errorOf(memory.add({ userId: 'alice', content: 'x', createdAt: 'last tuesday' }))).message,
    ).toContain('createdAt');
  });

  it('rejects unknown ids, bad versions and bad patches', async () => {
    expect((await errorOf(memory.get('alice', 'does-not-exist'))).code).toBe('not_found');
    expect((await errorOf(memory.history('alice', 'does-not-exist'))).code).toBe('not_found');
    const added = await memory.add({ userId: 'alice', content: 'hello' });
    expect((await errorOf(memory.rollback('alice', added.id, 0))).code).toBe('validation_error');
    expect((await errorOf(memory.rollback('alice', added.id, 5))).message).toContain('versions are 1');
    const patch = await errorOf(memory.update('alice', added.id, { colour: 'red' } as never));
    expect(patch.code).toBe('validation_error');
    expect((await errorOf(memory.update('alice', added.id, { content: '' }))).message).toContain(
      'patch.content',
    );
    expect(await memory.get('alice', added.id)).toMatchObject({ version: 1, content: 'hello' });
  });

  it('rejects empty search queries and out-of-range k', async () => {
    expect((await errorOf(memory.search({ userId: 'alice', query: '' }))).message).toContain('query');
    expect((await errorOf(memory.search({ userId: 'alice', query: 'x', k: 0 }))).message).toContain('k');
  });
});
