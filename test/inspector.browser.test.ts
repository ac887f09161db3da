/**
 * The memory inspector in a real browser: Debian's Chromium driven by playwright-core (never
 * a downloaded browser) against `strata serve` as a child process with three keys and real
 * data (turns observed through every layer). Alice signs in with her key, searches with the
 * query syntax, sees what recall would inject, edits a memory and sees the preview change,
 * rolls it back, deletes it, and exports; Bob's key then sees none of Alice's content even
 * when pointed at her memory's id; an admin picks a user and deletes them after typing the
 * id. Every view passes axe-core with no serious or critical violation, the page's CSP
 * reports no violation, the key never appears in a URL or localStorage and rides every API
 * call as a Bearer header. Screenshots of each view go to .tmp/inspector-screens/ (the set in
 * docs/img/inspector/ was copied from there). Skipped, with the reason, where there is no
 * Chromium (.ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../test-support/server/child-server.ts';
import { API_KEYS, KEYS } from '../test-support/server/harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const SCREENS = join(ROOT, '.tmp/inspector-screens');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TEA = 'Alice’s favourite tea is jasmine tea.';
const ALICE_WORDS = ['Lisbon', 'Sintra', 'jasmine', 'Rui', 'driving exam'];

const TURNS: Record<'alice' | 'bob' | 'carol', Array<[string, string, string]>> = {
  alice: [
    [
      '2024-03-01T09:00:00Z',
      'I just moved to Lisbon for a new job and I am so excited!',
      'Congratulations on the move to Lisbon!',
    ],
    [
      '2024-03-04T18:30:00Z',
      'My sister Ana visits next Friday, we will go hiking in Sintra.',
      'Sintra is lovely for hiking.',
    ],
    [
      '2024-03-10T08:15:00Z',
      'I am terrified about my driving exam on April 2.',
      'You will do fine, keep practising.',
    ],
    [
      '2024-04-05T21:00:00Z',
      'I felt sad and lonely after Ana left.',
      'That sounds hard; missing family is normal.',
    ],
    [
      '2024-04-10T12:00:00Z',
      'Work is stressful, my manager Rui keeps changing deadlines.',
      'Changing deadlines are frustrating.',
    ],
    [
      '2024-04-20T10:00:00Z',
      'I passed my driving exam, I am so happy and proud!',
      'Well done, that is great news!',
    ],
  ],
  bob: [
    [
      '2024-03-02T10:00:00Z',
      'My vault code is 4471 and I live in Porto.',
      'Noted, I will keep that in mind.',
    ],
    ['2024-03-05T10:00:00Z', 'I am furious that my bike was stolen in Porto.', 'That is awful, I am sorry.'],
  ],
  carol: [['2024-05-01T10:00:00Z', 'Carol here: I collect vintage typewriters.', 'What a lovely hobby!']],
};

async function api(url: string, key: string, method: string, path: string, json?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  if (!response.ok)
    throw Object.assign(new Error(`${method} ${path}: ${response.status} ${text}`), {
      status: response.status,
    });
  return JSON.parse(text);
}

/** No serious or critical axe-core violation on the page as it is now. */
async function expectAccessible(page: Page, view: string): Promise<void> {
  await page.evaluate(AXE); // DevTools evaluation: the page's CSP does not apply to it
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: Array<{
      id: string;
      impact: string | null;
      help: string;
      nodes: Array<{ target: string[] }>;
    }>;
  };
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `axe on the ${view} view`).toEqual([]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

const text = async (page: Page) => (await page.locator('body').textContent()) ?? '';

describe.skipIf(!existsSync(CHROMIUM))(
  `inspector in Chromium (${existsSync(CHROMIUM) ? CHROMIUM : `skipped: no Chromium at ${CHROMIUM}; .ci/run installs Debian's chromium`})`,
  { timeout: 180_000 },
  () => {
    let dataDir: string;
    let server: ChildServer;
    let browser: Browser;
    let url: string;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      mkdirSync(SCREENS, { recursive: true });
      dataDir = mkdtempSync(join(tmpdir(), 'strata-inspector-'));
      const config = join(dataDir, 'strata.config.json');
      writeFileSync(config, JSON.stringify({ server: { apiKeys: API_KEYS }, log: { level: 'warn' } }));
      server = await startChildServer(['--config', config, '--data-dir', join(dataDir, 'data')]);
      url = server.url;
      for (const [user, turns] of Object.entries(TURNS)) {
        for (const [i, [timestamp, said, reply]] of turns.entries()) {
          await api(url, KEYS.admin, 'POST', '/v1/turns', {
            userId: user,
            chatId: `${user}-chat-${i < 3 ? 1 : 2}`,
            timestamp,
            messages: [
              { role: 'user', content: said },
              { role: 'assistant', content: reply },
            ],
          });
        }
      }
      await api(url, KEYS.alice, 'POST', '/v1/memories', {
        layer: 'semantic',
        content: TEA,
        importance: 0.8,
        createdAt: '2024-03-20T07:00:00Z',
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => {});
      await browser?.close();
      if (server?.child.exitCode === null) await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** A fresh tab (own sessionStorage) that records every request and CSP violation. */
    async function open(key: string) {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      contexts.push(context);
      const requests: Array<{ url: string; authorization: string | undefined }> = [];
      context.on('request', (request) =>
        requests.push({ url: request.url(), authorization: request.headers().authorization }),
      );
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.addInitScript(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
      );
      await page.goto(`${url}/ui`);
      // The page first asks who it is without a key (an open server needs none) and, refused,
      // focuses the key field: from then on every API call must carry the key.
      await page.waitForFunction("document.activeElement?.id === 'login-key'");
      requests.length = 0;
      await page.locator('#login-key').fill(key);
      await page.getByRole('button', { name: 'Open' }).click();
      await page.locator('#nav').waitFor();
      const checkClean = async () => {
        expect(errors).toEqual([]);
        expect(await page.evaluate('window.__csp')).toEqual([]);
        expect(await page.evaluate('localStorage.length')).toBe(0);
        for (const request of requests) {
          for (const each of Object.values(KEYS)) expect(request.url).not.toContain(each);
          if (new URL(request.url).pathname.startsWith('/v1/'))
            expect(request.authorization).toBe(`Bearer ${key}`);
        }
        expect(requests.some((r) => r.url.includes('/v1/'))).toBe(true);
      };
      return { page, checkClean };
    }

    async function preview(page: Page, message: string): Promise<string> {
      await page.goto(`${url}/ui#/recall`);
      await page.locator('#recall-message').fill(message);
      await page.getByRole('button', { name: 'Show what recall would inject' }).click();
      await page.locator('#recall-out h2').first().waitFor();
      return (await page.locator('#recall-out').textContent()) ?? '';
    }

    it('signs in only with a valid key, and the sign-in form passes axe', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${url}/ui`);
      await page.locator('#login-key').waitFor();
      await expectAccessible(page, 'sign-in');
      await screenshot(page, 'sign-in');
      await page.locator('#login-key').fill('not-a-key-of-this-server');
      await page.getByRole('button', { name: 'Open' }).click();
      await expect
        .poll(() => page.locator('#login-error').textContent())
        .toMatch(/refused.*matches no entry/);
      expect(await page.locator('#nav').isHidden()).toBe(true);
    });

    it('alice searches, previews recall, edits, rolls back and deletes a memory, and exports', async () => {
      const { page, checkClean } = await open(KEYS.alice);
      await page.locator('table').waitFor();
      await expect.poll(() => text(page)).toMatch(/Memories 1–25 of \d+, oldest first/);
      expect(await page.locator('#user-picker').count()).toBe(0);
      await expectAccessible(page, 'memories');
      await screenshot(page, 'memories');

      // Search with the query syntax: a boolean query over the keyword index.
      await page.locator('#f-q').fill('tea AND NOT coffee');
      await page.locator('#f-mode').selectOption('keyword');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByText('Best matches').waitFor();
      expect(await page.locator('tbody tr').count()).toBe(1);
      expect(await page.locator('tbody').textContent()).toContain(TEA);
      await page.locator('#f-q').fill('Sintra OR Lisbon');
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.locator('tbody').textContent()).toContain('Sintra');
      expect(await page.locator('tbody').textContent()).not.toContain('jasmine');
      await screenshot(page, 'search');

      // What the model would get, before any change.
      const before = await preview(page, 'What tea do I like?');
      expect(before).toContain('<memory_context>');
      expect(before).toMatch(/semantic \d{4}-\d\d-\d\d [0-9a-f]{8}\] Alice’s favourite tea is jasmine tea/);
      expect(before).toMatch(/Why each of the \d+ lines is there/);
      expect(before).toMatch(/rank 1 · score \d\.\d{3}/);
      await expectAccessible(page, 'recall preview');
      await screenshot(page, 'recall');

      // The memory page with its association graph (an observed message links to its turn's hub).
      await page.goto(
        `${url}/ui#/memories?q=${encodeURIComponent('"moved to Lisbon"')}&layer=episodic&mode=keyword`,
      );
      await page.locator('tbody a').first().click();
      await page.locator('figure svg[role="group"]').waitFor();
      expect(await page.locator('figure svg a').count()).toBeGreaterThan(0);
      await expectAccessible(page, 'memory (with graph)');
      await screenshot(page, 'memory');

      // Edit → a new version, and the preview follows.
      await page.goto(`${url}/ui#/memories?q=jasmine&mode=keyword`);
      await page.locator('tbody a').first().click();
      await page.locator('#edit-content').waitFor();
      const memoryUrl = page.url();
      const id = decodeURIComponent(memoryUrl.split('#/memory/')[1]!);
      await page.locator('#edit-content').fill('Alice’s favourite tea is rooibos tea.');
      await page.getByRole('button', { name: 'Save as a new version' }).click();
      await expect
        .poll(() => page.locator('.content').textContent())
        .toBe('Alice’s favourite tea is rooibos tea.');
      expect(await page.locator('table', { hasText: 'Version history' }).textContent()).toMatch(
        /v2\s*update/,
      );
      await expectAccessible(page, 'memory (edited)');
      const edited = await preview(page, 'What tea do I like?');
      expect(edited).toContain('favourite tea is rooibos tea');
      expect(edited).not.toContain('jasmine');

      // Roll back to version 1 → version 3 with the old words, and the preview follows again.
      await page.goto(memoryUrl);
      await page.getByRole('button', { name: 'Roll back to v1' }).click();
      await expect.poll(() => page.locator('.content').textContent()).toBe(TEA);
      expect(await page.locator('table', { hasText: 'Version history' }).textContent()).toMatch(
        /v3\s*rollback/,
      );
      expect(await preview(page, 'What tea do I like?')).toContain('favourite tea is jasmine tea');

      // Delete, after the confirmation; cancelling first keeps it.
      await page.goto(memoryUrl);
      await page.getByRole('button', { name: 'Delete this memory…' }).click();
      await expectAccessible(page, 'delete confirmation');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      expect((await api(url, KEYS.alice, 'GET', `/v1/memories/${id}`)) as { id: string }).toMatchObject({
        id,
      });
      await page.getByRole('button', { name: 'Delete this memory…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete memory' }).click();
      await page.getByText('The memory was deleted').waitFor();
      await expect(api(url, KEYS.alice, 'GET', `/v1/memories/${id}`)).rejects.toMatchObject({ status: 404 });
      const after = await preview(page, 'What tea do I like?');
      expect(after).not.toContain('jasmine');
      expect(after).not.toContain('rooibos');

      // Pictures: layers, timeline with events, emotions.
      await page.goto(`${url}/ui#/pictures`);
      await page.locator('svg[aria-label^="Timeline"]').waitFor();
      expect(
        await page.locator('svg[aria-label^="Memories by layer: episodic"] rect').count(),
      ).toBeGreaterThan(3);
      expect(await page.locator('svg[aria-label^="Timeline"] polygon.event').count()).toBeGreaterThan(0);
      expect(await page.locator('svg[aria-label^="Valence of"] circle').count()).toBeGreaterThan(2);
      expect(await page.locator('svg[aria-label^="Emotions by valence"] circle').count()).toBeGreaterThan(2);
      await expectAccessible(page, 'pictures');
      await screenshot(page, 'pictures');

      // Export: an NDJSON download of Alice's memories only.
      await page.goto(`${url}/ui#/account`);
      await page.locator('#export').waitFor();
      await expectAccessible(page, 'export and delete');
      await screenshot(page, 'account');
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
      const exported = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\n');
      expect(exported.length).toBeGreaterThan(10);
      expect(
        exported.every(
          (line) => (JSON.parse(line) as { userId?: string; memory?: { userId?: string } }).userId ?? 'alice',
        ),
      ).toBeTruthy();
      expect(exported.join('\n')).toContain('Lisbon');
      expect(exported.join('\n')).not.toContain('4471');
      await page.getByText(/Exported \d+ lines/).waitFor();
      await checkClean();
    });

    it("bob's key shows none of alice's memories, whatever the page is asked", async () => {
      const aliceEpisodic = (await api(url, KEYS.alice, 'GET', '/v1/memories?layer=episodic&limit=1')) as {
        items: Array<{ id: string }>;
      };
      const aliceId = aliceEpisodic.items[0]!.id;
      const { page, checkClean } = await open(KEYS.bob);
      await page.locator('table').waitFor();
      expect(await text(page)).toContain('4471');
      expect(await page.locator('#user-picker').count()).toBe(0);
      // A user id planted in the tab's storage changes nothing for a bound key.
      await page.evaluate("sessionStorage.setItem('strata.inspector.user', 'alice')");
      await page.reload();
      await page.locator('table').waitFor();
      const views = [
        '#/memories',
        '#/memories?q=Sintra&mode=keyword',
        '#/pictures',
        '#/account',
        `#/memory/${aliceId}`,
      ];
      for (const view of views) {
        await page.goto(`${url}/ui${view}`);
        await page.locator('.view h1, .view [role="alert"]').first().waitFor();
        await page.waitForLoadState('networkidle');
        const shown = await text(page);
        // The search view repeats its own query word; nothing else of Alice's may show.
        for (const word of ALICE_WORDS.filter((w) => !view.includes(w)))
          expect(shown, `${view} shows "${word}"`).not.toContain(word);
      }
      await page.goto(`${url}/ui#/memories?q=Sintra&mode=keyword`);
      await page.getByText('Nothing matches “Sintra”').waitFor();
      await page.goto(`${url}/ui#/memory/${aliceId}`);
      await expect
        .poll(() => page.locator('.view [role="alert"]').textContent())
        .toMatch(/not found|No memory/i);
      const recalled = await preview(page, 'Where do I live and what about Lisbon and Sintra?');
      for (const word of ALICE_WORDS) expect(recalled).not.toContain(word);
      expect(recalled).toContain('Porto');
      await checkClean();
    });

    it('an admin key picks a user and deletes them only after typing their id', async () => {
      const { page, checkClean } = await open(KEYS.admin);
      await page.locator('#user-picker').fill('carol');
      await page.locator('#user-picker').dispatchEvent('change');
      await page.goto(`${url}/ui#/memories`);
      await expect.poll(() => page.locator('tbody').textContent()).toContain('typewriters');
      await page.goto(`${url}/ui#/account`);
      const erase = page.getByRole('button', { name: 'Delete carol and all their memories' });
      await page.locator('#delete-confirm').fill('caro');
      expect(await erase.isDisabled()).toBe(true);
      await page.locator('#delete-confirm').fill('carol');
      expect(await erase.isDisabled()).toBe(false);
      await erase.click();
      await page.getByText(/Deleted carol: \d+ memories/).waitFor();
      const stats = (await api(url, KEYS.admin, 'GET', '/v1/stats?userId=carol')) as { memories: number };
      expect(stats.memories).toBe(0);
      const users = (await api(url, KEYS.admin, 'GET', '/v1/users')) as { users: string[] };
      expect(users.users).toEqual(['alice', 'bob']);
      await checkClean();
    });
  },
);
