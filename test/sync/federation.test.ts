/**
 * Federation over real sockets: two `strata serve` children take part in the shared scope
 * `team` (sync.scopes) and sync nothing else. a grants b readwrite on the scope; b grants a
 * read only. The team's knowledge written on b reaches a; what a writes to the scope is
 * refused by b (a has no write right there); alice's private memories on a never leave it.
 * Recall for alice on a adds the team's matching memory to her block, marked shared:team,
 * after her own lines; a recall that asks for no scopes leaves it out.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ClusterNode,
  call,
  killNode,
  makeNode,
  removeNode,
  startNode,
} from '../../test-support/server/sync-cluster.ts';

describe('a shared scope between two instances', { timeout: 120_000 }, () => {
  const nodes: ClusterNode[] = [];
  afterAll(async () => {
    for (const node of nodes) {
      await killNode(node);
      removeNode(node);
    }
  });

  it('carries the scope per the rights, keeps private users home, and recall marks it', async () => {
    const extra = { sync: { scopes: ['team'] } };
    const [a, b] = [await makeNode('a', extra), await makeNode('b', extra)];
    nodes.push(a, b);
    const key = 'pair-a-b-team-secret-0123456789';
    a.peers.push({ name: 'b', url: b.url, key, users: [], scopes: { team: 'readwrite' } });
    b.peers.push({ name: 'a', url: a.url, key, users: [], scopes: { team: 'read' } });
    await startNode(a);
    await startNode(b);

    const post = (node: ClusterNode, userId: string, content: string) =>
      call(node, 'POST', '/v1/memories', { userId, content, layer: 'semantic' });
    expect((await post(b, 'scope:team', 'The team deploys to production every Thursday')).status).toBe(201);
    expect((await post(a, 'scope:team', 'A draft rule from a: deploys need two reviews')).status).toBe(201);
    expect((await post(a, 'alice', 'I prefer to deploy on Thursday mornings')).status).toBe(201);

    const contents = async (node: ClusterNode, userId: string) =>
      (
        (await call(node, 'GET', `/v1/memories?userId=${userId}`)).body as {
          items: Array<{ content: string }>;
        }
      ).items
        .map((m) => m.content)
        .sort();
    for (let i = 0; i < 100 && (await contents(a, 'scope:team')).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await contents(a, 'scope:team')).toEqual([
      'A draft rule from a: deploys need two reviews',
      'The team deploys to production every Thursday',
    ]);
    // b refuses a's writes to the scope: a has read rights there only (403 on the push).
    const pushError = async () => {
      const status = (await call(a, 'GET', '/v1/sync/status')).body as {
        peers: Array<{ peer: string; error?: { message: string } }>;
      };
      return status.peers.find((p) => p.peer === 'b')?.error?.message ?? '';
    };
    // (An earlier round may have failed otherwise: b was not listening yet.)
    const refusal = /may not write the log of "scope:team"/;
    let refused = '';
    for (let i = 0; i < 100 && !refusal.test(refused); i++) {
      refused = await pushError();
      if (!refusal.test(refused)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toMatch(refusal);
    expect(await contents(b, 'scope:team')).toEqual(['The team deploys to production every Thursday']);
    expect(await contents(b, 'alice')).toEqual([]);
    expect(((await call(b, 'GET', '/v1/sync/status')).body as { users: string[] }).users).toEqual([
      'scope:team',
    ]);

    const recall = async (scopes?: string[]) =>
      (
        await call(a, 'POST', '/v1/recall', {
          userId: 'alice',
          messages: [{ role: 'user', content: 'When do we deploy on Thursday?' }],
          ...(scopes ? { scopes } : {}),
        })
      ).body as { context: string; shared?: Array<{ scope: string; memory: { content: string } }> };
    const withTeam = await recall();
    expect(withTeam.context).toMatch(/\[semantic [^\]]+\] I prefer to deploy on Thursday/);
    expect(withTeam.context).toMatch(
      /\[shared:team semantic [^\]]+\] The team deploys to production every Thursday/,
    );
    expect(withTeam.context.indexOf('I prefer')).toBeLessThan(withTeam.context.indexOf('shared:team'));
    expect(withTeam.shared?.map((s) => s.scope)).toContain('team');
    const alone = await recall([]);
    expect(alone.context).not.toMatch(/shared:team/);
    expect(alone.context).toMatch(/I prefer to deploy/);
  });
});
