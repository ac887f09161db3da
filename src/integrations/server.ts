/**
 * The composition root of the HTTP server: the server core (src/server) with every surface
 * mounted on it, in the order their routes must win: the inspector page (/ui), MCP, then the OpenAI-compatible proxy
 * (which owns /v1/models when an upstream is configured), then the Open WebUI Pipelines
 * protocol. `strata serve`, the test harness and the load bench all start the server here.
 */
import { type CreateAppOptions, createApp, type StrataApp } from '../server/app.ts';
import type { ServerIntegration } from '../server/integration.ts';
import { type RunningServer, type StartOptions, startServer } from '../server/start.ts';
import { inspectorIntegration } from './inspector/routes.ts';
import { mcpIntegration } from './mcp/http.ts';
import { openWebUiIntegration } from './open-webui/routes.ts';
import { openAiProxyIntegration } from './openai-proxy/routes.ts';

export interface SurfaceOptions {
  /** Upstream fetch for the OpenAI proxy (tests inject one). */
  fetch?: typeof fetch;
}

export function defaultIntegrations(options: SurfaceOptions = {}): ServerIntegration[] {
  return [
    inspectorIntegration(),
    mcpIntegration(),
    openAiProxyIntegration(options.fetch ? { fetch: options.fetch } : {}),
    openWebUiIntegration(),
  ];
}

export function createStrataApp(options: Omit<CreateAppOptions, 'integrations'> & SurfaceOptions): StrataApp {
  const { fetch: fetchImpl, ...rest } = options;
  return createApp({ ...rest, integrations: defaultIntegrations(fetchImpl ? { fetch: fetchImpl } : {}) });
}

export function startStrataServer(
  options: Omit<StartOptions, 'integrations'> & SurfaceOptions,
): Promise<RunningServer> {
  const { fetch: fetchImpl, ...rest } = options;
  return startServer({ ...rest, integrations: defaultIntegrations(fetchImpl ? { fetch: fetchImpl } : {}) });
}
