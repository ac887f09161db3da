/**
 * What a peer may not do, over real sockets with `strata serve` children and the CLI as
 * child processes: a peer key reaches only the users its config names and only the sync
 * routes; a peer whose log was cut short (its last entries and memories removed, the head
 * rewritten to match) is refused by `strata sync` (exit 14, truncated) and then rebuilt
 * with `strata restore --from-peer` from the other side's copy, verified, with the same
 * digest; a peer that rewrites an entry it already served (re-signed with its own key) is
 * refused as a fork.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../src/security/instance-key.ts';
import { entryHash, sha256Hex } from '../../src/security/log-entry.ts';
import { BIN, cleanEnv } from '../../test-support/process/cli.ts';
import {
  type ClusterNode,
  call,
  configFile,
  digestOf,
  killNode,
  link,
  makeNode,
  removeNode,
  startNode,
} from '../../test-support/server/sync-cluster.ts';

const run = promisify(execFile);

async function cli(
  node: ClusterNode,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [BIN, '--json', '--config', configFile(node, 0), '--data-dir', node.dir, ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { env: cleanEnv() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function edit(node: ClusterNode, fn: (db: Database.Database) => void): void {
  const db = new Database(join(node.dir, 'strata.db'));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

describe('peers that break the rules are refused', { timeout: 120_000 }, () => {
  const nodes: ClusterNode[] = [];
  afterAll(async () => {
    for (const node of nodes) {
      await killNode(node);
      removeNode(node);
    }
  });

  it('rights, a truncated log, restore from a peer, a forked log', async () => {
    const [a, b] = [await makeNode('a'), await makeNode('b')];
    nodes.push(a, b);
    link(a, b, ['alice']);
    await startNode(a, 0);
    await startNode(b, 0);
    for (let i = 0; i < 5; i++) {
      expect(
        (await call(a, 'POST', '/v1/memories', { userId: 'alice', content: `alice fact ${i}` })).status,
      ).toBe(201);
    }
    await call(a, 'POST', '/v1/memories', { userId: 'bob', content: 'bob is not synced with b' });
    const first = await cli(b, 'sync', '--peer', 'a');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(await digestOf(b, 'alice')).toBe(await digestOf(a, 'alice'));

    // Rights: the pair key reads alice's log only, and only through /v1/sync.
    const pairKey = a.peers[0]!.key;
    expect((await call(a, 'GET', '/v1/sync/log?user=alice', undefined, { key: pairKey })).status).toBe(200);
    expect((await call(a, 'GET', '/v1/sync/log?user=bob', undefined, { key: pairKey })).status).toBe(403);
    expect((await call(a, 'GET', '/v1/memories?userId=alice', undefined, { key: pairKey })).status).toBe(403);
    expect(
      (await call(a, 'GET', '/v1/sync/log?user=alice', undefined, { key: 'not-a-key-0123456789' })).status,
    ).toBe(401);
    expect((await call(b, 'GET', '/v1/memories?userId=bob')).body).toMatchObject({ items: [] });

    // a is rewritten: its last two memories and their entries are gone, its head says so.
    const before = await digestOf(b, 'alice');
    await killNode(a, 'SIGTERM');
    edit(a, (db) => {
      const cut = db
        .prepare("SELECT memory_id FROM sync_log WHERE user_id = 'alice' ORDER BY seq DESC LIMIT 2")
        .all() as Array<{ memory_id: string }>;
      for (const { memory_id } of cut) db.prepare('DELETE FROM memories WHERE id = ?').run(memory_id);
      db.prepare("DELETE FROM sync_log WHERE user_id = 'alice' AND seq > 3").run();
      const head = db.prepare("SELECT seq, hash FROM sync_log WHERE user_id = 'alice' AND seq = 3").get() as {
        seq: number;
        hash: string;
      };
      db.prepare("UPDATE sync_heads SET seq = ?, hash = ? WHERE user_id = 'alice'").run(head.seq, head.hash);
    });
    await startNode(a, 0);
    const truncated = await cli(b, 'sync', '--peer', 'a');
    expect(truncated.code).toBe(14);
    expect(truncated.stderr).toMatch(/truncated or rewritten/);
    expect(await digestOf(b, 'alice')).toBe(before);

    // a is rebuilt from b's copy.
    await killNode(a, 'SIGTERM');
    const restored = await cli(a, 'restore', '--from-peer', 'b');
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ from: 'b', verified: { ok: true } });
    await startNode(a, 0);
    expect(await digestOf(a, 'alice')).toBe(before);
    expect((await cli(b, 'sync', '--peer', 'a')).code).toBe(0);

    // a rewrites an entry it already served, signed with its own key: a fork.
    await killNode(a, 'SIGTERM');
    const identity = loadOrCreateIdentity(join(a.dir, 'instance-key.pem'));
    edit(a, (db) => {
      const row = db.prepare("SELECT * FROM sync_log WHERE user_id = 'alice' AND seq = 5").get() as Record<
        string,
        string | number
      >;
      const payload = String(row.payload).replace('alice fact', 'rewritten fact');
      const header = {
        userId: 'alice',
        instanceId: String(row.author),
        seq: Number(row.seq),
        hlc: String(row.hlc),
        op: 'create' as const,
        memoryId: String(row.memory_id),
        prevHash: String(row.prev_hash),
        payloadHash: sha256Hex(payload),
      };
      const hash = entryHash(header);
      db.prepare('UPDATE sync_log SET payload = ?, payload_hash = ?, hash = ?, sig = ? WHERE rowid = ?').run(
        payload,
        header.payloadHash,
        hash,
        identity.sign(hash),
        row.rowid,
      );
      db.prepare("UPDATE sync_heads SET hash = ? WHERE user_id = 'alice' AND seq = 5").run(hash);
    });
    await startNode(a, 0);
    const forked = await cli(b, 'sync', '--peer', 'a');
    expect(forked.code).toBe(14);
    expect(forked.stderr).toMatch(/fork|rewritten/);
    expect(await digestOf(b, 'alice')).toBe(before);
    expect(readFileSync(join(b.dir, 'strata.config.json'), 'utf8')).toContain(pairKey);
  });
});
