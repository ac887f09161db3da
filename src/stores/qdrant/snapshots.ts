/**
 * Backups through Qdrant snapshots: create a snapshot of each collection on the server,
 * download it (streamed, checksum verified) into a local directory with a manifest, and
 * restore by uploading those files back (priority "snapshot": the file wins over what the
 * server holds). The REST client has no download/upload helpers, so those two requests go
 * through fetch with the same URL and api-key.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { StoreUnavailableError, ValidationError } from '../../errors.ts';
import { nowIso, systemClock } from '../../util/clock.ts';
import type { QdrantConnection } from './connection.ts';

const ManifestSchema = z.object({
  kind: z.literal('strata-qdrant-backup'),
  url: z.string(),
  createdAt: z.string(),
  collections: z.array(
    z.object({
      collection: z.string(),
      snapshot: z.string(),
      file: z.string(),
      size: z.number(),
      checksum: z.string().nullable(),
    }),
  ),
});
export type BackupManifest = z.infer<typeof ManifestSchema>;
export const MANIFEST_FILE = 'manifest.json';

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function download(conn: QdrantConnection, collection: string, snapshot: string, file: string) {
  const url = `${conn.url}/collections/${encodeURIComponent(collection)}/snapshots/${encodeURIComponent(snapshot)}`;
  const response = await fetch(url, { headers: conn.headers() });
  if (!response.ok || response.body === null) {
    throw new StoreUnavailableError(
      `Downloading snapshot ${snapshot} from ${url} failed with HTTP ${response.status}.`,
    );
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file));
}

export async function backupCollections(
  conn: QdrantConnection,
  collections: string[],
  destination: string,
): Promise<BackupManifest> {
  await mkdir(destination, { recursive: true });
  const manifest: BackupManifest = {
    kind: 'strata-qdrant-backup',
    url: conn.url,
    createdAt: nowIso(systemClock),
    collections: [],
  };
  for (const collection of collections) {
    const snapshot = await conn.call(`create snapshot of ${collection}`, (client) =>
      client.createSnapshot(collection, { wait: true }),
    );
    if (snapshot === null)
      throw new StoreUnavailableError(`Qdrant did not return a snapshot for ${collection}.`);
    const file = `${collection}.snapshot`;
    await download(conn, collection, snapshot.name, join(destination, file));
    const checksum = snapshot.checksum ?? null;
    if (checksum !== null && (await sha256(join(destination, file))) !== checksum) {
      throw new StoreUnavailableError(
        `Snapshot ${snapshot.name} of ${collection} arrived corrupted (checksum mismatch).`,
      );
    }
    manifest.collections.push({ collection, snapshot: snapshot.name, file, size: snapshot.size, checksum });
  }
  await writeFile(join(destination, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function listSnapshots(conn: QdrantConnection, collection: string) {
  return conn.call(`list snapshots of ${collection}`, (client) => client.listSnapshots(collection));
}

export async function readManifest(source: string): Promise<BackupManifest> {
  const text = await readFile(join(source, MANIFEST_FILE), 'utf8').catch(() => {
    throw new ValidationError(
      `${source} is not a Qdrant backup directory (no ${MANIFEST_FILE}); pass a directory made by backup.`,
    );
  });
  return ManifestSchema.parse(JSON.parse(text));
}

export async function restoreCollections(conn: QdrantConnection, source: string): Promise<BackupManifest> {
  const manifest = await readManifest(source);
  for (const entry of manifest.collections) {
    const path = join(source, entry.file);
    await stat(path);
    const form = new FormData();
    // A file-backed Blob: the snapshot is streamed from disk, not read into memory.
    form.append('snapshot', await openAsBlob(path), entry.file);
    const query = new URLSearchParams({ wait: 'true', priority: 'snapshot' });
    if (entry.checksum !== null) query.set('checksum', entry.checksum);
    const url = `${conn.url}/collections/${encodeURIComponent(entry.collection)}/snapshots/upload?${query}`;
    const response = await fetch(url, { method: 'POST', headers: conn.headers(), body: form });
    if (!response.ok) {
      throw new StoreUnavailableError(
        `Uploading ${path} to ${url} failed with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
  }
  return manifest;
}

/** Recovers a collection from a snapshot Qdrant can reach itself (URL or file:// on the server). */
export async function recoverSnapshot(conn: QdrantConnection, collection: string, location: string) {
  return conn.call(`recover snapshot into ${collection}`, (client) =>
    client.recoverSnapshot(collection, { location, priority: 'snapshot' }),
  );
}
