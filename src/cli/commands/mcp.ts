/**
 * `strata mcp [--user <id>]`: an MCP server over stdio (tools remember, recall, search,
 * forget, list, history) for desktop MCP clients. stdout carries the protocol, so logs go
 * to stderr; the process ends when the client closes stdin or on SIGTERM.
 */
import type { Command } from 'commander';
import { createLogger } from '../../util/logger.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('mcp')
    .description('Run an MCP server over stdio')
    .option('-u, --user <id>', 'act for this user only (tools then need no userId)')
    .action(async (flags: { user?: string }) => {
      const config = await ctx.loadConfig();
      const logger = createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, fd: 2 });
      const { createMemory } = await import('../../engine/engine.ts');
      const { serveMcpStdio } = await import('../../integrations/mcp/stdio.ts');
      const memory = createMemory(config, { logger });
      const close = await serveMcpStdio(memory, flags.user ? { userId: flags.user } : {});
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.stdin.once('end', done);
        process.stdin.once('close', done);
        process.once('SIGTERM', done);
        process.once('SIGINT', done);
      });
      await close();
      await memory.close();
    });
}
