/**
 * The examples that need the repo's development dependencies or a live server, run as child
 * processes the way their comment says, against temp data dirs, with their output checked:
 * open-webui.mjs (Open WebUI's filter sequence over HTTP), ai-sdk.mjs (the AI SDK middleware,
 * `ai` being a dev dependency here and the user's own dependency in an app) and
 * mcp-http.mjs (MCP over streamable HTTP with a key header, once with mcp/cursor.json filled
 * in). The other examples run in test/package.test.ts, in a project where the packed tarball
 * is installed. Here examples import the package by its name (`strata-memory`,
 * `strata-memory/ai-sdk`) through the package's self-reference (package.json `exports`,
 * resolved from inside this repo to the compiled dist/), so beforeAll runs the build when
 * dist/ is older than the sources. Servers are `strata serve` children on free ports; the
 * LLM is a fake OpenAI-compatible upstream in this process that answers with the memory
 * lines it was given, so the output shows what the model received.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../test-support/process/cli.ts';
import { type ChildServer, startChildServer } from '../test-support/server/child-server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');
const ADMIN_KEY = 'example-admin-key-0123456789';
const ALICE_KEY = 'example-alice-key-0123456789';
/** Each example is a few CLI or server start-ups (about a second each, more on a loaded machine). */
const EXAMPLE_TIMEOUT_MS = 180_000;

