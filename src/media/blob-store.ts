/**
 * Where media bytes live: per user, content-addressed (the id is the sha256 of the bytes,
 * so the same picture sent twice is one blob), under `<dataDir>/media/<user key>/`, or in
 * memory for a throwaway store. Each blob is two files written atomically (temp file and
 * rename): `<id>.bin` with the bytes and `<id>.meta` with its description (type, size,
 * analysis), the meta written last, so a blob exists once its meta does. With encryption
 * at rest on, both are sealed with AES-256-GCM (security/cipher.ts) bound to the user key,
 * the id and the part, and carry the id of the key that sealed them, so rotateKeys can
 * re-seal them and older keys still open them meanwhile. The user key is a hash of the
 * user id: a directory name says nothing about who it belongs to.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryError } from '../errors.ts';
import type { Cipher } from '../security/cipher.ts';
import { newId } from '../util/ids.ts';
import type { BlobInfo, BlobStore, StoredBlob } from './types.ts';

const MAGIC = Buffer.from('SMB1', 'latin1');
const ID = /^[0-9a-f]{64}$/;

/** Whether `id` has the shape of a blob id (64 hex digits). */
export function isBlobId(id: string): boolean {
  return ID.test(id);
}

const userKey = (userId: string) =>
  createHash('sha256').update('strata-media\u0000').update(userId).digest('hex').slice(0, 32);

export function createFileBlobStore(root: string, cipher: Cipher | null): BlobStore {
  const dirOf = (userId: string) => join(root, userKey(userId));
  const seal = (plain: Buffer, aad: string): Buffer => {
    if (!cipher) return Buffer.concat([MAGIC, Buffer.from([0, 0]), plain]);
    const keyId = Buffer.from(cipher.keyId, 'latin1');
    return Buffer.concat([MAGIC, Buffer.from([1, keyId.length]), keyId, cipher.encryptBytes(plain, aad)]);
  };
  const open = (file: Buffer, aad: string, where: string): { plain: Buffer; keyId: string | null } => {
    if (file.length < 6 || !file.subarray(0, 4).equals(MAGIC)) {
      throw new MemoryError('internal_error', `Media file ${where} is not a Strata media file.`);
    }
    const sealed = file[4] === 1;
    const keyLength = file[5] ?? 0;
    const body = file.subarray(6 + keyLength);
    if (!sealed) return { plain: body, keyId: null };
    const keyId = file.toString('latin1', 6, 6 + keyLength);
    if (!cipher) {
      throw new MemoryError(
        'config_error',
        `Media file ${where} is encrypted, but encryption.key is not set; configure the key it was written with.`,
      );
    }
    return { plain: cipher.decryptBytes(body, keyId, aad), keyId };
  };
  const aadOf = (key: string, id: string, part: 'data' | 'meta') => `media:${key}:${id}:${part}`;
  const writeAtomic = (path: string, bytes: Buffer) => {
    const temp = `${path}.${newId()}.tmp`;
    writeFileSync(temp, bytes, { mode: 0o600 });
    renameSync(temp, path);
  };
  const readInfo = (key: string, id: string): BlobInfo | null => {
    const path = join(root, key, `${id}.meta`);
    if (!existsSync(path)) return null;
    return JSON.parse(
      open(readFileSync(path), aadOf(key, id, 'meta'), path).plain.toString('utf8'),
    ) as BlobInfo;
  };
  const idsIn = (key: string): string[] => {
    const dir = join(root, key);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.meta'))
      .map((name) => name.slice(0, -5))
      .filter(isBlobId);
  };
  const userKeys = (): string[] =>
    existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n)) : [];
  return {
    kind: 'files',
    async put(blob) {
      const key = userKey(blob.userId);
      if (!isBlobId(blob.id)) throw new MemoryError('internal_error', `Bad blob id ${blob.id}.`);
      if (readInfo(key, blob.id)) return false;
      const dir = dirOf(blob.userId);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { data, ...info } = blob;
      writeAtomic(join(dir, `${blob.id}.bin`), seal(data, aadOf(key, blob.id, 'data')));
      writeAtomic(
        join(dir, `${blob.id}.meta`),
        seal(Buffer.from(JSON.stringify(info)), aadOf(key, blob.id, 'meta')),
      );
      return true;
    },
    async get(userId, id) {
      if (!isBlobId(id)) return null;
      const key = userKey(userId);
      const info = readInfo(key, id);
      if (!info || info.userId !== userId) return null;
      const path = join(root, key, `${id}.bin`);
      if (!existsSync(path)) return null;
      return { ...info, data: open(readFileSync(path), aadOf(key, id, 'data'), path).plain };
    },
    async info(userId, id) {
      if (!isBlobId(id)) return null;
      const info = readInfo(userKey(userId), id);
      return info && info.userId === userId ? info : null;
    },
    async list(userId) {
      const key = userKey(userId);
      return idsIn(key)
        .map((id) => readInfo(key, id))
        .filter((info): info is BlobInfo => info !== null && info.userId === userId);
    },
    async delete(userId, ids) {
      const key = userKey(userId);
      let deleted = 0;
      for (const id of ids) {
        if (!isBlobId(id) || !existsSync(join(root, key, `${id}.meta`))) continue;
        // The meta goes first: a blob half deleted reads as absent, never as broken.
        rmSync(join(root, key, `${id}.meta`), { force: true });
        rmSync(join(root, key, `${id}.bin`), { force: true });
        deleted++;
      }
      return deleted;
    },
    async deleteUser(userId) {
      const key = userKey(userId);
      const count = idsIn(key).length;
      rmSync(join(root, key), { recursive: true, force: true });
      return count;
    },
    async usage(userId) {
      const keys = userId === undefined ? userKeys() : [userKey(userId)];
      let blobs = 0;
      let bytes = 0;
      for (const key of keys) {
        for (const id of idsIn(key)) {
          const info = readInfo(key, id);
          if (!info || (userId !== undefined && info.userId !== userId)) continue;
          blobs++;
          bytes += info.bytes;
        }
      }
      return { blobs, bytes };
    },
    async rotateKeys() {
      if (!cipher) return 0;
      let rewritten = 0;
      for (const key of userKeys()) {
        for (const id of idsIn(key)) {
          for (const part of ['data', 'meta'] as const) {
            const path = join(root, key, `${id}.${part === 'data' ? 'bin' : 'meta'}`);
            if (!existsSync(path)) continue;
            const opened = open(readFileSync(path), aadOf(key, id, part), path);
            if (opened.keyId === cipher.keyId) continue;
            writeAtomic(path, seal(opened.plain, aadOf(key, id, part)));
            rewritten++;
          }
        }
      }
      return rewritten;
    },
  };
}

