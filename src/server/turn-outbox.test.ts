import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuotaExceededError, StoreUnavailableError, ValidationError } from '../errors.ts';
import { createCipher, generateKey } from '../security/cipher.ts';
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

  it('keep(): retryable failures are queued, refusals (quota) go straight to dead/', () => {
    const outbox = createTurnOutbox({ dir, logger: silentLogger, deliver: async () => undefined });
    expect(outbox.keep('a', turn('later'), new StoreUnavailableError('down'))).toBe('queued');
    expect(outbox.keep('b', turn('over'), new QuotaExceededError('Quota exceeded'))).toBe('dead');
    expect([outbox.depth(), outbox.deadDepth()]).toEqual([1, 1]);
  });

  it('seals entries under the cipher, still reads plaintext ones, and dead-letters what no key opens', async () => {
    const key = generateKey();
    const delivered: string[] = [];
    const sealed = createTurnOutbox({
      dir,
      logger: silentLogger,
      cipher: createCipher(key),
      deliver: async (t) => {
        delivered.push(String(t.messages[0]?.content));
      },
    });
    sealed.enqueue('s', turn('Sealedsecretword'), new StoreUnavailableError('down'));
    sealed.deadLetter('d', turn('Deadsecretword'), new QuotaExceededError('Quota exceeded'));
    const raw = [
      ...pending().map((f) => join(dir, f)),
      ...readdirSync(join(dir, 'dead')).map((f) => join(dir, 'dead', f)),
    ]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    expect(raw).not.toMatch(/secretword/i);
    expect(raw).toMatch(/"sealed":1/);
    // A plaintext entry from before encryption was on is still delivered; a sealed entry
    // copied under another name fails authentication (bound to its name) and moves to dead/.
    writeFileSync(
      join(dir, 'legacy.json'),
      JSON.stringify({ turn: turn('plain'), attempts: 1, nextAttemptAt: 0 }),
    );
    writeFileSync(
      join(dir, 'moved.json'),
      readFileSync(join(dir, pending().find((f) => f !== 'legacy.json')!)),
    );
    expect(await sealed.flush(true)).toEqual({ delivered: 2, pending: 0 });
    expect(delivered.sort()).toEqual(['Sealedsecretword', 'plain']);
    expect(sealed.deadDepth()).toBe(2);
    // Without the key a sealed entry cannot be read: it moves to dead/, it is not lost.
    sealed.enqueue('k', turn('Keylesssecretword'), new StoreUnavailableError('down'));
    const keyless = createTurnOutbox({ dir, logger: silentLogger, deliver: async () => undefined });
    expect(await keyless.flush(true)).toEqual({ delivered: 0, pending: 0 });
    expect(keyless.deadDepth()).toBe(3);
  });
});
