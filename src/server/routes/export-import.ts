/**
 * NDJSON export (streamed straight from the engine, one memory per line) and import
 * (streamed too: server/import-body.ts checks each line as it arrives, the engine validates
 * every line before it writes anything, so a bad line anywhere means nothing is imported).
 * A bound key may only import lines that belong to its own user. At most
 * server.import.maxConcurrent imports run at once; one more gets 429 with Retry-After
 * before its body is read.
 */
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { RateLimitedError, ValidationError } from '../../errors.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';
import { ImportBody } from '../import-body.ts';

/** NDJSON imports may be this many times server.bodyLimitBytes (each line at most that). */
export const IMPORT_LIMIT_FACTOR = 64;
/** What a refused import is told to wait before it tries again. */
const IMPORT_RETRY_AFTER_SECONDS = 2;

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

  const slots = importSlots(deps);
  app.post('/v1/import', async (c) => {
    const principal = c.get('principal');
    const requested = c.req.query('userId');
    const userId = principal.kind === 'user' || requested ? actFor(c, deps, requested) : undefined;
    const limit = deps.config.server.bodyLimitBytes;
    const body = new ImportBody(c.req.raw.body, {
      maxBytes: limit * IMPORT_LIMIT_FACTOR,
      maxLineBytes: limit,
      owner: principal.kind === 'user' ? userId : undefined,
    });
    let release: (() => void) | undefined;
    try {
      release = slots.take();
      // Quotas: each import batch is admitted as it is written (server/quotas.ts).
      const result = await metrics.time('import', () =>
        memory.import(body.stream(), userId === undefined ? {} : { userId }),
      );
      if (body.lines === 0)
        throw new ValidationError('Import body is empty: send NDJSON, one memory per line.');
      return c.json(result);
    } catch (error) {
      // Refused (one import too many, or part way): the rest of the body is read and dropped
      // before the reply, or the connection closes after it, so neither the reply nor the
      // client's next request on it is lost to a reset.
      if (!(await body.discard())) c.header('connection', 'close');
      throw error;
    } finally {
      release?.();
    }
  });
}

/** Counts running imports against server.import.maxConcurrent; `take` refuses one more. */
function importSlots({ config, metrics }: ServerDeps): { take(): () => void } {
  const max = config.server.import.maxConcurrent;
  let running = 0;
  return {
    take() {
      if (running >= max) {
        throw new RateLimitedError(
          `${running} imports are running, the most at once (server.import.maxConcurrent = ${max}); retry after ${IMPORT_RETRY_AFTER_SECONDS}s.`,
          IMPORT_RETRY_AFTER_SECONDS,
          { details: { limit: 'server.import.maxConcurrent', maxConcurrent: max } },
        );
      }
      running++;
      metrics.importsInFlight.set(running);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running--;
        metrics.importsInFlight.set(running);
      };
    },
  };
}
