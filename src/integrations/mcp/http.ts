/**
 * Streamable HTTP transport at /mcp, stateless: each request gets a fresh server bound to
 * the caller's principal (authentication already ran in the app), so no session state can
 * leak between users and any instance behind a load balancer can answer.
 */

import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Hono } from 'hono';
import type { AppEnv, ServerDeps } from '../../server/context.ts';
import type { ServerIntegration } from '../../server/integration.ts';
import { assertJsonShape } from '../../util/json-shape.ts';
import { createMcpServer } from './server.ts';

/** MCP's Streamable HTTP transport as a server integration. */
export function mcpIntegration(): ServerIntegration {
  return { name: 'mcp', mount: ({ app, deps }) => registerMcpRoutes(app, deps) };
}

export function registerMcpRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.all('/mcp', async (c) => {
    if (c.req.method === 'POST') assertJsonShape(await c.req.raw.clone().text(), 'MCP request');
    const server = createMcpServer(deps.memory, {
      principal: c.get('principal'),
      onUser: (userId) => {
        deps.limiter.take('user', userId);
        c.set('userId', userId);
      },
    });
    // No sessionIdGenerator: stateless mode.
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      void server.close();
    }
  });
}
