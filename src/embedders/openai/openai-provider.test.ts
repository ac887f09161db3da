import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbedderConfigSchema } from '../../config/schema.ts';
import { ConfigError, EmbedderError, UpstreamError } from '../../errors.ts';
import { createEmbedder } from '../create-embedder.ts';
import { OpenAiEmbeddingProvider } from './openai-provider.ts';

interface Seen {
  auth: string | undefined;
  body: { model: string; input: string[] };
}
type Handler = (seen: Seen, res: ServerResponse, call: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A fake /v1/embeddings server on a real socket; vectors encode [text length, 1, 0]. */
async function fakeServer(handler?: Handler): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const entry = { auth: req.headers.authorization, body: JSON.parse(raw) as Seen['body'] };
      seen.push(entry);
      if (req.url !== '/v1/embeddings') {
        res.writeHead(404).end('not found');
        return;
      }
      if (handler) return handler(entry, res, seen.length);
      ok(res, entry.body.input);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

function ok(res: ServerResponse, input: string[], reverse = false): void {
  const data = input.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, 1, 0] }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data: reverse ? data.reverse() : data, model: 'fake' }));
}

const fastRetry = { minDelayMs: 1, maxDelayMs: 2 };

describe('openai-compatible embedder', () => {
  it('sends model, input and the bearer key; returns unit vectors in input order', async () => {
    const { baseUrl, seen } = await fakeServer((s, res) => ok(res, s.body.input, true));
    const p = new OpenAiEmbeddingProvider({ baseUrl, model: 'nomic-embed-text', apiKey: 'sk-test' });
    await p.load();
    expect(p.dimensions).toBe(3);
    const [a, b] = await p.embed(['abc', 'abcdefg']);
    expect(seen[1]?.auth).toBe('Bearer sk-test');
    expect(seen[1]?.body).toMatchObject({ model: 'nomic-embed-text', input: ['abc', 'abcdefg'] });
    expect(a?.[0]).toBeCloseTo(3 / Math.hypot(3, 1), 5);
    expect(b?.[0]).toBeCloseTo(7 / Math.hypot(7, 1), 5);
    expect(p.id).toBe('openai-nomic-embed-text@1');
  });

  it('through the core: concurrent calls are split into requests of at most batchSize', async () => {
    const { baseUrl, seen } = await fakeServer();
    const embedder = createEmbedder({
      embedder: EmbedderConfigSchema.parse({
        kind: 'openai',
        baseUrl,
        model: 'm',
        dimensions: 3,
        batchSize: 4,
      }),
    });
    const texts = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i + 1));
    const vectors = await Promise.all(texts.map((t) => embedder.embed(t)));
    expect(vectors.map((v) => Math.round((v[0] as number) / (v[1] as number)))).toEqual(
      texts.map((t) => t.length),
    );
    expect(seen.map((s) => s.body.input.length).sort()).toEqual([2, 4, 4]);
    await embedder.close();
  });

  it('retries 429 and 5xx, then succeeds', async () => {
    const { baseUrl, seen } = await fakeServer((s, res, call) => {
      if (call === 1) res.writeHead(429).end('slow down');
      else if (call === 2) res.writeHead(503).end('busy');
      else ok(res, s.body.input);
    });
    const p = new OpenAiEmbeddingProvider({ baseUrl, model: 'm', dimensions: 3, retry: fastRetry });
    const [v] = await p.embed(['hello']);
    expect(v?.length).toBe(3);
    expect(seen.length).toBe(3);
  });

  it('gives up after the retries with an UpstreamError carrying the status', async () => {
    const { baseUrl, seen } = await fakeServer((_s, res) => res.writeHead(500).end('boom'));
    const p = new OpenAiEmbeddingProvider({
      baseUrl,
      model: 'm',
      dimensions: 3,
      retry: { ...fastRetry, retries: 2 },
    });
    const error = await p.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(500);
    expect((error as UpstreamError).retryable).toBe(true);
    expect(seen.length).toBe(3);
  });

  it('does not retry 401 and says to check the api key', async () => {
    const { baseUrl, seen } = await fakeServer((_s, res) => res.writeHead(401).end('{"error":"bad key"}'));
    const p = new OpenAiEmbeddingProvider({ baseUrl, model: 'm', dimensions: 3, retry: fastRetry });
    await expect(p.embed(['x'])).rejects.toThrow(/401.*embedder\.apiKey/);
    expect(seen.length).toBe(1);
  });

  it('a wrong path gives 404 with a hint about baseUrl and the model', async () => {
    const { baseUrl } = await fakeServer();
    const p = new OpenAiEmbeddingProvider({
      baseUrl: baseUrl.replace('/v1', ''),
      model: 'llama',
      dimensions: 3,
    });
    await expect(p.embed(['x'])).rejects.toThrow(/404.*end in \/v1.*ollama pull llama/);
  });

  it('times out slow servers with an actionable message', async () => {
    const { baseUrl } = await fakeServer((s, res) => setTimeout(() => ok(res, s.body.input), 500));
    const p = new OpenAiEmbeddingProvider({
      baseUrl,
      model: 'm',
      dimensions: 3,
      timeoutMs: 50,
      retry: { retries: 0 },
    });
    await expect(p.embed(['x'])).rejects.toThrow(/timed out after 50 ms/);
  });

  it('an unreachable server is a retryable UpstreamError', async () => {
    const { baseUrl } = await fakeServer();
    await new Promise((r) => servers.pop()?.close(r));
    const p = new OpenAiEmbeddingProvider({ baseUrl, model: 'm', dimensions: 3, retry: { retries: 0 } });
    const error = await p.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/unreachable/);
  });

  it('rejects malformed replies and vectors of the wrong size', async () => {
    const bad = await fakeServer((_s, res) => res.writeHead(200).end('{"nope":1}'));
    await expect(
      new OpenAiEmbeddingProvider({ baseUrl: bad.baseUrl, model: 'm' }).embed(['x']),
    ).rejects.toBeInstanceOf(EmbedderError);
    const good = await fakeServer();
    const p = new OpenAiEmbeddingProvider({ baseUrl: good.baseUrl, model: 'm', dimensions: 8 });
    await expect(p.embed(['x'])).rejects.toThrow(/3-dimensional.*expected 8/);
  });

  it('config without baseUrl or model is refused', () => {
    expect(() => createEmbedder({ embedder: EmbedderConfigSchema.parse({ kind: 'openai' }) })).toThrow(
      ConfigError,
    );
  });
});
