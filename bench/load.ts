/**
 * HTTP load run against loopback: an in-process Strata server (the embedded default:
 * SQLite in a temp dir + the offline static embedder, unless --store/--embedder say
 * otherwise) with one user-bound API key per user, driven by autocannon with 50
 * connections = 50 concurrent users, each alternating observe (POST /v1/turns) and recall
 * (POST /v1/recall). Bounded by --amount requests and --duration seconds, whichever comes
 * first. Reports throughput, client-side latency (autocannon) and exact server-side
 * p50/p95 per operation (timed around the app's fetch handler), and every non-2xx status.
 * A warm-up round (two requests per user) runs first and is not measured.
 *
 *   npx tsx bench/load.ts [--users 50] [--amount 3000] [--duration 60] [--store sqlite|memory]
 *     [--embedder static|hash] [--surface rest|owui]   (owui: Open WebUI outlet + inlet instead)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { ConfigSchema } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import { createStrataApp } from '../src/integrations/server.ts';
import { silentLogger } from '../src/util/logger.ts';
import { sentenceGenerator } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50' },
    amount: { type: 'string', default: '3000' },
    duration: { type: 'string', default: '60' },
    store: { type: 'string', default: 'sqlite' },
    embedder: { type: 'string', default: 'static' },
    surface: { type: 'string', default: 'rest' },
  },
});
const users = Number(values.users);
const amount = Number(values.amount);
const duration = Number(values.duration);
/** rest: POST /v1/turns + /v1/recall; owui: the Open WebUI outlet + inlet filter calls. */
const owui = values.surface === 'owui';

const TOPICS = [
  'hiking in the Alps',
  'my sister Ana',
  'learning Rust',
  'a trip to Kyoto',
  'my cat Miso',
  'marathon training',
  'the new job at the bank',
  'gluten-free baking',
];
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-load-'));
  const keys = Array.from({ length: users }, (_, i) => ({
    key: `load-key-${i}-0123456789`,
    userId: `user-${i}`,
  }));
  const config = ConfigSchema.parse({
    dataDir,
    store: values.store === 'memory' ? { kind: 'memory' } : { kind: 'sqlite' },
    embedder: { kind: values.embedder },
    server: {
      port: 0,
      apiKeys: keys,
      rateLimit: { perKeyPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
    },
  });
  const memory = createMemory(config);
  await memory.ready();
  const strata = createStrataApp({ memory, config, logger: silentLogger });
  const timings = new Map<string, number[]>();
  const statuses = new Map<string, number>();
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request: Request, env: unknown) => {
      const started = performance.now();
      const response = await strata.app.fetch(request, env as never);
      const op = new URL(request.url).pathname;
      const list = timings.get(op) ?? [];
      list.push(performance.now() - started);
      timings.set(op, list);
      if (response.status >= 300)
        statuses.set(`${op} ${response.status}`, (statuses.get(`${op} ${response.status}`) ?? 0) + 1);
      return response;
    },
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };

  // Varied, realistic sentences so dedupe does not collapse the load into a few memories.
  const sentences = sentenceGenerator(7);
  const headersFor = (index: number) => ({
    authorization: `Bearer ${keys[index]!.key}`,
    'content-type': 'application/json',
  });
  let nextUser = 0;
  // autocannon resets `context` each time a connection starts the request list again, so
  // it only pairs one observe with the recall after it; ids come from a global sequence.
  let sequence = 0;
  const userOf = (context: Record<string, unknown>) => {
    context.user ??= nextUser++ % users;
    return { index: context.user as number, turn: ++sequence };
  };
  const run = (total: number, seconds: number) =>
    autocannon(<Parameters<typeof autocannon>[0]>{
      url: `http://127.0.0.1:${port}`,
      connections: users,
      // `amount` would make autocannon ignore `duration`; this caps both count and time.
      maxOverallRequests: total,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: owui ? '/strata/filter/outlet' : '/v1/turns',
          setupRequest: (request, context) => {
            const { index, turn } = userOf(context);
            const topic = TOPICS[(index + turn) % TOPICS.length];
            const messages = [
              { role: 'user', content: `${sentences.next()} Also, I keep thinking about ${topic}.` },
              { role: 'assistant', content: `Tell me more about ${topic}.` },
            ];
            const body = owui
              ? {
                  user: { id: keys[index]!.userId, name: `User ${index}`, role: 'user' },
                  body: {
                    model: 'llama3.1:8b',
                    chat_id: `chat-${index}`,
                    session_id: 's',
                    id: `m-${index}-${turn}-a`,
                    messages: messages.map((m, i) => ({
                      ...m,
                      id: `m-${index}-${turn}-${i}`,
                      timestamp: 1764061100 + turn,
                    })),
                  },
                }
              : { chatId: `chat-${index}`, messages };
            return { ...request, headers: headersFor(index), body: JSON.stringify(body) };
          },
        },
        {
          method: 'POST',
          path: owui ? '/strata/filter/inlet' : '/v1/recall',
          setupRequest: (request, context) => {
            const { index, turn } = userOf(context);
            const topic = TOPICS[(index * 3 + turn) % TOPICS.length];
            const messages = [
              { role: 'system', content: 'You are a helpful assistant.' },
              { role: 'user', content: `What do you remember about ${topic}?` },
            ];
            const body = owui
              ? {
                  user: { id: keys[index]!.userId, name: `User ${index}`, role: 'user' },
                  body: {
                    model: 'llama3.1:8b',
                    stream: true,
                    messages,
                    metadata: { chat_id: `chat-${index}` },
                  },
                }
              : { messages };
            return { ...request, headers: headersFor(index), body: JSON.stringify(body) };
          },
        },
      ],
    });
  // Warm-up (not measured): every user's first observe and recall, embedder and caches warm.
  await run(users * 2, duration);
  timings.clear();
  statuses.clear();
  const result = await run(amount, duration);

  const serverSide = Object.fromEntries(
    [...timings].map(([op, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return [
        op,
        {
          count: sorted.length,
          p50Ms: +percentile(sorted, 50).toFixed(2),
          p95Ms: +percentile(sorted, 95).toFixed(2),
        },
      ];
    }),
  );
  const stats = await memory.stats();
  const report = {
    setup: {
      users,
      connections: users,
      amount,
      durationCapS: duration,
      store: values.store,
      embedder: values.embedder,
      surface: values.surface,
    },
    requests: result.requests.total,
    durationS: result.duration,
    throughputRps: +(result.requests.total / result.duration).toFixed(1),
    clientLatencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    serverLatencyByRoute: serverSide,
    errors: {
      socket: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      byStatus: Object.fromEntries(statuses),
    },
    memoriesStored: stats.memories,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await new Promise((resolve) => server.close(resolve));
  await strata.drain();
  await memory.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
