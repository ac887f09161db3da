import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeMemory } from '../../../test-support/server/fake-memory.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

type ToolReply = { isError?: boolean; content: Array<{ type: string; text: string }> };
const textOf = (reply: unknown) => (reply as ToolReply).content[0]?.text ?? '';
const jsonOf = <T>(reply: unknown) => JSON.parse(textOf(reply)) as T;

async function httpClient(url: string, key: string | null): Promise<Client> {
  const client = new Client({ name: 'strata-test', version: '1.0.0' });
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

describe('MCP over streamable HTTP (/mcp)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(createFakeMemory());
  });
  afterAll(() => h.close());

  it('lists the tools with input schemas and runs them scoped to the key', async () => {
    const alice = await httpClient(h.url, KEYS.alice);
    const tools = await alice.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual([
      'feedback',
      'forget',
      'history',
      'list',
      'recall',
      'remember',
      'search',
    ]);
    const remember = tools.tools.find((t) => t.name === 'remember');
    expect(remember?.inputSchema.properties).toHaveProperty('content');

    const stored = jsonOf<{ id: string; userId: string }>(
      await alice.callTool({ name: 'remember', arguments: { content: 'Alice is allergic to peanuts' } }),
    );
    expect(stored.userId).toBe('alice');
    const found = jsonOf<{ results: Array<{ memory: { id: string } }> }>(
      await alice.callTool({ name: 'search', arguments: { query: 'peanuts' } }),
    );
    expect(found.results.map((r) => r.memory.id)).toEqual([stored.id]);
    const recalled = await alice.callTool({ name: 'recall', arguments: { query: 'any peanuts allergy?' } });
    expect(textOf(recalled)).toContain('<memory_context>');
    const history = jsonOf<{ versions: unknown[] }>(
      await alice.callTool({ name: 'history', arguments: { id: stored.id } }),
    );
    expect(history.versions).toHaveLength(1);

    const bob = await httpClient(h.url, KEYS.bob);
    const denied = (await bob.callTool({
      name: 'search',
      arguments: { userId: 'alice', query: 'peanuts' },
    })) as ToolReply;
    expect(denied.isError).toBe(true);
    expect(denied.content[0]?.text).toMatch(/^forbidden:/);
    const hidden = (await bob.callTool({ name: 'forget', arguments: { id: stored.id } })) as ToolReply;
    expect(hidden.content[0]?.text).toMatch(/^not_found:/);
    const list = jsonOf<{ items: unknown[] }>(await bob.callTool({ name: 'list', arguments: {} }));
    expect(list.items).toEqual([]);

    expect(textOf(await alice.callTool({ name: 'forget', arguments: { id: stored.id } }))).toContain(
      '"deleted": true',
    );
    await Promise.all([alice.close(), bob.close()]);
  });

  it('rejects clients without a valid key', async () => {
    await expect(httpClient(h.url, null)).rejects.toThrow();
  });
});

describe('MCP over stdio (`node bin/strata mcp` as a child process, real engine)', () => {
  let dataDir: string;
  let client: Client;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-mcp-'));
    client = new Client({ name: 'strata-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['bin/strata', 'mcp', '--data-dir', dataDir],
      cwd: join(import.meta.dirname, '../../..'),
      env: {
        ...process.env,
        STRATA_STORE: 'memory',
        STRATA_EMBEDDER: 'hash',
        STRATA_LOG_LEVEL: 'warn',
      } as Record<string, string>,
      stderr: 'pipe',
    });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('remembers, lists, searches and forgets', async () => {
    const stored = jsonOf<{ id: string }>(
      await client.callTool({
        name: 'remember',
        arguments: { userId: 'carol', content: 'Carol plays the cello' },
      }),
    );
    const list = jsonOf<{ items: Array<{ id: string }> }>(
      await client.callTool({ name: 'list', arguments: { userId: 'carol' } }),
    );
    expect(list.items.map((m) => m.id)).toContain(stored.id);
    const found = jsonOf<{ results: Array<{ memory: { id: string } }> }>(
      await client.callTool({ name: 'search', arguments: { userId: 'carol', query: 'cello' } }),
    );
    expect(found.results[0]?.memory.id).toBe(stored.id);
    const missingUser = (await client.callTool({ name: 'list', arguments: {} })) as ToolReply;
    expect(missingUser.isError).toBe(true);
    expect(missingUser.content[0]?.text).toMatch(/userId is required/);
    await client.callTool({ name: 'forget', arguments: { userId: 'carol', id: stored.id } });
    const after = jsonOf<{ items: unknown[] }>(
      await client.callTool({ name: 'list', arguments: { userId: 'carol' } }),
    );
    expect(after.items).toEqual([]);
  });
});
