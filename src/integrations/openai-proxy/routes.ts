/**
 * The OpenAI-compatible proxy: POST /v1/chat/completions forwards to server.upstream with
 * the memory block injected into the system message, and observes the turn once the reply
 * is complete (for streams, after the last chunk, from the reassembled text), with the
 * assistant message before the last user message as bridge context (shared/message-ids.ts).
 * What is stored never holds a memory block: `<memory_context>` blocks a client sends back
 * or a model echoes are stripped from the user message and the replies (system messages are
 * never stored). A stream the client aborts (or the upstream breaks off) is stored as far
 * as it was passed on, its turn marked `partial: true` with `partialReason` in metadata.
 * Upstream errors pass through with their status and body. Memory never breaks a completion:
 * recall failures forward the request unchanged, storing failures go to the durable outbox.
 * The turn is durable before the reply is released: it is held in the outbox (one file per
 * reply) before a JSON reply is returned or a stream's `[DONE]` is passed on, and settled
 * once stored, so a `kill -9` after the client has its answer loses nothing (the outbox is
 * replayed at start). With a proxy configured, GET /v1/models lists the upstream's models.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError, UpstreamError, ValidationError } from '../../errors.ts';
import { type AppContext, type AppEnv, actFor, readJson, type ServerDeps } from '../../server/context.ts';
import type { ServerIntegration } from '../../server/integration.ts';
import type { TurnOutbox } from '../../server/turn-outbox.ts';
import { contentText } from '../../text/content.ts';
import type { TurnInput } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { inject } from '../shared/inject.ts';
import { isMediaRefusal, withUserMedia } from '../shared/media-turn.ts';
import { stripMemoryText } from '../shared/memory-block.ts';
import { idlessTurn } from '../shared/message-ids.ts';
import { withTimeout } from '../shared/timeout.ts';
import { type StreamEnd, tapChatStream } from './sse.ts';

/** A completion waits at most this long for memory, then goes on without it. */
const RECALL_TIMEOUT_MS = 5_000;

type Message = { role: string; content?: unknown; [key: string]: unknown };
/** Each message an object with a string role; content and other fields pass on as sent. */
const MessagesSchema = z.array(z.object({ role: z.string() }).passthrough());

/** The OpenAI-compatible proxy as a server integration; `fetch` reaches the upstream (tests inject one). */
export function openAiProxyIntegration(options: { fetch?: typeof fetch } = {}): ServerIntegration {
  return {
    name: 'openai-proxy',
    mount: ({ app, deps, outbox, track }) =>
      registerProxyRoutes(app, { deps, outbox, track, fetch: options.fetch ?? fetch }),
  };
}

export interface ProxyOptions {
  deps: ServerDeps;
  fetch: typeof fetch;
  outbox: TurnOutbox;
  /** Tracks background observations so shutdown can wait for them. */
  track(work: Promise<unknown>): void;
}

