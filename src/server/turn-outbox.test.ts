import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError, ValidationError } from '../errors.ts';
import type { TurnInput } from '../types.ts';
import { silentLogger } from '../util/logger.ts';
import { createTurnOutbox } from './turn-outbox.ts';

const turn = (text: string): TurnInput => ({
  userId: 'u',
  chatId: 'c',
  messages: [{ role: 'user', content: text }],
});

describe('durable turn outbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pending = () => readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('survives a restart: entries written by one instance are delivered by the next at start', async () => {
    const first = createTurnOutbox({ dir, logger: silentLogger, deliver: async () => undefined });
    first.enqueue('k1', turn('one'), new StoreUnavailableError('down'));
    first.enqueue('k2', turn('two'), new StoreUnavailableError('down'));
    first.enqueue('k1', turn('one'), new StoreUnavailableError('down again'));
    expect(pending()).toHaveLength(2);

    const delivered: string[] = [];
    const second = createTurnOutbox({
      dir,
      logger: silentLogger,
      deliver: async (t) => {
        delivered.push(String(t.messages[0]?.content));
      },
    });
    second.start(60_000);
    await second.drain();
    expect(delivered.sort()).toEqual(['one', 'two']);
    expect(pending()).toHaveLength(0);
  });

  it('keeps retryable failures with backoff and moves rejected turns to dead/', async () => {
    let now = 1_000_000;
    let fail: Error | undefined = new StoreUnavailableError('still down');
    const outbox = createTurnOutbox({
      dir,
      logger: silentLogger,
      now: () => now,
      deliver: async () => {
        if (fail) throw fail;
      },
    });
    outbox.enqueue('a', turn('retry me'), fail);
    expect(await outbox.flush()).toEqual({ delivered: 0, pending: 1 });
    now += 2_000;
    expect(await outbox.flush()).toEqual({ delivered: 0, pending: 1 });
    fail = new ValidationError('bad turn');
    expect(await outbox.flush(true)).toEqual({ delivered: 0, pending: 0 });
    expect(readdirSync(join(dir, 'dead'))).toHaveLength(1);
    fail = undefined;
    outbox.enqueue('b', turn('fine'), new Error('x'));
    expect(await outbox.flush(true)).toEqual({ delivered: 1, pending: 0 });
    expect(existsSync(join(dir, 'dead'))).toBe(true);
  });
});
