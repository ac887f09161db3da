import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memory, vec } from '../../test-support/stores/store-fixtures.ts';
import { ConfigSchema } from '../config/schema.ts';
import { generateKey } from '../security/cipher.ts';
import { createStore } from './create-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-create-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createStore', () => {
  it('builds a memory store', () => {
    expect(createStore(ConfigSchema.parse({ store: { kind: 'memory' } })).kind).toBe('memory');
  });

  it('builds sqlite at <dataDir>/strata.db by default, creating the directory', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = createStore(ConfigSchema.parse({ dataDir }));
    expect(store.kind).toBe('sqlite');
    expect(store.location).toBe(join(dataDir, 'strata.db'));
    await store.open({ model: MODEL });
    await store.close();
    expect(existsSync(join(dataDir, 'strata.db'))).toBe(true);
  });

  it('wires the cipher from config.encryption (no plaintext on disk)', async () => {
    const path = join(dir, 'enc.db');
    const config = ConfigSchema.parse({
      store: { kind: 'sqlite', path },
      encryption: { key: generateKey() },
    });
    const store = createStore(config);
    expect(store.capabilities?.fuzzy).toBe(false);
    await store.open({ model: MODEL });
    await store.insert([{ memory: memory({ content: 'Quuxplorative secret' }), vector: vec(1) }]);
    await store.close();
    expect(readFileSync(path).includes(Buffer.from('Quuxplorative'))).toBe(false);
  });

  it('rejects an unusable key with a ConfigError naming the fix', () => {
    const config = ConfigSchema.parse({ store: { kind: 'memory' }, encryption: { key: 'short' } });
    expect(() =>
      createStore({ ...config, store: { kind: 'sqlite', vectorPrecision: 'float32', busyTimeoutMs: 1 } }),
    ).toThrow(/32-byte key/);
  });
});
