/**
 * Per-language retrieval on eval/multilingual/set.ts: each language's memories observed as
 * turns of one user (the language detected as in production), then each question recalled;
 * reports R@1 and R@5 of the answer memory among recall's ranked memories and answer-in-block
 * (one of the answer turn's memories is in the context block), for an embedder and with
 * language detection on or off; the block gets BLOCK_TOKENS. Run: npx tsx eval/multilingual/run.ts
 */

import type { StrataConfigInput } from '../../src/config/schema.ts';
import { createMemory } from '../../src/engine/engine.ts';
import { LANGUAGES, type Language } from '../../src/text/languages.ts';
import { fixedClock } from '../../src/util/clock.ts';
import { MULTILINGUAL_SET } from './set.ts';

/** The block's budget: about three memories of the set, so in-block measures ranking. */
export const BLOCK_TOKENS = 90;

export interface LanguageFigures {
  language: Language;
  questions: number;
  r1: number;
  r5: number;
  inBlock: number;
}

export interface RunOptions {
  embedder?: 'static' | 'hash';
  detect?: boolean;
  languages?: readonly Language[];
}

/** Figures per language (fractions of its questions). */
export async function runMultilingual(options: RunOptions = {}): Promise<LanguageFigures[]> {
  const out: LanguageFigures[] = [];
  for (const language of options.languages ?? LANGUAGES) {
    const config: StrataConfigInput = {
      store: { kind: 'memory' },
      embedder: { kind: options.embedder ?? 'static' },
      language: { detect: options.detect ?? true },
      // A block of a few lines: the whole set would fit the default 800 tokens.
      recall: { maxTokens: BLOCK_TOKENS },
      log: { level: 'silent' },
    };
    const clock = fixedClock('2026-11-02T09:00:00Z');
    const memory = createMemory(config, { clock });
    try {
      const set = MULTILINGUAL_SET[language];
      const turnIds: string[][] = [];
      for (const [i, text] of set.memories.entries()) {
        const result = await memory.observeTurn({
          userId: 'u',
          chatId: 'c',
          messages: [{ id: `m${i}`, role: 'user', content: text }],
        });
        turnIds.push(result.stored.map((m) => m.id));
        clock.advance(3_600_000);
      }
      let r1 = 0;
      let r5 = 0;
      let inBlock = 0;
      for (const [question, answer] of set.questions) {
        const ids = new Set(turnIds[answer]);
        const result = await memory.recall({ userId: 'u', messages: [{ role: 'user', content: question }] });
        const rank = result.memories.findIndex((m) => ids.has(m.memory.id));
        if (rank === 0) r1 += 1;
        if (rank >= 0 && rank < 5) r5 += 1;
        if ((result.contextIds ?? []).some((id) => ids.has(id))) inBlock += 1;
      }
      const n = set.questions.length;
      out.push({ language, questions: n, r1: r1 / n, r5: r5 / n, inBlock: inBlock / n });
    } finally {
      await memory.close();
    }
  }
  return out;
}

function table(title: string, rows: LanguageFigures[]): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`.padStart(5);
  const lines = rows.map((r) => `| ${r.language} | ${pct(r.r1)} | ${pct(r.r5)} | ${pct(r.inBlock)} |`);
  return [`${title}`, '| lang |   R@1 |   R@5 | in block |', '| --- | --- | --- | --- |', ...lines].join(
    '\n',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [title, options] of [
    ['static embedder (default), detection on', { embedder: 'static', detect: true }],
    ['static embedder, detection off (all English)', { embedder: 'static', detect: false }],
    ['hash embedder, detection on', { embedder: 'hash', detect: true }],
  ] as Array<[string, RunOptions]>) {
    console.log(`${table(title, await runMultilingual(options))}\n`);
  }
}
