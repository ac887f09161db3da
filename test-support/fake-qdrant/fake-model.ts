/**
 * What the fake Qdrant's parts share: a collection's state, a recorded request and the
 * HTTP error a route throws. Kept apart from fake-qdrant.ts so the route modules it
 * imports (points, snapshots) and the tenant check need not import the server back.
 */
import type { FakePoint } from './fake-filter.ts';

type Json = Record<string, unknown>;

export interface FakeCollection {
  config: Json;
  indexes: Map<string, unknown>;
  points: Map<string, FakePoint>;
  snapshots: Map<string, Buffer>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  operationId: string | null;
  errors: string[];
  /** Client socket port: distinct values = distinct TCP connections (keep-alive check). */
  socket: number | undefined;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
