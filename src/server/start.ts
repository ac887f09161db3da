/**
 * Starts the HTTP server on @hono/node-server and owns its lifecycle: refuses to expose an
 * unauthenticated server beyond loopback, warms the engine, schedules backups and the
 * background sync with peers (server/sync/sync-loop.ts), and shuts
 * down gracefully (stop accepting, let in-flight requests finish within
 * server.shutdownTimeoutMs, drain background turn writes, close the engine so its queues
 * flush). Returns the bound URL, so `--port 0` works for tests.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../util/logger.ts';
import { type CreateAppOptions, createApp, type StrataApp } from './app.ts';
import { isLoopbackHost } from './auth.ts';
import { scheduleBackups } from './backups.ts';
import { scheduleSync } from './sync/sync-loop.ts';

export interface StartOptions extends Omit<CreateAppOptions, 'config' | 'memory' | 'logger'> {
  memory: StrataMemory;
  config: StrataConfig;
  logger: Logger;
  /** Close the engine on close() (default true). */
  closeMemory?: boolean;
}

export interface RunningServer {
  url: string;
  strata: StrataApp;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, memory, logger } = options;
  const { host, port } = config.server;
  if (config.server.apiKeys.length === 0) {
    if (!isLoopbackHost(host)) {
      throw new ConfigError(
        `Refusing to listen on ${host} without API keys: anyone on the network could read every memory. Add server.apiKeys (or STRATA_API_KEYS) or bind to 127.0.0.1.`,
      );
    }
    logger.warn(
      'No API keys configured (server.apiKeys): the server is open to local processes and listens on loopback only.',
    );
  }
  const tls = readTls(config.server.tls);
  const strata = createApp(options);
  memory.ready().catch((error: unknown) => logger.error({ err: error }, 'engine failed to become ready'));

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: strata.app.fetch,
        port,
        hostname: host,
        ...(tls ? { createServer: createHttpsServer } : {}),
        serverOptions: {
          ...tls,
          headersTimeout: config.server.headersTimeoutMs,
          requestTimeout: Math.max(config.server.requestTimeoutMs, config.server.headersTimeoutMs),
          // How often Node checks those timeouts (its default, 30 s, would let them run long).
          connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.server.headersTimeoutMs / 2)),
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  // What Node answers itself (headers too large, a request too slow, bytes that are not
  // HTTP) gets the JSON envelope too, then the connection closes.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket),
  );
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`;

  const backups = scheduleBackups({
    memory,
    dir: config.server.backups.dir ?? join(config.dataDir, 'backups'),
    intervalMinutes: config.server.backups.intervalMinutes,
    retain: config.server.backups.retain,
    logger,
  });

  const sync = scheduleSync({
    log: memory.changeLog,
    config,
    logger,
    rounds: strata.deps.syncRounds,
    clock: strata.deps.clock,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down: no new connections, finishing in-flight requests');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const closer = server as unknown as {
        closeIdleConnections?: () => void;
        closeAllConnections?: () => void;
      };
      // Connections that finish their last request become idle; close them as they do.
      closer.closeIdleConnections?.();
      const sweeper = setInterval(() => closer.closeIdleConnections?.(), 50);
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), config.server.shutdownTimeoutMs).unref(),
      );
      if ((await Promise.race([stopped, timeout])) === 'timeout') {
        logger.warn('shutdown timeout reached; closing remaining connections');
        closer.closeAllConnections?.();
      }
      clearInterval(sweeper);
      await backups.stop();
      await sync.stop();
      await strata.drain();
      if (options.closeMemory !== false) await memory.close();
      logger.info('shutdown complete');
    })();
    return closing;
  };
  logger.info({ url }, 'strata server listening');
  return { url, strata, close };
}

/** The PEM certificate and key of server.tls, read once; a ConfigError naming the file that cannot be read. */
function readTls(tls: StrataConfig['server']['tls']): { cert: Buffer; key: Buffer } | undefined {
  if (!tls) return undefined;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(
        `server.tls.${what}: cannot read ${path} (${(error as Error).message}); give the path of a PEM file.`,
        { cause: error },
      );
    }
  };
  return { cert: read(tls.certFile, 'certFile'), key: read(tls.keyFile, 'keyFile') };
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'payload_too_large',
    'The request line or headers are too large (about 16 KB at most); send fewer or shorter headers.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'The request was not received in time (server.requestTimeoutMs / server.headersTimeoutMs); send it faster or raise the limits.',
  ],
};

/** A raw HTTP reply with the JSON error envelope for errors Node catches before Hono sees them. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'validation_error',
    'The request is not valid HTTP/1.1.',
  ];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
