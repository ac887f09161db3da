/**
 * Encryption at rest on the SQLite store: no plaintext (content, metadata, snapshots or
 * keyword tokens) in any file byte, keys required to open, rotation with previousKeys, and
 * encrypting a store that started in plaintext.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { SqliteStore } from './sqlite-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-enc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fileBytes(): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
}

const SECRET = 'Xylophonist Quagmirevault';
const META = 'MetaSecretValue42';

async function writeSecrets(store: SqliteStore) {
  const m = memory({ content: `${SECRET} lives at Flumdiddle street`, metadata: { note: META } });
  await store.insert([{ memory: m, vector: vec(1) }]);
  await store.update([
    { memory: { ...m, content: `${SECRET} moved to Wobblecastle`, version: 2 }, op: 'update' },
  ]);
  return m;
}

function expectNoPlaintext(bytes: Buffer) {
  for (const needle of [
    'Xylophonist',
    'xylophonist',
    'quagmirevault',
    'Flumdiddle',
    'flumdiddl',
    'Wobblecastl',
    META,
  ]) {
    expect(bytes.includes(Buffer.from(needle, 'utf8')), `found "${needle}" in the database files`).toBe(
      false,
    );
  }
}

describe('sqlite encryption at rest', () => {
  it('never writes plaintext content, metadata or tokens to the database files', async () => {
    const path = join(dir, 'enc.db');
    const store = new SqliteStore({ path, cipher: createCipher(generateKey()) });
    await store.open({ model: MODEL });
    const m = await writeSecrets(store);
    expectNoPlaintext(fileBytes()); // WAL + main file while open
    expect(
      (await store.keywordSearch({ userId: m.userId }, parseKeywordQuery('wobblecastle'), 5))[0]?.id,
    ).toBe(m.id);
    expect(
      (await store.keywordSearch({ userId: m.userId }, parseKeywordQuery('"moved to wobblecastle"'), 5))
        .length,
    ).toBe(1);
    expect(await store.keywordSearch({ userId: m.userId }, parseKeywordQuery('flumdiddle'), 5)).toEqual([]);
    expect((await store.history(m.userId, m.id))[0]?.memory.content).toContain('Flumdiddle');
    await store.close();
    expectNoPlaintext(fileBytes()); // after checkpoint on close
  });

  it('the same data in plaintext mode is visible (the check above can fail)', async () => {
    const store = new SqliteStore({ path: join(dir, 'plain.db') });
    await store.open({ model: MODEL });
    await writeSecrets(store);
    await store.close();
    expect(fileBytes().includes(Buffer.from('Xylophonist'))).toBe(true);
  });

  it('refuses to open encrypted data without the key or with an unknown key', async () => {
    const path = join(dir, 'enc.db');
    const store = new SqliteStore({ path, cipher: createCipher(generateKey()) });
    await store.open({ model: MODEL });
    await writeSecrets(store);
    await store.close();
    await expect(new SqliteStore({ path }).open({ model: MODEL })).rejects.toThrow(/encryption.key/);
    await expect(
      new SqliteStore({ path, cipher: createCipher(generateKey()) }).open({ model: MODEL }),
    ).rejects.toThrow(/previousKeys/);
  });

  it('rotates keys: previousKeys read old rows, rotateKeys() re-encrypts everything', async () => {
    const path = join(dir, 'rot.db');
    const oldKey = generateKey();
    const newKey = generateKey();
    const first = new SqliteStore({ path, cipher: createCipher(oldKey) });
    await first.open({ model: MODEL });
    const m = await writeSecrets(first);
    await first.close();

    const during = new SqliteStore({ path, cipher: createCipher(newKey, [oldKey]) });
    await during.open({ model: MODEL });
    expect((await during.get(m.userId, m.id))?.content).toContain('Wobblecastle');
    expect(
      (await during.keywordSearch({ userId: m.userId }, parseKeywordQuery('wobblecastle'), 5)).length,
    ).toBe(1);
    expect(await during.rotateKeys()).toBe(1);
    expect(await during.rotateKeys()).toBe(0);
    await during.close();

    const after = new SqliteStore({ path, cipher: createCipher(newKey) });
    await after.open({ model: MODEL });
    expect((await after.history(m.userId, m.id)).map((v) => v.memory.content)).toHaveLength(2);
    expect(
      (await after.keywordSearch({ userId: m.userId }, parseKeywordQuery('wobblecastle'), 5)).length,
    ).toBe(1);
    await after.close();
    expectNoPlaintext(fileBytes());
  });

  it('encrypts a store that started in plaintext', async () => {
    const path = join(dir, 'upgrade.db');
    const plain = new SqliteStore({ path });
    await plain.open({ model: MODEL });
    const m = await writeSecrets(plain);
    await plain.close();
    const key = generateKey();
    const enc = new SqliteStore({ path, cipher: createCipher(key) });
    await enc.open({ model: MODEL });
    expect((await enc.get(m.userId, m.id))?.metadata).toEqual({ note: META });
    expect(await enc.rotateKeys()).toBe(1);
    await enc.close();
    const again = new SqliteStore({ path, cipher: createCipher(key) });
    await again.open({ model: MODEL });
    expect((await again.get(m.userId, m.id))?.content).toContain('Wobblecastle');
    await again.close();
    expectNoPlaintext(fileBytes()); // secure_delete zeroed the old plaintext pages
  });

  // A distinctive vector: its float32 bytes cannot occur in a file by chance.
  const SECRET_VECTOR = Float32Array.from([
    0.1234567, -0.7654321, 0.3141977, 0.2718845, -0.1414902, 0.5772833, 0.6931002, -0.1618777,
  ]);
  const vectorBytes = Buffer.from(SECRET_VECTOR.buffer);
  // Half the vector is enough to identify it: no run of its 4 middle floats in any file byte.
  const vectorNeedle = vectorBytes.subarray(8, 24);
  const storeVector = async (store: SqliteStore) => {
    const m = memory({ content: 'vector holder' });
    await store.insert([{ memory: m, vector: SECRET_VECTOR }]);
    return m;
  };

  it('seals vectors: no float of a stored vector in any file byte, search decrypts them into the index at open', async () => {
    const path = join(dir, 'vec.db');
    const key = generateKey();
    const store = new SqliteStore({ path, cipher: createCipher(key) });
    await store.open({ model: MODEL });
    const m = await storeVector(store);
    await store.insert([{ memory: memory({ content: 'other' }), vector: vec(0, 0, 0, 0, 0, 0, 0, 1) }]);
    expect(fileBytes().includes(vectorNeedle)).toBe(false); // WAL + main file while open
    await store.close();
    expect(fileBytes().includes(vectorNeedle)).toBe(false);
    const again = new SqliteStore({ path, cipher: createCipher(key) });
    await again.open({ model: MODEL });
    expect(Array.from((await again.getVectors(m.userId, [m.id])).get(m.id)!)).toEqual(
      Array.from(SECRET_VECTOR),
    );
    const hits = await again.vectorSearch({ userId: m.userId }, SECRET_VECTOR, 1);
    expect(hits[0]?.id).toBe(m.id);
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    await again.close();
    await expect(new SqliteStore({ path }).open({ model: MODEL })).rejects.toThrow(/encryption.key/);
  });

  it('the same vector in plaintext mode is visible, and rotateKeys() seals it', async () => {
    const path = join(dir, 'vec-plain.db');
    const plain = new SqliteStore({ path });
    await plain.open({ model: MODEL });
    const m = await storeVector(plain);
    await plain.close();
    expect(fileBytes().includes(vectorNeedle)).toBe(true);
    const key = generateKey();
    const enc = new SqliteStore({ path, cipher: createCipher(key) });
    await enc.open({ model: MODEL });
    expect((await enc.vectorSearch({ userId: m.userId }, SECRET_VECTOR, 1))[0]?.id).toBe(m.id);
    await enc.rotateKeys();
    await enc.close();
    expect(fileBytes().includes(vectorNeedle)).toBe(false);
    const again = new SqliteStore({ path, cipher: createCipher(key) });
    await again.open({ model: MODEL });
    expect(Array.from((await again.getVectors(m.userId, [m.id])).get(m.id)!)).toEqual(
      Array.from(SECRET_VECTOR),
    );
    await again.close();
  });
});
