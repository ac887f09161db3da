/**
 * Optional LLM fact extractor over any OpenAI-compatible chat completions API (Ollama,
 * vLLM, OpenAI). The reply is validated with zod; anything malformed raises an
 * UpstreamError so the semantic layer falls back to the rule-based extractor.
 */
import { z } from 'zod';
import { UpstreamError } from '../../errors.ts';
import { FACT_EXTRACTION_SYSTEM_PROMPT, factExtractionUserPrompt } from './llm-prompt.ts';
import type { Fact } from './rules.ts';

export interface LlmConfig {
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs: number;
}

const ReplySchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

const FactsSchema = z.object({
  facts: z.array(
    z.object({
      predicate: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
      object: z.string().min(1).max(200),
      single: z.boolean().default(false),
    }),
  ),
});

/** POST /chat/completions with a JSON reply; returns the assistant message text. */
export async function chatCompletion(llm: LlmConfig, system: string, user: string): Promise<string> {
  const url = `${llm.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (llm.apiKey) headers.authorization = `Bearer ${llm.apiKey}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: llm.model,
        temperature: 0,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
      }),
      signal: AbortSignal.timeout(llm.timeoutMs),
    });
  } catch (error) {
    throw new UpstreamError(
      `LLM at ${url} is unreachable: ${(error as Error).message}. Check layers.llm.baseUrl.`,
      503,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new UpstreamError(
      `LLM at ${url} answered HTTP ${response.status}; check layers.llm.model and apiKey.`,
      response.status,
    );
  }
  const parsed = ReplySchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success)
    throw new UpstreamError(`LLM at ${url} sent a reply that is not a chat completion.`, 502);
  return parsed.data.choices[0]?.message.content ?? '';
}

export async function extractFactsWithLlm(llm: LlmConfig, message: string): Promise<Fact[]> {
  const text = await chatCompletion(llm, FACT_EXTRACTION_SYSTEM_PROMPT, factExtractionUserPrompt(message));
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UpstreamError('LLM fact extraction did not return JSON.', 502);
  }
  const facts = FactsSchema.safeParse(value);
  if (!facts.success) throw new UpstreamError('LLM fact extraction returned JSON of the wrong shape.', 502);
  return facts.data.facts.map((f) => ({
    subject: 'user',
    predicate: f.predicate,
    object: f.object,
    single: f.single,
    evidence: message,
    importance: 0.7,
  }));
}