/** Blobs in process memory, for the in-memory store and `:memory:` SQLite (gone on close). */
export function createMemoryBlobStore(): BlobStore {
  const users = new Map<string, Map<string, StoredBlob>>();
  const describe = ({ data: _data, ...info }: StoredBlob): BlobInfo => info;
  return {
    kind: 'memory',
    async put(blob) {
      const mine = users.get(blob.userId) ?? new Map<string, StoredBlob>();
      users.set(blob.userId, mine);
      if (mine.has(blob.id)) return false;
      mine.set(blob.id, { ...blob, data: Buffer.from(blob.data) });
      return true;
    },
    async get(userId, id) {
      const blob = users.get(userId)?.get(id);
      return blob ? { ...blob, data: Buffer.from(blob.data) } : null;
    },
    async info(userId, id) {
      const blob = users.get(userId)?.get(id);
      return blob ? describe(blob) : null;
    },
    async list(userId) {
      return [...(users.get(userId)?.values() ?? [])].map(describe);
    },
    async delete(userId, ids) {
      const mine = users.get(userId);
      return ids.filter((id) => mine?.delete(id)).length;
    },
    async deleteUser(userId) {
      const count = users.get(userId)?.size ?? 0;
      users.delete(userId);
      return count;
    },
    async usage(userId) {
      const lists = userId === undefined ? [...users.values()] : [users.get(userId) ?? new Map()];
      let blobs = 0;
      let bytes = 0;
      for (const list of lists) {
        for (const blob of list.values()) {
          blobs++;
          bytes += blob.bytes;
        }
      }
      return { blobs, bytes };
    },
    async rotateKeys() {
      return 0;
    },
  };
}
