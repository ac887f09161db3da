/**
 * `strata serve [--host] [--port]`: runs the HTTP server (REST, Open WebUI Pipelines,
 * OpenAI proxy, MCP over HTTP) until SIGTERM/SIGINT, then shuts down gracefully and exits
 * 0. Prints `strata listening on <url>` on stdout once bound, so scripts (and tests using
 * `--port 0`) can read the address.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { acquirePidLock, heldBy } from '../../server/pid-lock.ts';
import { createLogger } from '../../util/logger.ts';
import { parseInteger } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ServeFlags {
  host?: string;
  port?: number;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run the HTTP server (REST API, Open WebUI filters, OpenAI proxy, MCP)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--port <port>', 'port (0 picks a free one; default 8765)', parseInteger('--port', 0))
    .action(async (flags: ServeFlags) => {
      const loaded = await ctx.loadConfig();
      const config = {
        ...loaded,
        server: {
          ...loaded.server,
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.port !== undefined ? { port: flags.port } : {}),
        },
      };
      const holder = heldBy(config.dataDir);
      if (holder) {
        throw new ConfigError(
          `Another strata server (pid ${holder}) is using ${config.dataDir}; stop it or use --data-dir.`,
        );
      }
      const logger = createLogger({ level: config.log.level });
      const { createMemory } = await import('../../engine/engine.ts');
      const { startStrataServer } = await import('../../integrations/server.ts');
      const memory = createMemory(config, { logger });
      let server: Awaited<ReturnType<typeof startStrataServer>>;
      try {
        server = await startStrataServer({ memory, config, logger });
      } catch (error) {
        await memory.close();
        throw error;
      }
      const release = acquirePidLock(config.dataDir);
      process.stdout.write(`strata listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'signal received');
          server
            .close()
            .catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'))
            .finally(() => {
              release();
              resolve();
            });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
