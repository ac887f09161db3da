/**
 * The multilingual set (eval/multilingual) on a few languages: with each message's language
 * detected, recall ranks the answer memory first for nearly every question; with detection
 * off (every text tokenized as English) it does worse. Fails if per-language tokenization or
 * query languages break.
 */
import { describe, expect, it } from 'vitest';
import { runMultilingual } from '../eval/multilingual/run.ts';

const LANGS = ['de', 'fr', 'it', 'ru'] as const;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('multilingual eval (small part)', () => {
  it('detection on beats detection off, with a floor', async () => {
    const on = await runMultilingual({ languages: LANGS, detect: true });
    const off = await runMultilingual({ languages: LANGS, detect: false });
    const r1On = mean(on.map((r) => r.r1));
    const r1Off = mean(off.map((r) => r.r1));
    expect(r1On).toBeGreaterThanOrEqual(0.9);
    expect(r1On).toBeGreaterThan(r1Off);
    expect(mean(on.map((r) => r.inBlock))).toBeGreaterThanOrEqual(0.9);
  }, 60_000);
});
