/**
 * A recording fake of the Qdrant REST API on a real socket (node:http, port 0) for tests:
 * it answers the calls QdrantStore makes (collections, payload indexes, upsert, scroll,
 * query, count, delete, batch, facet, snapshots) from an in-memory state with Qdrant's
 * response envelope, records every request, validates each one against the vendored
 * OpenAPI schema, and can inject failures (e.g. 503 while "starting") to test retries.
 * It is a test double for the wire contract, not a vector database.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesFilter } from './fake-filter.ts';
import { type FakeCollection, HttpError, type RecordedRequest } from './fake-model.ts';
import { handlePoints } from './fake-points.ts';
import { snapshotRoute } from './fake-snapshots.ts';
import type { OpenApiValidator } from './openapi-validator.ts';

type Json = Record<string, unknown>;

export interface FakeQdrantOptions {
  validator?: OpenApiValidator;
  /** Answer 422 to a request that fails schema validation (default true). */
  rejectInvalid?: boolean;
}

export class FakeQdrant {
  readonly collections = new Map<string, FakeCollection>();
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  private failures: number[] = [];
  private readonly options: FakeQdrantOptions;

  constructor(options: FakeQdrantOptions = {}) {
    this.options = options;
  }

  /** Listens on 127.0.0.1; port 0 picks a free port. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('fake qdrant is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `count` requests get `status` (a Qdrant that is starting answers 503). */
  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  /** Lets `pass` requests through, then fails `count` with `status` (a crash mid-way). */
  passThenFail(pass: number, status: number, count = 1): void {
    for (let i = 0; i < pass; i++) this.failures.push(0);
    this.failNext(count, status);
  }

  collection(name: string): FakeCollection {
    const collection = this.collections.get(name);
    if (collection === undefined) throw new HttpError(404, `Collection \`${name}\` doesn't exist!`);
    return collection;
  }

  /** Requests whose schema validation failed. */
  invalid(): RecordedRequest[] {
    return this.requests.filter((request) => request.errors.length > 0);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const contentType = req.headers['content-type'];
    const isJson = contentType?.startsWith('application/json') === true;
    const body: unknown = isJson && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    const method = req.method ?? 'GET';
    const validation = this.options.validator?.validate(method, req.url ?? '/', contentType, body) ?? {
      operationId: null,
      errors: [],
    };
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType,
      body,
      operationId: validation.operationId,
      errors: validation.errors,
      socket: req.socket.remotePort,
    });
    const started = process.hrtime.bigint();
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      const time = Number(process.hrtime.bigint() - started) / 1e9;
      if (Buffer.isBuffer(payload)) {
        res.writeHead(status, { 'content-type': 'application/octet-stream', ...headers }).end(payload);
        return;
      }
      const envelope =
        status < 300 ? { result: payload, status: 'ok', time } : { status: { error: payload }, time };
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(envelope));
    };
    const failure = this.failures.shift();
    if (failure !== undefined && failure !== 0) return send(failure, `Injected failure (HTTP ${failure})`);
    if (validation.errors.length > 0 && this.options.rejectInvalid !== false) {
      return send(422, `Request does not match the OpenAPI schema: ${validation.errors.join('; ')}`);
    }
    try {
      const result = await this.route(method, url, body, raw, contentType);
      send(200, result);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      send(typeof status === 'number' ? status : 500, (error as Error).message);
    }
  }

  private async route(method: string, url: URL, body: unknown, raw: Buffer, contentType?: string) {
    const path = url.pathname;
    const json = (body ?? {}) as Json;
    if (method === 'GET' && path === '/collections') {
      return { collections: [...this.collections.keys()].map((name) => ({ name })) };
    }
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (match === null) throw new HttpError(404, `no route for ${method} ${path}`);
    const name = decodeURIComponent(match[1]!);
    const rest = match[2] ?? '';
    if (rest === '/exists' && method === 'GET') return { exists: this.collections.has(name) };
    if (rest === '') return this.collectionRoute(method, name, json);
    if (rest === '/index' && method === 'PUT') {
      this.collection(name).indexes.set(String(json.field_name), json.field_schema);
      return { operation_id: 0, status: 'completed' };
    }
    if (rest.startsWith('/snapshots')) {
      return snapshotRoute(this.collections, (n) => this.collection(n), {
        method,
        name,
        rest,
        json,
        raw,
        contentType,
      });
    }
    if (rest === '/facet' && method === 'POST') return this.facet(name, json);
    return handlePoints(this.collection(name), method, rest, json);
  }

  private collectionRoute(method: string, name: string, json: Json) {
    if (method === 'PUT') {
      if (this.collections.has(name)) throw new HttpError(409, `Collection \`${name}\` already exists!`);
      this.collections.set(name, {
        config: json,
        indexes: new Map(),
        points: new Map(),
        snapshots: new Map(),
      });
      return true;
    }
    if (method === 'DELETE') return this.collections.delete(name);
    if (method === 'GET') {
      const collection = this.collection(name);
      return { status: 'green', points_count: collection.points.size, config: { params: collection.config } };
    }
    throw new HttpError(405, `${method} not supported`);
  }

  private facet(name: string, json: Json) {
    const counts = new Map<unknown, number>();
    for (const point of this.collection(name).points.values()) {
      if (!matchesFilter(point, json.filter as Json | undefined)) continue;
      const value = point.payload[String(json.key)];
      if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const hits = [...counts.entries()]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
    return { hits: hits.slice(0, Number(json.limit ?? 10)) };
  }
}
