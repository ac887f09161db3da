/**
 * Snapshot endpoints of the fake Qdrant server: create (the collection serialized as
 * JSON, with a SHA-256 checksum like Qdrant's), list, download, upload (multipart, as
 * Qdrant's /snapshots/upload) and recover from a location naming a known snapshot.
 */
import { createHash } from 'node:crypto';
import type { FakePoint } from './fake-filter.ts';
import { type FakeCollection, HttpError } from './fake-model.ts';

type Json = Record<string, unknown>;

export interface SnapshotRequest {
  method: string;
  name: string;
  rest: string;
  json: Json;
  raw: Buffer;
  contentType: string | undefined;
}

function serialize(collection: FakeCollection): Buffer {
  return Buffer.from(
    JSON.stringify({
      config: collection.config,
      indexes: [...collection.indexes],
      points: [...collection.points.values()],
    }),
  );
}

function load(collections: Map<string, FakeCollection>, name: string, data: Buffer): void {
  const parsed = JSON.parse(data.toString('utf8')) as {
    config: Json;
    indexes: Array<[string, unknown]>;
    points: FakePoint[];
  };
  const snapshots = collections.get(name)?.snapshots ?? new Map<string, Buffer>();
  collections.set(name, {
    config: parsed.config,
    indexes: new Map(parsed.indexes),
    points: new Map(parsed.points.map((point) => [point.id, point])),
    snapshots,
  });
}

const describe = (snapshot: string, data: Buffer) => ({
  name: snapshot,
  creation_time: new Date().toISOString().slice(0, 19),
  size: data.length,
  checksum: createHash('sha256').update(data).digest('hex'),
});

export async function snapshotRoute(
  collections: Map<string, FakeCollection>,
  collection: (name: string) => FakeCollection,
  request: SnapshotRequest,
): Promise<unknown> {
  const { method, name, rest, json } = request;
  if (rest === '/snapshots' && method === 'POST') {
    const target = collection(name);
    const snapshot = `${name}-${target.snapshots.size + 1}.snapshot`;
    const data = serialize(target);
    target.snapshots.set(snapshot, data);
    return describe(snapshot, data);
  }
  if (rest === '/snapshots' && method === 'GET') {
    return [...collection(name).snapshots].map(([snapshot, data]) => describe(snapshot, data));
  }
  if (rest === '/snapshots/upload' && method === 'POST') {
    const form = await new Response(new Uint8Array(request.raw), {
      headers: { 'content-type': request.contentType ?? '' },
    }).formData();
    const file = form.get('snapshot');
    if (!(file instanceof Blob)) throw new HttpError(400, 'multipart field "snapshot" is missing');
    load(collections, name, Buffer.from(await file.arrayBuffer()));
    return true;
  }
  if (rest === '/snapshots/recover' && method === 'PUT') {
    const snapshot = String(json.location).split('/').at(-1) ?? '';
    const data = [...collections.values()].find((c) => c.snapshots.has(snapshot))?.snapshots.get(snapshot);
    if (data === undefined) throw new HttpError(404, `snapshot ${snapshot} not found`);
    load(collections, name, data);
    return true;
  }
  const download = /^\/snapshots\/([^/]+)$/.exec(rest);
  if (download !== null && method === 'GET') {
    const data = collection(name).snapshots.get(decodeURIComponent(download[1]!));
    if (data === undefined) throw new HttpError(404, 'snapshot not found');
    return data;
  }
  throw new HttpError(404, `no snapshot route for ${method} ${rest}`);
}
