/**
 * Voice to text, by the engine media.transcription names: "openai" posts the recording to
 * an OpenAI-compatible POST {baseUrl}/audio/transcriptions (whisper.cpp's server,
 * speaches / faster-whisper, a hosted API) as multipart form data and asks for
 * verbose_json to get timed segments; "pocketsphinx" runs the offline recognizer a user
 * installs from their OS packages (Debian: pocketsphinx, pocketsphinx-en-us) on the WAV,
 * converted to 16 kHz mono raw PCM in a private temp file for the run, with word times grouped
 * into utterance segments. The transcript is the memory, so a failure is an error of the
 * turn (upstream_error, retryable when the endpoint had a 5xx), not a silent gap.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaConfig } from '../config/schema.ts';
import { ConfigError, UpstreamError } from '../errors.ts';
import { mediaRefused } from './media-errors.ts';
import type { Sniffed } from './sniff.ts';
import type { TranscriptSegment } from './types.ts';
import { toPcm16k, wavSamples } from './wav.ts';

export type TranscriptionConfig = NonNullable<MediaConfig['transcription']>;

export interface Transcript {
  text: string;
  segments: TranscriptSegment[];
  engine: string;
}

const MAX_SEGMENTS = 200;

const EXTENSIONS: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/webm': 'webm',
  'audio/mp4': 'm4a',
};

export function transcribe(
  config: TranscriptionConfig,
  data: Buffer,
  sniffed: Sniffed,
  field: string,
): Promise<Transcript> {
  return config.kind === 'openai'
    ? viaEndpoint(config, data, sniffed)
    : viaPocketsphinx(config, data, sniffed, field);
}

async function viaEndpoint(config: TranscriptionConfig, data: Buffer, sniffed: Sniffed): Promise<Transcript> {
  const url = `${(config.baseUrl ?? '').replace(/\/+$/, '')}/audio/transcriptions`;
  const form = new FormData();
  const ext = EXTENSIONS[sniffed.mimeType] ?? 'bin';
  form.append('file', new Blob([new Uint8Array(data)], { type: sniffed.mimeType }), `audio.${ext}`);
  form.append('model', config.model);
  form.append('response_format', 'verbose_json');
  if (config.language) form.append('language', config.language);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
      body: form,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    throw new UpstreamError(
      `The transcription endpoint ${url} is unreachable (${(error as Error).message}); nothing was stored. Check media.transcription.baseUrl.`,
      503,
      { cause: error },
    );
  }
  const body = await response.text();
  if (!response.ok) {
    throw new UpstreamError(
      `The transcription endpoint ${url} answered HTTP ${response.status} (${body.slice(0, 200)}); nothing was stored.`,
      response.status >= 500 ? 502 : response.status === 429 ? 429 : 422,
    );
  }
  let parsed: { text?: unknown; segments?: unknown } | null = null;
  try {
    parsed = JSON.parse(body) as { text?: unknown; segments?: unknown };
  } catch {
    // Some servers answer plain text whatever format was asked for.
  }
  const text = typeof parsed?.text === 'string' ? parsed.text : parsed ? '' : body;
  const segments = Array.isArray(parsed?.segments)
    ? (parsed.segments as Array<Record<string, unknown>>)
        .filter((s) => typeof s.start === 'number' && typeof s.end === 'number' && typeof s.text === 'string')
        .slice(0, MAX_SEGMENTS)
        .map((s) => ({ start: s.start as number, end: s.end as number, text: (s.text as string).trim() }))
    : [];
  return { text: text.replace(/\s+/g, ' ').trim(), segments, engine: `openai:${config.model}` };
}

async function viaPocketsphinx(
  config: TranscriptionConfig,
  data: Buffer,
  sniffed: Sniffed,
  field: string,
): Promise<Transcript> {
  const samples = sniffed.wav ? wavSamples(data, sniffed.wav) : null;
  if (!sniffed.wav || !samples) {
    throw mediaRefused(
      'unsupported_type',
      field,
      `${field} is ${sniffed.mimeType}; the offline pocketsphinx engine reads PCM WAV only. Send WAV, or configure media.transcription.kind "openai".`,
    );
  }
  const pcm = toPcm16k(samples, sniffed.wav.sampleRate);
  const output = await run(config, pcm);
  return { ...parsePocketsphinx(output), engine: 'pocketsphinx' };
}

async function run(config: TranscriptionConfig, pcm: Buffer): Promise<string> {
  // pocketsphinx opens its input by path (a pipe from Node is a socket it cannot open), so
  // the PCM goes to a private temp folder for the run and is removed right after.
  const dir = await mkdtemp(join(tmpdir(), 'strata-asr-'));
  try {
    const file = join(dir, 'audio.raw');
    await writeFile(file, pcm, { mode: 0o600 });
    return await runOn(config, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runOn(config: TranscriptionConfig, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(config.command, ['-infile', file, '-time', 'yes', '-logfn', '/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new UpstreamError(
          `pocketsphinx took longer than ${config.timeoutMs} ms (media.transcription.timeoutMs).`,
          504,
        ),
      );
    }, config.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 2000) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new ConfigError(
              `media.transcription.kind is "pocketsphinx" but "${config.command}" is not installed; install it from your OS packages (Debian/Ubuntu: apt-get install pocketsphinx pocketsphinx-en-us) or set media.transcription.command.`,
            )
          : new UpstreamError(`pocketsphinx could not start: ${error.message}`, 502, { cause: error }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new UpstreamError(`pocketsphinx exited with ${code}: ${err.trim().slice(0, 300)}`, 502));
    });
  });
}

const FILLER = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/i;

/**
 * pocketsphinx_continuous -time yes prints, per utterance, the hypothesis line and then one
 * "word start end confidence" line per word; words become the text, utterances the segments.
 */
export function parsePocketsphinx(output: string): Omit<Transcript, 'engine'> {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptSegment | null = null;
  for (const line of output.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 4 || Number.isNaN(Number(parts[1])) || Number.isNaN(Number(parts[2]))) continue;
    const [token = '', start, end] = parts;
    if (token === '<s>') {
      current = null;
      continue;
    }
    if (FILLER.test(token)) continue;
    const word = token.replace(/\(\d+\)$/, '');
    if (!current) {
      current = { start: Number(start), end: Number(end), text: word };
      if (segments.length < MAX_SEGMENTS) segments.push(current);
    } else {
      current.end = Number(end);
      current.text += ` ${word}`;
    }
  }
  return { text: segments.map((s) => s.text).join(' '), segments };
}
