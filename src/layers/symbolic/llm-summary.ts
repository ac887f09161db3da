/**
 * Optional LLM thread summaries (config.layers.llm, any OpenAI-compatible chat API). The
 * prompt lives here; the reply must be JSON {summary, themes}. Any failure raises, and
 * the consolidate job falls back to the extractive summary.
 */
import { z } from 'zod';
import { UpstreamError } from '../../errors.ts';
import { chatCompletion, type LlmConfig } from '../semantic/llm-extractor.ts';
import type { ThreadSummary } from './summarize.ts';

export const THREAD_SUMMARY_SYSTEM_PROMPT = `You summarize an older conversation thread for a long-term memory.
Return ONLY a JSON object: {"summary": string, "themes": string[]}.
- summary: at most 3 sentences, third person, the facts and events that matter later.
- themes: 1 to 5 short lowercase topics that recur in the thread.`;

const ReplySchema = z.object({
  summary: z.string().min(1).max(2000),
  themes: z.array(z.string().min(1).max(60)).max(10).default([]),
});

export async function summarizeWithLlm(llm: LlmConfig, texts: string[]): Promise<ThreadSummary> {
  const thread = texts.join('\n').slice(0, 12_000);
  const text = await chatCompletion(llm, THREAD_SUMMARY_SYSTEM_PROMPT, `Thread:\n"""${thread}"""`);
  let value: unknown;
  try {
    value = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  } catch {
    throw new UpstreamError('LLM thread summary did not return JSON.', 502);
  }
  const parsed = ReplySchema.safeParse(value);
  if (!parsed.success) throw new UpstreamError('LLM thread summary returned JSON of the wrong shape.', 502);
  return { summary: parsed.data.summary, themes: parsed.data.themes };
}
