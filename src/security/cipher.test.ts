import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cipherFromConfig, createCipher, generateKey } from './cipher.ts';

describe('cipher', () => {
  it('round-trips, binds ciphertext to its AAD and randomizes IVs', () => {
    const cipher = createCipher(generateKey());
    const a = cipher.encrypt('héllo 👋', 'id1:content');
    const b = cipher.encrypt('héllo 👋', 'id1:content');
    expect(a.equals(b)).toBe(false);
    expect(cipher.decrypt(a, cipher.keyId, 'id1:content')).toBe('héllo 👋');
    expect(() => cipher.decrypt(a, cipher.keyId, 'id2:content')).toThrow(/failed authentication/);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.decrypt(tampered, cipher.keyId, 'id1:content')).toThrow(/failed authentication/);
  });

  it('decrypts with previous keys and names unknown ones', () => {
    const oldKey = generateKey();
    const old = createCipher(oldKey);
    const blob = old.encrypt('secret', 'x');
    const rotated = createCipher(generateKey(), [oldKey]);
    expect(rotated.keyId).not.toBe(old.keyId);
    expect(rotated.decrypt(blob, old.keyId, 'x')).toBe('secret');
    const stranger = createCipher(generateKey());
    expect(() => stranger.decrypt(blob, old.keyId, 'x')).toThrow(/previousKeys/);
  });

  it('blind tokens are deterministic per key and user, and differ between users', () => {
    const key = generateKey();
    const a = createCipher(key);
    expect(a.blindToken('alice', 'berlin')).toBe(createCipher(key).blindToken('alice', 'berlin'));
    expect(a.blindToken('alice', 'berlin')).not.toBe(
      createCipher(generateKey()).blindToken('alice', 'berlin'),
    );
    expect(a.blindToken('alice', 'berlin')).not.toBe(a.blindToken('bob', 'berlin'));
    expect(a.blindToken('alice', 'berlin')).not.toBe(a.blindToken('alice', 'paris'));
    expect(a.blindToken('alice', 'berlin')).toMatch(/^b[0-9a-f]{24}$/);
    // Past the cache of per-user keys, a user's key is derived again, the same.
    const first = a.blindToken('user-0', 'berlin');
    for (let i = 1; i <= 20_000; i++) a.blindToken(`user-${i}`, 'berlin');
    expect(a.blindToken('user-0', 'berlin')).toBe(first);
  });

  it('builds from config: key, keyFile, none, and bad keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-key-'));
    try {
      const key = generateKey();
      writeFileSync(join(dir, 'key'), `${key}\n`);
      expect(cipherFromConfig({ keyFile: join(dir, 'key') })?.keyId).toBe(createCipher(key).keyId);
      expect(cipherFromConfig({})).toBeNull();
      expect(() => cipherFromConfig({ key: 'c2hvcnQ=' })).toThrow(/32-byte/);
      expect(() => cipherFromConfig({ keyFile: join(dir, 'missing') })).toThrow(/cannot be read/);
      expect(() => cipherFromConfig({ previousKeys: [key] })).toThrow(/encryption.key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