let work: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the fake upstream in this process must keep answering). */
function runExample(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: { ...cleanEnv(), ...options.env },
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The run's stdout after asserting it exited 0 (stderr in the message when it did not). */
function ok(run: Run): string {
  expect(run.code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  return run.stdout;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** `npm run build` unless dist/ is at least as new as every source (what bin/strata checks too). */
function ensureBuilt(): void {
  const stamp = join(ROOT, 'dist/.built');
  const sources = Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs);
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return;
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed (see its output above)');
}

function dataDir(name: string): string {
  return join(work, name);
}

async function serve(name: string, env: Record<string, string> = {}): Promise<ChildServer> {
  return startChildServer(['--data-dir', dataDir(name)], {
    STRATA_API_KEYS: JSON.stringify([
      { key: ADMIN_KEY, admin: true, name: 'examples' },
      { key: ALICE_KEY, userId: 'alice', name: 'alice' },
    ]),
    ...env,
  });
}

/**
 * A fake OpenAI-compatible upstream: POST /v1/chat/completions answers "I remember: ..." with
 * the memory lines of the system message it got (their tags dropped), or "Noted." without any.
 */
function fakeUpstream(): Promise<{ url: string; requests: unknown[]; server: Server }> {
  const requests: unknown[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { messages?: Array<{ role: string; content: string }> };
      requests.push(body);
      const system = (body.messages ?? []).filter((m) => m.role === 'system').map((m) => m.content);
      const lines = system
        .join('\n')
        .split('\n')
        .filter((line) => line.startsWith('- ['))
        .map((line) => line.replace(/^- \[[^\]]+\] /, ''));
      const content = lines.length > 0 ? `I remember: ${lines.join('; ')}` : 'Noted.';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, server }),
    ),
  );
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'strata-examples-'));
  ensureBuilt();
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('examples/open-webui.mjs', { timeout: EXAMPLE_TIMEOUT_MS }, () => {
  it("drives every filter's valves, inlet and outlet as Open WebUI does; the model gets one block", async () => {
    const server = await serve('owui');
    try {
      const out = ok(
        await runExample(process.execPath, [join(EXAMPLES, 'open-webui.mjs')], {
          env: { STRATA_URL: server.url, STRATA_KEY: ADMIN_KEY },
        }),
      );
      const filters = [
        'strata',
        'strata-episodic',
        'strata-semantic',
        'strata-emotional',
        'strata-temporal',
        'strata-associative',
        'strata-symbolic',
      ];
      expect(out).toContain(`filters: ${filters.join(' ')}`);
      for (const id of filters) {
        expect(out).toMatch(
          new RegExp(`^valves ${id}: enabled,inject,storeTurns,maxTokens,\\S* enabled=true$`, 'm'),
        );
        // Two chat messages: each filter's inlet and outlet ran twice; outlets return the body as sent.
        expect(out.match(new RegExp(`^inlet ${id}: \\+\\d+ lines$`, 'gm'))).toHaveLength(2);
        expect(out.match(new RegExp(`^outlet ${id}: unchanged$`, 'gm'))).toHaveLength(2);
      }
      expect(out).toContain('saved strata valves: maxTokens=800');
      // The first message finds nothing yet; the second carries what the first one's outlets stored.
      const inlets = [...out.matchAll(/^inlet \S+: \+(\d+) lines$/gm)].map((m) => Number(m[1]));
      expect(inlets.slice(0, 7).every((n) => n === 0)).toBe(true);
      expect(inlets[7]).toBeGreaterThan(0);
      expect(out).toContain('blocks: 1');
      const block = out.slice(out.indexOf('<memory_context>'), out.indexOf('</memory_context>'));
      expect(block).toMatch(/^- \[semantic [^\]]+\] User lives in Lisbon$/m);
      expect(block).toMatch(/^- \[episodic [^\]]+\] User: I just moved to Lisbon and I love the tram 28\.$/m);
      const lines = block.split('\n').filter((line) => line.startsWith('- ['));
      expect(new Set(lines).size).toBe(lines.length);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses to run without a key, as Open WebUI would skip the filters', async () => {
    const run = await runExample(process.execPath, [join(EXAMPLES, 'open-webui.mjs')], {
      env: { STRATA_URL: 'http://127.0.0.1:9' },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Set STRATA_KEY to an admin key');
  });
});

describe('examples/ai-sdk.mjs', { timeout: EXAMPLE_TIMEOUT_MS }, () => {
  it('generateText stores the turn, streamText gets it recalled into the system message', async () => {
    const upstream = await fakeUpstream();
    try {
      const out = ok(
        await runExample(process.execPath, [join(EXAMPLES, 'ai-sdk.mjs'), dataDir('ai-sdk')], {
          env: { OPENAI_BASE_URL: upstream.url, OPENAI_MODEL: 'fake-model' },
        }),
      );
      expect(out).toContain('generateText: Noted.');
      expect(out).toMatch(/^streamText: I remember: .*Mia starts school in September/m);
      expect(out).toMatch(/^stored: [1-9]\d* memories, e\.g\. User's daughter is Mia$/m);
      const [first, second] = upstream.requests as Array<{
        model: string;
        messages: Array<{ role: string }>;
      }>;
      expect(first?.model).toBe('fake-model');
      expect(second?.messages[0]?.role).toBe('system');
      expect(JSON.stringify(second)).toContain('<memory_context>');
    } finally {
      upstream.server.close();
    }
  });
});

describe('examples/mcp-http.mjs', { timeout: EXAMPLE_TIMEOUT_MS }, () => {
  it('the SDK client over streamable HTTP with a user key: tools, remember, search, recall', async () => {
    const server = await serve('mcp-http');
    try {
      const out = ok(
        await runExample(process.execPath, [join(EXAMPLES, 'mcp-http.mjs')], {
          env: { STRATA_URL: server.url, STRATA_KEY: ALICE_KEY },
        }),
      );
      const [tools] = out.split('\n');
      expect(tools?.split(' ')).toEqual(expect.arrayContaining(['remember', 'recall', 'search', 'forget']));
      expect(out).toContain('search "cycling commute": I ride my bike to work every day');
      expect(out).toMatch(/<memory_context>[\s\S]*I ride my bike to work every day[\s\S]*<\/memory_context>/);

      // mcp/cursor.json as a user fills it in (their port and key), used verbatim.
      const cursor = readFileSync(join(EXAMPLES, 'mcp/cursor.json'), 'utf8')
        .replace('http://127.0.0.1:8765', server.url)
        .replace('<a user key from server.apiKeys>', ALICE_KEY);
      const config = join(work, 'cursor.json');
      writeFileSync(config, cursor);
      const viaConfig = ok(await runExample(process.execPath, [join(EXAMPLES, 'mcp-http.mjs'), config]));
      expect(viaConfig).toContain('search "cycling commute": I ride my bike to work every day');

      // A wrong key is refused (401), not answered for some other user.
      const refused = await runExample(process.execPath, [join(EXAMPLES, 'mcp-http.mjs')], {
        env: { STRATA_URL: server.url, STRATA_KEY: 'not-a-key-0123456789' },
      });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/401|unauthorized/i);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
