import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigError, MemoryError } from '../errors.ts';
import { envToConfig, loadConfig, parseApiKeys } from './load.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(MemoryError.isInstance(error)).toBe(true);
    expect((error as MemoryError).code).toBe('config_error');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns defaults with no file and no env', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.store.kind).toBe('sqlite');
    expect(config.server.port).toBe(8765);
    expect(config.dataDir).toBe('.strata');
  });

  it('reads ./strata.config.json when present and lets env override it', () => {
    writeFileSync(
      join(dir, 'strata.config.json'),
      JSON.stringify({ server: { port: 7000, host: '0.0.0.0' } }),
    );
    const config = loadConfig({ env: { STRATA_PORT: '9000' }, cwd: dir });
    expect(config.server.port).toBe(9000);
    expect(config.server.host).toBe('0.0.0.0');
  });

  it('reads the file named by STRATA_CONFIG and an explicit file over it', () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ dataDir: '/a' }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ dataDir: '/b' }));
    expect(loadConfig({ env: { STRATA_CONFIG: 'a.json' }, cwd: dir }).dataDir).toBe('/a');
    expect(loadConfig({ file: 'b.json', env: { STRATA_CONFIG: 'a.json' }, cwd: dir }).dataDir).toBe('/b');
  });

  it('maps generic STRATA_A__B variables with JSON-parsed values', () => {
    const config = loadConfig({
      env: {
        STRATA_SERVER__PORT: '9001',
        STRATA_SCORING__WEIGHTS__RECENCY: '0.4',
        STRATA_EMBEDDER__BATCH_SIZE: '16',
        STRATA_LAYERS__ENABLED: '["episodic","semantic"]',
        STRATA_UNRELATED_THING: 'x',
      },
      cwd: dir,
    });
    expect(config.server.port).toBe(9001);
    expect(config.scoring.weights.recency).toBe(0.4);
    expect(config.embedder.batchSize).toBe(16);
    expect(config.layers.enabled).toEqual(['episodic', 'semantic']);
  });

  it('maps the friendly aliases', () => {
    const config = loadConfig({
      env: {
        STRATA_DATA_DIR: '/data',
        STRATA_HOST: '0.0.0.0',
        STRATA_STORE: 'memory',
        STRATA_EMBEDDER: 'hash',
        STRATA_EMBEDDER_MODEL_PATH: '/models/x',
        STRATA_ENCRYPTION_KEY: 'abc',
        STRATA_LOG_LEVEL: 'debug',
        STRATA_UPSTREAM_URL: 'http://localhost:11434/v1',
        STRATA_UPSTREAM_API_KEY: '1234',
        STRATA_API_KEYS: 'secret-key-1:alice,secret-key-2:admin',
      },
      cwd: dir,
    });
    expect(config.dataDir).toBe('/data');
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.store.kind).toBe('memory');
    expect(config.embedder.kind).toBe('hash');
    expect(config.embedder.modelPath).toBe('/models/x');
    expect(config.encryption.key).toBe('abc');
    expect(config.log.level).toBe('debug');
    expect(config.server.upstream).toEqual({ baseUrl: 'http://localhost:11434/v1', apiKey: '1234' });
    expect(config.server.apiKeys).toEqual([
      { key: 'secret-key-1', userId: 'alice' },
      { key: 'secret-key-2', admin: true },
    ]);
  });

  it('selects the qdrant store from STRATA_QDRANT_URL', () => {
    const config = loadConfig({ env: { STRATA_QDRANT_URL: 'http://localhost:6333' }, cwd: dir });
    expect(config.store).toMatchObject({ kind: 'qdrant', url: 'http://localhost:6333' });
  });

  it('selects the postgres store from STRATA_POSTGRES_URL', () => {
    const url = 'postgres://strata:pw@localhost:5432/strata';
    const config = loadConfig({ env: { STRATA_POSTGRES_URL: url }, cwd: dir });
    expect(config.store).toMatchObject({ kind: 'postgres', url, poolSize: 10 });
  });

  it('accepts STRATA_API_KEYS as JSON', () => {
    expect(parseApiKeys('[{"key":"k1234567","admin":true}]')).toEqual([{ key: 'k1234567', admin: true }]);
  });

  it('lets overrides win over env and file', () => {
    const config = loadConfig({ env: { STRATA_DATA_DIR: '/env' }, overrides: { dataDir: '/cli' }, cwd: dir });
    expect(config.dataDir).toBe('/cli');
  });

  it('names the field, the value, the env var and the fix on a bad env value', () => {
    const error = catchConfigError(() => loadConfig({ env: { STRATA_PORT: '99999' }, cwd: dir }));
    expect(error.message).toContain('server.port');
    expect(error.message).toContain('99999');
    expect(error.message).toContain('STRATA_PORT');
    expect(error.message).toMatch(/Fix:/);
  });

  it('names the file that set a bad value and lists every bad field', () => {
    writeFileSync(
      join(dir, 'strata.config.json'),
      JSON.stringify({ store: { kind: 'mongo' }, recall: { k: 0 } }),
    );
    const error = catchConfigError(() => loadConfig({ env: {}, cwd: dir }));
    expect(error.message).toContain('store.kind');
    expect(error.message).toContain('"mongo"');
    expect(error.message).toContain('recall.k');
    expect(error.message).toContain(join(dir, 'strata.config.json'));
  });

  it('redacts secrets in error messages', () => {
    const error = catchConfigError(() => loadConfig({ env: { STRATA_API_KEYS: 'short:alice' }, cwd: dir }));
    expect(error.message).toContain('server.apiKeys.0.key');
    expect(error.message).not.toContain('"short"');
  });

  it('fails clearly on a missing explicit file and on invalid JSON', () => {
    expect(catchConfigError(() => loadConfig({ file: 'nope.json', env: {}, cwd: dir })).message).toContain(
      'nope.json',
    );
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(catchConfigError(() => loadConfig({ file: 'bad.json', env: {}, cwd: dir })).message).toMatch(
      /not valid JSON/,
    );
  });

  it('envToConfig ignores empty values', () => {
    expect(envToConfig({ STRATA_PORT: '' })).toEqual({});
  });
});

describe('missing required fields', () => {
  it('says which field is missing and how to set it', () => {
    let message = '';
    try {
      loadConfig({ env: { STRATA_STORE: 'qdrant' }, cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('store.url is required here but missing');
    expect(message).toContain('STRATA_QDRANT_URL');
  });
});

describe('defaults option', () => {
  it('sits below the file and the environment', () => {
    const defaults = { log: { level: 'warn' }, dataDir: '/low' };
    expect(loadConfig({ env: {}, cwd: dir, defaults }).log.level).toBe('warn');
    const fromEnv = loadConfig({ env: { STRATA_LOG_LEVEL: 'debug' }, cwd: dir, defaults });
    expect(fromEnv.log.level).toBe('debug');
    expect(fromEnv.dataDir).toBe('/low');
  });
});
