/**
 * NDJSON export (streamed straight from the engine, one memory per line) and import
 * (validated all-or-nothing by the engine). A bound key may only import lines that belong
 * to its own user; that is checked line by line here before the engine sees anything.
 */
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { assertJsonShape } from '../../util/json-shape.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

export function registerExportImportRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;

  app.get('/v1/export', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const includeHistory = c.req.query('includeHistory') !== 'false';
    const includeMedia = c.req.query('includeMedia') !== 'false';
    const end = metrics.operationDuration.startTimer({ operation: 'export' });
    const stream = memory.export(userId, { includeHistory, includeMedia });
    stream.once('close', () => end());
    const web = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    return c.body(web, 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="strata-export.ndjson"`,
    });
  });

  app.post('/v1/import', async (c) => {
    const principal = c.get('principal');
    const requested = c.req.query('userId');
    const text = await c.req.text();
    text.split('\n').forEach((line, i) => {
      assertJsonShape(line, `Import line ${i + 1}`);
    });
    if (text.trim() === '')
      throw new ValidationError('Import body is empty: send NDJSON, one memory per line.');
    if (principal.kind === 'user') {
      const userId = actFor(c, deps, requested);
      assertLinesBelongTo(text, userId);
      // Quotas: each import batch is admitted as it is written (server/quotas.ts).
      const result = await metrics.time('import', () => memory.import(text, { userId }));
      return c.json(result);
    }
    const options = requested ? { userId: actFor(c, deps, requested) } : {};
    const result = await metrics.time('import', () => memory.import(text, options));
    return c.json(result);
  });
}

/** Refuses (403) any line whose userId is not the bound user; malformed lines are left to the engine. */
export function assertLinesBelongTo(ndjson: string, userId: string): void {
  const lines = ndjson.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]?.trim();
    if (!line) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ValidationError(`Import line ${index + 1} is not valid JSON.`);
    }
    const record = parsed as { userId?: unknown; memory?: { userId?: unknown } } | null;
    const owner = record?.userId ?? record?.memory?.userId;
    if (owner !== undefined && owner !== userId) {
      throw new ForbiddenError(
        `Import line ${index + 1} belongs to another user; this key may import only its own.`,
      );
    }
  }
}
