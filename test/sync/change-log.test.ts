/**
 * The signed change log on a real SQLite file: every kind of write (add, update, rollback,
 * feedback, import, delete) appends one entry in its own chain order, signed by the instance
 * key made at first open (mode 0600); `strata verify`, run as a child process, passes on
 * the untouched file and fails with exit 14 and the right reason after the file is edited
 * directly: an entry's payload changed, a signature replaced by another key's, the last
 * entry cut off, a memory row edited behind the log's back.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import { tempDir } from '../../test-support/engine/e2e-engine.ts';
import { BIN, cleanEnv } from '../../test-support/process/cli.ts';

const run = promisify(execFile);

interface VerifyOutput {
  ok: boolean;
  entries: number;
  problems: Array<{ reason: string; seq?: number; message: string }>;
  digest: { log: string; state: string };
}

async function verify(dataDir: string): Promise<{ code: number; report: VerifyOutput }> {
  const config = join(dataDir, 'strata.config.json');
  writeFileSync(config, JSON.stringify({ embedder: { kind: 'hash' }, log: { level: 'silent' } }));
  const args = [BIN, '--json', '--config', config, '--data-dir', dataDir, 'verify'];
  try {
    const { stdout } = await run(process.execPath, args, { env: cleanEnv() });
    return { code: 0, report: JSON.parse(stdout) as VerifyOutput };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, report: JSON.parse(failed.stdout) as VerifyOutput };
  }
}

describe('the signed change log', { timeout: 60_000 }, () => {
  const dir = tempDir('strata-log-');
  const db = () => join(dir.path, 'strata.db');
  afterAll(() => dir.remove());

  beforeAll(async () => {
    const memory = createMemory({ dataDir: dir.path, embedder: { kind: 'hash' }, log: { level: 'silent' } });
    try {
      const home = await memory.add({ userId: 'alice', content: 'I live in Munich' });
      await memory.update('alice', home.id, { content: 'I live in Berlin' });
      await memory.rollback('alice', home.id, 1);
      await memory.feedback({ userId: 'alice', memoryIds: [home.id], rating: 'useful' });
      const gone = await memory.add({ userId: 'alice', content: 'my old phone pin is 4711' });
      await memory.delete('alice', gone.id);
      const at = '2024-01-01T00:00:00.000Z';
      const line = JSON.stringify({
        kind: 'memory',
        ...{
          id: 'imported-1',
          userId: 'bob',
          layer: 'semantic',
          content: 'I sail',
          createdAt: at,
          updatedAt: at,
        },
        ...{ importance: 0.5, strength: 1, accessCount: 0, lastAccessedAt: null, sources: [], links: [] },
        ...{ metadata: {}, version: 1, supersededBy: null, embeddingModel: null },
      });
      await memory.import(line);
      await memory.import(line); // the same file twice adds nothing
    } finally {
      await memory.close();
    }
  });

  it('holds one entry per write, in chain order, with the key file private', () => {
    expect(statSync(join(dir.path, 'instance-key.pem')).mode & 0o777).toBe(0o600);
    const file = new Database(db(), { readonly: true });
    const rows = file
      .prepare('SELECT user_id, seq, op, payload, prev_hash, hash FROM sync_log ORDER BY rowid')
      .all() as Array<{
      user_id: string;
      seq: number;
      op: string;
      payload: string | null;
      prev_hash: string;
      hash: string;
    }>;
    file.close();
    const alice = rows.filter((r) => r.user_id === 'alice');
    expect(alice.map((r) => r.op)).toEqual(['create', 'update', 'rollback', 'update', 'create', 'delete']);
    expect(alice.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < alice.length; i++) expect(alice[i]!.prev_hash).toBe(alice[i - 1]!.hash);
    // The deleted memory's text is gone from the log; its entries still verify (below).
    expect(alice[4]!.payload).toBeNull();
    expect(rows.filter((r) => r.user_id === 'bob').map((r) => r.op)).toEqual(['import']);
  });

  it('verifies the untouched file', async () => {
    const { code, report } = await verify(dir.path);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    expect(report.entries).toBe(7);
  });

  /** A copy of the store (and key) with one direct edit; verify's answer on it. */
  async function tampered(edit: (file: Database.Database) => void) {
    const copy = tempDir('strata-log-edit-');
    try {
      copyFileSync(db(), join(copy.path, 'strata.db'));
      copyFileSync(join(dir.path, 'instance-key.pem'), join(copy.path, 'instance-key.pem'));
      const file = new Database(join(copy.path, 'strata.db'));
      edit(file);
      file.close();
      return await verify(copy.path);
    } finally {
      copy.remove();
    }
  }

  it('detects an edited entry', async () => {
    const { code, report } = await tampered((file) => {
      const row = file.prepare("SELECT rowid, payload FROM sync_log WHERE op = 'update' LIMIT 1").get() as {
        rowid: number;
        payload: string;
      };
      file
        .prepare('UPDATE sync_log SET payload = ? WHERE rowid = ?')
        .run(row.payload.replace('Berlin', 'Zurich'), row.rowid);
    });
    expect(code).toBe(14);
    expect(report.problems[0]).toMatchObject({ reason: 'tampered', seq: 2 });
  });

  it('detects a forged signature', async () => {
    const { code, report } = await tampered((file) => {
      const forger = generateKeyPairSync('ed25519').privateKey;
      const row = file.prepare('SELECT rowid, hash FROM sync_log WHERE seq = 3').get() as {
        rowid: number;
        hash: string;
      };
      file
        .prepare('UPDATE sync_log SET sig = ? WHERE rowid = ?')
        .run(sign(null, Buffer.from(row.hash), forger).toString('base64'), row.rowid);
    });
    expect(code).toBe(14);
    expect(report.problems[0]).toMatchObject({ reason: 'signature', seq: 3 });
  });

  it('detects a truncated log', async () => {
    const { code, report } = await tampered((file) => {
      file.prepare("DELETE FROM sync_log WHERE user_id = 'alice' AND seq = 6").run();
    });
    expect(code).toBe(14);
    expect(report.problems.map((p) => p.reason)).toContain('truncated');
  });

  it('detects a memory edited behind the log', async () => {
    const { code, report } = await tampered((file) => {
      file.prepare("UPDATE memories SET importance = 0.99 WHERE user_id = 'alice'").run();
    });
    expect(code).toBe(14);
    expect(report.problems.map((p) => p.reason)).toEqual(['state']);
  });
});
