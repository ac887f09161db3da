/**
 * A fake OpenAI-compatible server for the optional media services, on a real loopback
 * socket: POST /v1/chat/completions answers a caption, POST /v1/audio/transcriptions a
 * verbose_json transcript (multipart parsed with the platform's own FormData), or the
 * status a test sets. It records what each request carried, and counts connections, so a
 * test can also prove that nothing reached it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  authorization?: string;
  json?: Record<string, unknown>;
  form?: {
    model?: string;
    responseFormat?: string;
    language?: string;
    fileType?: string;
    fileBytes?: number;
  };
}

export interface FakeEndpoints {
  baseUrl: string;
  seen: SeenRequest[];
  connections: () => number;
  /** What the next answers are. */
  reply: {
    caption: string;
    transcript: string;
    segments: Array<{ start: number; end: number; text: string }>;
    status: number;
  };
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeEndpoints(): Promise<FakeEndpoints> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const reply: FakeEndpoints['reply'] = {
    caption: 'A hand-written shopping list on a kitchen table.',
    transcript: 'Remind me to water the tomatoes on Saturday.',
    segments: [
      { start: 0, end: 1.8, text: 'Remind me to water the tomatoes' },
      { start: 1.8, end: 2.9, text: 'on Saturday.' },
    ],
    status: 200,
  };
  const server: Server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const entry: SeenRequest = { path: req.url ?? '' };
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    if (req.url?.endsWith('/chat/completions')) entry.json = JSON.parse(body.toString('utf8'));
    if (req.url?.endsWith('/audio/transcriptions')) {
      const form = await new Request('http://fake/', {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body,
      }).formData();
      const file = form.get('file');
      entry.form = {
        model: String(form.get('model') ?? ''),
        responseFormat: String(form.get('response_format') ?? ''),
        ...(form.get('language') ? { language: String(form.get('language')) } : {}),
        ...(file && typeof file !== 'string' ? { fileType: file.type, fileBytes: file.size } : {}),
      };
    }
    seen.push(entry);
    if (reply.status !== 200) {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'fake failure' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (entry.json) {
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: reply.caption } }] }));
    } else {
      res.end(JSON.stringify({ text: reply.transcript, segments: reply.segments, language: 'en' }));
    }
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    connections: () => connections,
    reply,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain server of one image at /image.png (and a redirect to it at /moved), counting connections. */
export async function startImageServer(
  png: Buffer,
): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = createServer((req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/image.png' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
    res.end(png);
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
