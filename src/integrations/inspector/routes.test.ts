/**
 * The inspector's page and assets over a real socket: served without a key, under a strict
 * CSP with framing and sniffing refused; only the named assets are served (no path tricks);
 * the key-free paths are exactly these (a route of another surface under /ui still needs a
 * key); the API the page calls still refuses a request without a key and a cross-origin one;
 * server.inspector: false turns the page off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeMemory } from '../../../test-support/server/fake-memory.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';
import { CONTENT_SECURITY_POLICY, loadAssets } from './routes.ts';

describe('inspector routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(createFakeMemory());
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves the page without a key, with a strict CSP and no framing', async () => {
    for (const path of ['/ui', '/ui/']) {
      const page = await h.call('GET', path, { key: null });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('<script type="module" src="/ui/assets/app.js"></script>');
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });

  it('has no inline script in the page, and serves each asset with its type and an ETag', async () => {
    const page = (await h.call('GET', '/ui', { key: null })).text;
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    const assets = loadAssets();
    expect([...assets.keys()]).toEqual(
      expect.arrayContaining(['index.html', 'app.js', 'app.css', 'favicon.svg']),
    );
    // Every script and style the page names is an asset that is served.
    const named = [...page.matchAll(/(?:src|href)="\/ui\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    for (const name of named)
      expect((await h.call('GET', `/ui/assets/${name}`, { key: null })).status, name).toBe(200);
    const modules = [...assets.keys()].filter((name) => name.endsWith('.js') && name !== 'app.js');
    expect(named).toEqual(expect.arrayContaining(modules));
    const script = await h.call('GET', '/ui/assets/app.js', { key: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    const again = await h.call('GET', '/ui/assets/app.js', { key: null, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await h.call('GET', '/ui/assets/app.css', { key: null })).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
  });

  it('serves nothing but the named assets', async () => {
    for (const path of [
      '/ui/assets/missing.js',
      '/ui/assets/..%2Froutes.ts',
      '/ui/assets/%2E%2E%2Froutes.ts',
      '/ui/assets/routes.test.ts',
      '/ui/assets/index.html',
    ]) {
      expect((await h.call('GET', path, { key: null })).status, path).toBe(404);
    }
  });

  it('keeps every other path behind the key, under /ui too', async () => {
    expect((await h.call('GET', '/ui/filter/valves', { key: null })).status).toBe(401);
    expect((await h.call('GET', '/ui/valves', { key: null })).status).toBe(401);
    expect((await h.call('GET', '/v1/whoami', { key: null })).status).toBe(401);
    const foreign = await h.call('GET', '/v1/memories', {
      key: KEYS.alice,
      headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(foreign.status).toBe(403);
    const own = await h.call('GET', '/v1/memories', {
      key: KEYS.alice,
      headers: { origin: h.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
  });
});

describe('server.inspector: false', () => {
  it('serves no page', async () => {
    const h = await startHarness(createFakeMemory(), { server: { inspector: false } });
    try {
      expect((await h.call('GET', '/ui', { key: null })).status).toBe(404);
      expect((await h.call('GET', '/ui/assets/app.js', { key: null })).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
