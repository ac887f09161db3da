/**
 * Retrieval on eval/multilingual/set.ts. Per language: its memories observed as turns of one
 * user (the language detected as in production), then each of its questions recalled; reports
 * R@1 and R@5 of the answer memory among recall's ranked memories, answer-in-block (one of
 * the answer turn's memories is in the context block, which gets BLOCK_TOKENS) and how many
 * memories were stored under their own language. Cross-language: the questions of one
 * language asked of the memories of another (the set has the same facts at the same index in
 * every language), which only a multilingual dense model can answer beyond shared names.
 * Run: npx tsx eval/multilingual/run.ts
 */

import type { StrataConfigInput } from '../../src/config/schema.ts';
import { createMemory } from '../../src/engine/engine.ts';
import { LANGUAGES, type Language } from '../../src/text/languages.ts';
import { fixedClock } from '../../src/util/clock.ts';
import { MULTILINGUAL_SET } from './set.ts';

/** The block's budget: the frame (about 45 tokens) and about three memories of the set, so in-block measures ranking. */
export const BLOCK_TOKENS = 160;

export interface Figures {
  questions: number;
  r1: number;
  r5: number;
  inBlock: number;
}

export interface LanguageFigures extends Figures {
  language: Language;
  /** Fraction of the memories whose stored `metadata.language` is the set's language. */
  detected: number;
}

/** An embedder by kind, or an ONNX model folder. */
export type EvalEmbedder = 'static' | 'hash' | { onnx: string };

export interface RunOptions {
  embedder?: EvalEmbedder;
  detect?: boolean;
  languages?: readonly Language[];
}

function embedderConfig(embedder: EvalEmbedder = 'static'): StrataConfigInput['embedder'] {
  return typeof embedder === 'string' ? { kind: embedder } : { kind: 'onnx', modelPath: embedder.onnx };
}

/** The questions of `questionsIn` asked of the memories of `memoriesIn`. */
async function evaluate(
  memoriesIn: Language,
  questionsIn: Language,
  options: RunOptions,
): Promise<Figures & { detected: number }> {
  const config: StrataConfigInput = {
    store: { kind: 'memory' },
    embedder: embedderConfig(options.embedder),
    language: { detect: options.detect ?? true },
    // A block of a few lines: the whole set would fit the default 800 tokens.
    recall: { maxTokens: BLOCK_TOKENS },
    log: { level: 'silent' },
  };
  const clock = fixedClock('2026-11-02T09:00:00Z');
  const memory = createMemory(config, { clock });
  try {
    const turnIds: string[][] = [];
    let detected = 0;
    for (const [i, text] of MULTILINGUAL_SET[memoriesIn].memories.entries()) {
      const result = await memory.observeTurn({
        userId: 'u',
        chatId: 'c',
        messages: [{ id: `m${i}`, role: 'user', content: text }],
      });
      turnIds.push(result.stored.map((m) => m.id));
      if (result.stored.some((m) => m.metadata?.language === memoriesIn)) detected += 1;
      clock.advance(3_600_000);
    }
    let r1 = 0;
    let r5 = 0;
    let inBlock = 0;
    const questions = MULTILINGUAL_SET[questionsIn].questions;
    for (const [question, answer] of questions) {
      const ids = new Set(turnIds[answer]);
      const result = await memory.recall({ userId: 'u', messages: [{ role: 'user', content: question }] });
      const rank = result.memories.findIndex((m) => ids.has(m.memory.id));
      if (rank === 0) r1 += 1;
      if (rank >= 0 && rank < 5) r5 += 1;
      if ((result.contextIds ?? []).some((id) => ids.has(id))) inBlock += 1;
    }
    const n = questions.length;
    const memories = MULTILINGUAL_SET[memoriesIn].memories.length;
    return { questions: n, r1: r1 / n, r5: r5 / n, inBlock: inBlock / n, detected: detected / memories };
  } finally {
    await memory.close();
  }
}

/** Figures per language, questions and memories in that language (fractions of its questions). */
export async function runMultilingual(options: RunOptions = {}): Promise<LanguageFigures[]> {
  const out: LanguageFigures[] = [];
  for (const language of options.languages ?? LANGUAGES) {
    out.push({ language, ...(await evaluate(language, language, options)) });
  }
  return out;
}

export interface CrossFigures {
  language: Language;
  /** Questions in the language, memories in English. */
  toEnglish: Figures;
  /** Questions in English, memories in the language. */
  fromEnglish: Figures;
}

/** Each non-English language against English, both ways. */
export async function runCrossLanguage(options: RunOptions = {}): Promise<CrossFigures[]> {
  const out: CrossFigures[] = [];
  for (const language of (options.languages ?? LANGUAGES).filter((l) => l !== 'en')) {
    const { detected: _a, ...toEnglish } = await evaluate('en', language, options);
    const { detected: _b, ...fromEnglish } = await evaluate(language, 'en', options);
    out.push({ language, toEnglish, fromEnglish });
  }
  return out;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const cell = (f: Figures) => `${pct(f.r1)} / ${pct(f.r5)} / ${pct(f.inBlock)}`;

function sameTable(columns: Array<[string, LanguageFigures[]]>): string {
  const head = `| lang | ${columns.map(([t]) => `${t}: R@1 / R@5 / in block`).join(' | ')} | detected |`;
  const rule = `| --- | ${columns.map(() => '---').join(' | ')} | --- |`;
  const rows = (columns[0]?.[1] ?? []).map(
    (r, i) =>
      `| ${r.language} | ${columns.map(([, c]) => cell(c[i] ?? r)).join(' | ')} | ${pct(r.detected)} |`,
  );
  return [head, rule, ...rows].join('\n');
}

function crossTable(columns: Array<[string, CrossFigures[]]>): string {
  const head = `| lang | ${columns.map(([t]) => `${t}: X→en | ${t}: en→X`).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '--- | ---').join(' | ')} |`;
  const rows = (columns[0]?.[1] ?? []).map(
    (r, i) =>
      `| ${r.language} | ${columns.map(([, c]) => `${cell((c[i] ?? r).toEnglish)} | ${cell((c[i] ?? r).fromEnglish)}`).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const onnx = process.argv.find((a) => a.startsWith('--onnx='))?.slice('--onnx='.length);
  const embedders: Array<[string, EvalEmbedder]> = [
    ['static', 'static'],
    ['hash', 'hash'],
  ];
  if (onnx) embedders.push(['onnx', { onnx }]);
  const same: Array<[string, LanguageFigures[]]> = [
    ['static, detection on', await runMultilingual({ embedder: 'static', detect: true })],
    ['static, detection off', await runMultilingual({ embedder: 'static', detect: false })],
  ];
  for (const [name, embedder] of embedders.slice(1)) {
    same.push([`${name}, detection on`, await runMultilingual({ embedder, detect: true })]);
  }
  console.log(`Same language (questions and memories in the language)\n\n${sameTable(same)}\n`);
  const cross: Array<[string, CrossFigures[]]> = [];
  for (const [name, embedder] of embedders) cross.push([name, await runCrossLanguage({ embedder })]);
  console.log(
    `Cross-language (detection on; X→en: questions in X, memories in English)\n\n${crossTable(cross)}`,
  );
}
