/**
 * The MCP server: tools remember, recall, search, forget, list, history and feedback over one
 * engine, with zod input schemas (the SDK turns them into the tools' JSON Schemas). The
 * same factory serves stdio and streamable HTTP; the caller's principal decides the user
 * exactly as on the REST routes (a bound key acts only for itself), and failures come back
 * as tool errors with the MemoryError code and message instead of crashing the session.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { StrataMemory } from '../../engine/strata-memory.ts';
import { toMemoryError } from '../../errors.ts';
import { type Principal, resolveUserId } from '../../server/auth.ts';
import { FEEDBACK_RATINGS, LayerSchema, MemoryInputSchema, SEARCH_MODES } from '../../types.ts';
import { toValidationError } from '../../validation.ts';

export interface McpServerOptions {
  principal: Principal;
  /** Hook for rate limits (throws to refuse). */
  onUser?: (userId: string) => void;
  /** Hook for quotas before a write (throws to refuse). */
  beforeWrite?: (userId: string, bytes: number) => Promise<void>;
  version?: string;
}

const userIdField = z
  .string()
  .optional()
  .describe('User the memory belongs to (required with an admin key; implied by a user-bound key)');

/** Each tool's argument shape (the SDK makes the tools' JSON Schemas of them; route fuzzing draws from them). */
export const MCP_TOOL_INPUTS = {
  remember: {
    userId: userIdField,
    content: z.string().min(1).describe('What to remember, in plain text'),
    layer: LayerSchema.optional().describe('Memory layer (default semantic)'),
    importance: z.number().min(0).max(1).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  },
  recall: {
    userId: userIdField,
    query: z.string().min(1).describe('The current user message or question'),
    chatId: z.string().optional(),
    maxTokens: z.number().int().min(16).max(32_000).optional(),
  },
  search: {
    userId: userIdField,
    query: z.string().min(1),
    k: z.number().int().min(1).max(100).optional(),
    layers: z.array(LayerSchema).optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    mode: z.enum(SEARCH_MODES).optional(),
  },
  forget: { userId: userIdField, id: z.string().min(1).max(128) },
  list: {
    userId: userIdField,
    layer: LayerSchema.optional(),
    limit: z.number().int().min(1).max(200).optional(),
    cursor: z.string().optional(),
  },
  history: { userId: userIdField, id: z.string().min(1).max(128) },
  feedback: {
    userId: userIdField,
    memoryIds: z.array(z.string().min(1).max(128)).min(1).max(200).describe('Ids from recall or search'),
    rating: z.enum(FEEDBACK_RATINGS),
    messageId: z.string().optional().describe('The assistant message the memories were recalled for'),
    chatId: z.string().optional(),
  },
};

const ok = (value: unknown, text?: string): CallToolResult => ({
  content: [{ type: 'text', text: text ?? JSON.stringify(value, null, 2) }],
  structuredContent: { result: value as Record<string, unknown> },
});

const fail = (error: unknown): CallToolResult => {
  const err = error instanceof z.ZodError ? toValidationError(error, 'tool arguments') : toMemoryError(error);
  const message =
    err.code === 'internal_error' ? 'Internal error; the server logged the cause.' : err.message;
  return { isError: true, content: [{ type: 'text', text: `${err.code}: ${message}` }] };
};

/** What each tool's handler needs: the engine, the acting user and the error wrapper. */
interface ToolContext {
  server: McpServer;
  memory: StrataMemory;
  options: McpServerOptions;
  user(requested: string | undefined): string;
}

const run = async (fn: () => Promise<CallToolResult>): Promise<CallToolResult> => {
  try {
    return await fn();
  } catch (error) {
    return fail(error);
  }
};

export function createMcpServer(memory: StrataMemory, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'strata', version: options.version ?? '0.1.0' });
  const tools: ToolContext = {
    server,
    memory,
    options,
    user(requested) {
      const userId = resolveUserId(options.principal, requested);
      options.onUser?.(userId);
      return userId;
    },
  };
  registerRemember(tools);
  registerRecall(tools);
  registerSearch(tools);
  registerForget(tools);
  registerList(tools);
  registerHistory(tools);
  registerFeedback(tools);
  return server;
}

function registerRemember({ server, memory, options, user }: ToolContext): void {
  server.registerTool(
    'remember',
    {
      description: 'Store a memory about the user (a fact, preference or event).',
      inputSchema: MCP_TOOL_INPUTS.remember,
    },
    (args) =>
      run(async () => {
        const userId = user(args.userId);
        const input = MemoryInputSchema.parse({ ...args, userId });
        await options.beforeWrite?.(userId, Buffer.byteLength(input.content));
        return ok(await memory.add(input));
      }),
  );
}

function registerRecall({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'recall',
    {
      description: 'Recall what Strata knows that is relevant to a message, as a framed context block.',
      inputSchema: MCP_TOOL_INPUTS.recall,
    },
    (args) =>
      run(async () => {
        const userId = user(args.userId);
        const result = await memory.recall({
          userId,
          messages: [{ role: 'user', content: args.query }],
          ...(args.chatId ? { chatId: args.chatId } : {}),
          ...(args.maxTokens ? { maxTokens: args.maxTokens } : {}),
        });
        const memories = result.memories.map(({ memory: m, score }) => ({ id: m.id, layer: m.layer, score }));
        return {
          ...ok({ context: result.context, memories }),
          content: [{ type: 'text', text: result.context }],
        };
      }),
  );
}

function registerSearch({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'search',
    {
      description: 'Search memories (boolean operators, quotes, fuzzy; since/until filters).',
      inputSchema: MCP_TOOL_INPUTS.search,
    },
    (args) =>
      run(async () => {
        const { userId: requested, ...rest } = args;
        const results = await memory.search({ ...stripUndefined(rest), userId: user(requested) });
        return ok({ results: results.map(({ memory: m, score }) => ({ memory: m, score })) });
      }),
  );
}

function registerForget({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'forget',
    {
      description: 'Delete one memory by id.',
      inputSchema: MCP_TOOL_INPUTS.forget,
    },
    (args) =>
      run(async () => {
        await memory.delete(user(args.userId), args.id);
        return ok({ deleted: true, id: args.id });
      }),
  );
}

function registerList({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'list',
    {
      description: "List the user's memories, newest first, with cursor pagination.",
      inputSchema: MCP_TOOL_INPUTS.list,
    },
    (args) =>
      run(async () => {
        const { userId: requested, ...rest } = args;
        return ok(await memory.list({ ...stripUndefined(rest), userId: user(requested) }));
      }),
  );
}

function registerHistory({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'history',
    {
      description: 'Version history of one memory.',
      inputSchema: MCP_TOOL_INPUTS.history,
    },
    (args) => run(async () => ok({ versions: await memory.history(user(args.userId), args.id) })),
  );
}

function registerFeedback({ server, memory, user }: ToolContext): void {
  server.registerTool(
    'feedback',
    {
      description:
        'Rate memories that recall returned: useful (reinforced), not_useful, or wrong (demoted at once and left out of later context).',
      inputSchema: MCP_TOOL_INPUTS.feedback,
    },
    (args) =>
      run(async () => {
        const { userId: requested, ...rest } = args;
        const result = await memory.feedback({ ...stripUndefined(rest), userId: user(requested) });
        return ok({
          rated: result.memories.map((m) => m.id),
          repeated: result.repeated,
          weights: result.weights,
        });
      }),
  );
}

function stripUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
