/**
 * MCP over stdio for `strata mcp`: one local client, acting as an admin (it runs with the
 * user's own file permissions), optionally pinned to one user with --user so tools need
 * no userId argument. Logs go to stderr; stdout belongs to the protocol.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { StrataMemory } from '../../engine/strata-memory.ts';
import type { Principal } from '../../server/auth.ts';
import { createMcpServer } from './server.ts';

export async function serveMcpStdio(
  memory: StrataMemory,
  options: { userId?: string } = {},
): Promise<() => Promise<void>> {
  const principal: Principal = options.userId
    ? { kind: 'user', keyName: 'stdio', userId: options.userId }
    : { kind: 'admin', keyName: 'stdio' };
  const server = createMcpServer(memory, { principal });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  return () => server.close();
}
