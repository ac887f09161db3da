/**
 * How a surface mounts on the HTTP server without the server knowing it: the server core
 * builds the app (middleware, auth, limits, REST routes) and hands each integration this host
 * to register its routes on. Integrations depend on the server; the server never imports one.
 * The composition root that picks the integrations lives above both (src/integrations/server.ts).
 */
import type { Hono } from 'hono';
import type { AppEnv, ServerDeps } from './context.ts';
import type { TurnOutbox } from './turn-outbox.ts';

export interface IntegrationHost {
  app: Hono<AppEnv>;
  deps: ServerDeps;
  /** Durable retry queue for turns a surface could not store right away. */
  outbox: TurnOutbox;
  /** Tracks background work so shutdown waits for it. */
  track(work: Promise<unknown>): void;
}

export interface ServerIntegration {
  /** Short name for logs and errors ("mcp", "openai-proxy", "open-webui"). */
  name: string;
  /**
   * Paths whose per-key rate limit must degrade instead of answering 429 (the request goes
   * on with `rateLimited` set): an Open WebUI filter that fails would stop the user's chat.
   */
  degradesWhenRateLimited?(path: string): boolean;
  /**
   * Paths answered without an API key (the inspector's page and its static assets): they
   * must hold no user data, since anyone who can reach the server may fetch them.
   */
  isPublicPath?(path: string): boolean;
  /** Registers the integration's routes. Called once, in the order integrations are given. */
  mount(host: IntegrationHost): void;
}