export function registerProxyRoutes(app: Hono<AppEnv>, options: ProxyOptions): void {
  const { deps } = options;
  const upstream = deps.config.server.upstream;
  const base = upstream?.baseUrl.replace(/\/+$/, '');
  const headers = (): Record<string, string> => ({
    'content-type': 'application/json',
    ...(upstream?.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}),
  });
  const call = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await options.fetch(`${base}${path}`, init);
    } catch (error) {
      throw new UpstreamError(`Upstream ${base} is unreachable: ${(error as Error).message}`, 502, {
        cause: error,
      });
    }
  };

  if (upstream) {
    app.get('/v1/models', async () => passThrough(await call('/models', { headers: headers() })));
  }

  app.post('/v1/chat/completions', async (c) => {
    if (!base) {
      throw new NotFoundError(
        'The OpenAI-compatible proxy is off: set server.upstream.baseUrl to enable it.',
      );
    }
    const raw = await readJson(c);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ValidationError('Request body must be a JSON object with model and messages.');
    }
    const body = raw as Record<string, unknown>;
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      throw new ValidationError('messages: must be a non-empty array of {role, content}.');
    }
    // Only the envelope is checked; the upstream judges the rest, as an OpenAI server would.
    const messages: Message[] = parseWith(MessagesSchema, body.messages, 'request', 'messages');
    const userId = proxyUser(c, deps, body);
    const chatId = c.req.header('x-strata-chat-id') ?? 'openai-proxy';
    const recalled = userId ? await recallInto(deps, userId, chatId, messages) : { messages, ids: [] };
    const forwarded = { ...body, messages: recalled.messages };
    const response = await call('/chat/completions', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(forwarded),
    });
    if (!response.ok || !response.body) return passThrough(response);
    const model = typeof body.model === 'string' ? body.model : undefined;
    const turnOf = (reply: string, end: StreamEnd): TurnInput | undefined => {
      const metadata = {
        source: 'openai-proxy',
        ...(model ? { model } : {}),
        ...(end.partial ? { partial: true, partialReason: end.reason } : {}),
      };
      const text = (m: Message) => stripMemoryText(contentText(m.content));
      const idless = userId
        ? idlessTurn(userId, chatId, messages, text, stripMemoryText(reply), metadata)
        : undefined;
      // The memories injected for this reply travel with it (implicit feedback, if configured).
      return idless && recalled.ids.length ? { ...idless, recalled: recalled.ids } : idless;
    };
    const lastUser = messages.findLast((m) => m.role === 'user');
    /** The turn with the user's images and recordings; its text-only form stays the fallback. */
    const mediaTurnOf = (turn: TurnInput) => withUserMedia(turn, lastUser?.content) ?? turn;
    // One outbox entry per proxied reply: held before the reply is released, settled once stored.
    const key = `${userId}\u0000${chatId}\u0000${deps.clock.now().getTime()}\u0000${randomUUID()}`;
    let held = false;
    const hold = (reply: string) => {
      const text = turnOf(reply, { partial: false });
      if (!text) return;
      const turn = mediaTurnOf(text);
      try {
        options.outbox.hold(key, turn);
        held = true;
      } catch (error) {
        deps.logger.error({ err: error, userId }, 'proxy: could not persist the turn before the reply');
      }
    };
    const observe = (reply: string, end: StreamEnd = { partial: false }) => {
      if (end.partial) {
        deps.logger.warn(
          { userId, reason: end.reason },
          'proxy: stream ended early; storing the partial reply',
        );
      }
      const textTurn = turnOf(reply, end);
      if (!textTurn) return;
      let turn = mediaTurnOf(textTurn);
      const store = async () => {
        try {
          await deps.metrics.time('observe', () => deps.memory.observeTurn(turn));
        } catch (error) {
          if (turn === textTurn || !isMediaRefusal(error)) throw error;
          // A refused image does not lose the words around it: the text turn is stored instead.
          deps.logger.warn({ err: error, userId }, 'proxy: media refused; turn stored without it');
          deps.metrics.degraded.inc({ surface: 'openai-proxy', reason: errorCode(error) });
          turn = textTurn;
          await deps.metrics.time('observe', () => deps.memory.observeTurn(turn));
        }
      };
      options.track(
        store()
          .then(() => {
            if (held) options.outbox.settle(key);
          })
          .catch((error: unknown) => {
            // Retryable failures are queued; a turn refused for good (quota) is dead-lettered.
            const kept = options.outbox.keep(key, turn, error);
            deps.logger.warn(
              { err: error, userId },
              kept === 'queued'
                ? 'proxy: storing the turn failed; queued for retry'
                : 'proxy: turn refused; kept in outbox/dead',
            );
            const reason = kept === 'queued' ? 'observe_failed' : errorCode(error);
            deps.metrics.degraded.inc({ surface: 'openai-proxy', reason });
          }),
      );
    };
    if (body.stream === true) {
      const tapped = tapChatStream(response.body, observe, hold);
      return new Response(tapped, { status: response.status, headers: copyHeaders(response) });
    }
    const text = await response.text();
    try {
      const json = JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> };
      const reply = contentText(json.choices?.[0]?.message?.content);
      hold(reply);
      observe(reply);
    } catch {
      deps.logger.warn('proxy: upstream reply was not JSON; turn not stored');
    }
    return new Response(text, { status: response.status, headers: copyHeaders(response) });
  });
}

/** The user from a bound key, the `user` field or X-Strata-User; undefined means no memory. */
function proxyUser(c: AppContext, deps: ServerDeps, body: Record<string, unknown>): string | undefined {
  const fromBody = typeof body.user === 'string' && body.user ? body.user : undefined;
  const requested = c.req.header('x-strata-user') ?? fromBody;
  if (c.get('principal').kind !== 'user' && !requested) return undefined;
  return actFor(c, deps, requested);
}

async function recallInto(
  deps: ServerDeps,
  userId: string,
  chatId: string,
  messages: Message[],
): Promise<{ messages: Message[]; ids: string[] }> {
  const forRecall = messages
    .filter((m) => ['user', 'assistant', 'system', 'tool'].includes(m.role))
    .map((m) => ({ role: m.role as 'user', content: contentText(m.content) }))
    .filter((m) => m.content.trim() !== '');
  if (!forRecall.some((m) => m.role === 'user')) return { messages, ids: [] };
  try {
    const result = await withTimeout(
      deps.metrics.time('recall', () => deps.memory.recall({ userId, chatId, messages: forRecall })),
      RECALL_TIMEOUT_MS,
      'recall',
    );
    if (!result.context.trim()) return { messages, ids: [] };
    return { messages: inject(messages, result.context), ids: result.contextIds ?? [] };
  } catch (error) {
    deps.logger.warn({ err: error, userId }, 'proxy: recall failed; forwarding without memory');
    deps.metrics.degraded.inc({ surface: 'openai-proxy', reason: 'recall_failed' });
    return { messages, ids: [] };
  }
}

function copyHeaders(response: Response): Headers {
  const out = new Headers();
  for (const name of ['content-type', 'cache-control', 'x-request-id', 'openai-processing-ms']) {
    const value = response.headers.get(name);
    if (value) out.set(name, value);
  }
  return out;
}

async function passThrough(response: Response): Promise<Response> {
  const text = await response.text();
  return new Response(text, { status: response.status, headers: copyHeaders(response) });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal_error';
}
