/**
 * Three `strata serve` processes on loopback ports with separate data dirs, in a chain
 * a – b – c (a and c never talk: everything between them is relayed by b), syncing in the
 * background. A seeded random schedule of adds, updates and deletes through the REST API
 * on every node; then b is stopped (a partition) while a and c edit the same memory and
 * go on writing; b comes back; a burst of 400 imported memories on a, and b is killed with
 * SIGKILL while it relays them, then restarted. In the end every node shows the same
 * digest of each user's log and memories, every acknowledged write is there (or deleted by
 * an acknowledged delete), the concurrent edit has one winner everywhere with the other
 * edit in its history, carol (synced on a – b only) never reaches c, and `strata verify`
 * passes on every data dir.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../../test-support/process/cli.ts';
import {
  type ClusterNode,
  call,
  converged,
  digestOf,
  killNode,
  link,
  makeNode,
  removeNode,
  startNode,
} from '../../test-support/server/sync-cluster.ts';

const run = promisify(execFile);
const USERS = ['alice', 'bob'];

/** mulberry32: the same schedule on every run. */
function random(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

interface Acked {
  userId: string;
  contents: Set<string>;
  deleted: boolean;
}

describe('three instances in a chain converge', { timeout: 240_000 }, () => {
  const nodes: ClusterNode[] = [];
  afterAll(async () => {
    for (const node of nodes) {
      await killNode(node);
      removeNode(node);
    }
  });

  it('through random writes, a partition, concurrent edits and kill -9 mid-sync', async () => {
    const extra = { sync: { batchSize: 50 } };
    const [a, b, c] = [await makeNode('a', extra), await makeNode('b', extra), await makeNode('c', extra)];
    nodes.push(a, b, c);
    link(a, b, ['alice', 'bob', 'carol']);
    link(b, c, USERS);
    for (const node of nodes) await startNode(node);
    const acked = new Map<string, Acked>();
    const rand = random(20250301);

    const add = async (node: ClusterNode, userId: string, content: string) => {
      const { status, body } = await call(node, 'POST', '/v1/memories', { userId, content });
      expect(status).toBe(201);
      const id = (body as { id: string }).id;
      acked.set(id, { userId, contents: new Set([content]), deleted: false });
      return id;
    };
    const update = async (node: ClusterNode, id: string, content: string) => {
      const memory = acked.get(id)!;
      const { status } = await call(node, 'PATCH', `/v1/memories/${id}?userId=${memory.userId}`, {
        userId: memory.userId,
        content,
      });
      // 404: the node has not received it yet, or its delete came first; nothing was acknowledged.
      if (status === 200) memory.contents.add(content);
      else expect(status).toBe(404);
    };
    const remove = async (node: ClusterNode, id: string) => {
      const memory = acked.get(id)!;
      const { status } = await call(node, 'DELETE', `/v1/memories/${id}?userId=${memory.userId}`);
      if (status === 204 || status === 200) memory.deleted = true;
      else expect(status).toBe(404);
    };
    const randomOps = async (on: ClusterNode[], count: number, tag: string) => {
      for (let i = 0; i < count; i++) {
        const node = on[Math.floor(rand() * on.length)]!;
        const userId = USERS[Math.floor(rand() * USERS.length)]!;
        const ids = [...acked].filter(([, m]) => m.userId === userId && !m.deleted).map(([id]) => id);
        const roll = rand();
        if (ids.length < 3 || roll < 0.6)
          await add(node, userId, `${tag} ${i}: ${userId} noted item ${Math.floor(rand() * 1e6)}`);
        else if (roll < 0.9)
          await update(node, ids[Math.floor(rand() * ids.length)]!, `${tag} ${i}: revised by ${node.name}`);
        else await remove(node, ids[Math.floor(rand() * ids.length)]!);
      }
    };

    // 1. Random writes everywhere while all three run.
    await add(a, 'carol', 'carol keeps her notes on a and b only');
    await randomOps(nodes, 60, 'phase1');
    expect(await converged(nodes, USERS, 60_000)).toBe(true);

    // 2. Partition: b is down; a and c edit the same memory, and keep writing.
    const shared = await add(a, 'alice', 'The offsite is in Lisbon');
    expect(await converged(nodes, ['alice'], 30_000)).toBe(true);
    await killNode(b, 'SIGTERM');
    await update(a, shared, 'The offsite is in Porto');
    await update(c, shared, 'The offsite is in Faro');
    await randomOps([a, c], 30, 'phase2');
    await startNode(b);

    // 3. A burst on a, and b killed while it relays it.
    const at = '2025-03-01T10:00:00.000Z';
    const lines = Array.from({ length: 400 }, (_, i) => {
      const id = `burst-${i}`;
      acked.set(id, { userId: 'bob', contents: new Set([`burst memory ${i}`]), deleted: false });
      return JSON.stringify({
        kind: 'memory',
        ...{
          id,
          userId: 'bob',
          layer: 'episodic',
          content: `burst memory ${i}`,
          createdAt: at,
          updatedAt: at,
        },
        ...{ importance: 0.5, strength: 1, accessCount: 0, lastAccessedAt: null, sources: [], links: [] },
        ...{ metadata: {}, version: 1, supersededBy: null, embeddingModel: null },
      });
    });
    const imported = await call(a, 'POST', '/v1/import', lines.join('\n'), {
      contentType: 'application/x-ndjson',
    });
    expect(imported.status).toBe(200);
    // Kill b once it holds some of the burst but not all: mid-sync (pages of 50 entries).
    const has = async (id: string) => (await call(b, 'GET', `/v1/memories/${id}?userId=bob`)).status === 200;
    for (let i = 0; i < 2_000 && !(await has('burst-0')); i++) await new Promise((r) => setTimeout(r, 2));
    const partial = !(await has('burst-399'));
    await killNode(b, 'SIGKILL');
    expect(partial).toBe(true);
    await startNode(b);

    // 4. Everyone converges, nothing acknowledged is lost.
    expect(await converged(nodes, USERS, 90_000)).toBe(true);
    for (const [id, memory] of acked) {
      if (memory.userId === 'carol') continue;
      for (const node of nodes) {
        const { status, body } = await call(node, 'GET', `/v1/memories/${id}?userId=${memory.userId}`);
        if (memory.deleted) {
          expect(status, `${id} deleted on ${node.name}`).toBe(404);
        } else {
          expect(status, `${id} on ${node.name}`).toBe(200);
          expect(memory.contents, `${id} on ${node.name}`).toContain((body as { content: string }).content);
        }
      }
    }
    const winners = new Set<string>();
    for (const node of nodes) {
      const { body } = await call(node, 'GET', `/v1/memories/${shared}/history?userId=alice`);
      const contents = (body as { versions: Array<{ memory: { content: string } }> }).versions.map(
        (v) => v.memory.content,
      );
      expect(contents).toEqual(expect.arrayContaining(['The offsite is in Porto', 'The offsite is in Faro']));
      winners.add(contents.at(-1)!);
    }
    expect(winners.size).toBe(1);

    // 5. carol stays on a and b.
    expect(await digestOf(a, 'carol')).toBe(await digestOf(b, 'carol'));
    const status = (await call(c, 'GET', '/v1/sync/status')).body as { users: string[] };
    expect(status.users).not.toContain('carol');
    expect(((await call(c, 'GET', '/v1/memories?userId=carol')).body as { items: unknown[] }).items).toEqual(
      [],
    );

    // 6. Every data dir verifies.
    for (const node of nodes) await killNode(node, 'SIGTERM');
    for (const node of nodes) {
      const args = [
        BIN,
        '--json',
        '--config',
        join(node.dir, 'strata.config.json'),
        '--data-dir',
        node.dir,
        'verify',
      ];
      const { stdout } = await run(process.execPath, args, { env: cleanEnv() });
      expect((JSON.parse(stdout) as { ok: boolean }).ok, node.name).toBe(true);
    }
  });
});
