import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryError } from '../../errors.ts';
import { extractFactsWithLlm } from './llm-extractor.ts';
import { FACT_EXTRACTION_SYSTEM_PROMPT } from './llm-prompt.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function fakeLlm(reply: (body: Record<string, unknown>) => { status: number; json: unknown }) {
  const seen: Array<{ body: Record<string, unknown>; auth: string | undefined; url: string | undefined }> =
    [];
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const body = JSON.parse(data) as Record<string, unknown>;
      seen.push({ body, auth: req.headers.authorization, url: req.url });
      const { status, json } = reply(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen };
}

const completion = (content: string) => ({ choices: [{ message: { role: 'assistant', content } }] });

describe('extractFactsWithLlm (fake OpenAI-compatible server on a real socket)', () => {
  it('sends the prompt and parses facts', async () => {
    const { baseUrl, seen } = await fakeLlm(() => ({
      status: 200,
      json: completion('Sure! {"facts":[{"predicate":"lives_in","object":"Berlin","single":true}]}'),
    }));
    const facts = await extractFactsWithLlm(
      { baseUrl, apiKey: 'sk-test', model: 'llama3', timeoutMs: 5000 },
      'I moved to Berlin.',
    );
    expect(facts).toEqual([
      expect.objectContaining({ predicate: 'lives_in', object: 'Berlin', single: true }),
    ]);
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.auth).toBe('Bearer sk-test');
    expect(seen[0]?.body.model).toBe('llama3');
    const messages = seen[0]?.body.messages as Array<{ role: string; content: string }>;
    expect(messages[0]?.content).toBe(FACT_EXTRACTION_SYSTEM_PROMPT);
    expect(messages[1]?.content).toContain('I moved to Berlin.');
  });

  it('raises an UpstreamError on HTTP errors and malformed replies', async () => {
    const { baseUrl } = await fakeLlm((body) =>
      body.model === 'broken'
        ? { status: 500, json: { error: 'boom' } }
        : { status: 200, json: completion('no json here') },
    );
    for (const model of ['broken', 'chatty']) {
      const error = await extractFactsWithLlm({ baseUrl, model, timeoutMs: 5000 }, 'hi').catch(
        (e: unknown) => e,
      );
      expect(MemoryError.isInstance(error) && error.code).toBe('upstream_error');
    }
  });
});
