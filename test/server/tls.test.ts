/**
 * server.tls: the server speaks HTTPS from a PEM certificate and key in config (a
 * self-signed pair made with openssl for the test), answers a client that trusts that
 * certificate over a real socket, reports an https URL, and names the unreadable file in a
 * ConfigError. Config validation of key-bound user ids: a key bound to "alice " (or a
 * control character) is refused at start, not on every request.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { createFakeMemory } from '../../test-support/server/fake-memory.ts';
import { type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function get(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${KEYS.admin}` } }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!hasOpenssl)('HTTPS from server.tls (openssl-made certificate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  let h: Harness;
  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', input: '' },
    );
    expect(existsSync(certFile)).toBe(true);
    h = await startHarness(createFakeMemory(), { server: { tls: { certFile, keyFile } } });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over TLS for a client that trusts the certificate, and says https', async () => {
    expect(h.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const reply = await get(`${h.url}/healthz`, readFileSync(certFile));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ status: 'ok' });
    // A client that does not trust it is refused by TLS itself.
    await expect(get(`${h.url}/healthz`, Buffer.from(''))).rejects.toThrow(/certificate|self.signed/i);
  });

  it('an unreadable certificate is a ConfigError naming the file', async () => {
    const missing = join(dir, 'nope.pem');
    const error = await startHarness(createFakeMemory(), {
      server: { tls: { certFile: missing, keyFile } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('server.tls.certFile');
    expect((error as Error).message).toContain(missing);
  });
});

describe('key-bound user ids are validated with the config', () => {
  it.each(['alice ', ' alice', 'ali\u0000ce', 'ali\u202ece'])(
    'refuses a key bound to %j at start',
    (userId) => {
      const error = (() => {
        try {
          validateConfig({ server: { apiKeys: [{ key: 'a-long-enough-key', userId }] } });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('server.apiKeys.0');
    },
  );

  it('accepts a clean bound id', () => {
    const config = validateConfig({ server: { apiKeys: [{ key: 'a-long-enough-key', userId: 'alice' }] } });
    expect(config.server.apiKeys[0]).toMatchObject({ userId: 'alice' });
  });
});
