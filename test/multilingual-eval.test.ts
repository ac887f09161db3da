/**
 * The multilingual set (eval/multilingual) in all ten languages: with each message's language
 * detected, recall ranks the answer memory first for nearly every question and the block
 * holds it; with detection off (every text tokenized as English) it does worse. Fails if
 * per-language tokenization or query languages break.
 */
import { describe, expect, it } from 'vitest';
import { runMultilingual } from '../eval/multilingual/run.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('multilingual eval', () => {
  it('detection on beats detection off, with a floor', async () => {
    const on = await runMultilingual({ detect: true });
    const off = await runMultilingual({ detect: false });
    expect(on).toHaveLength(10);
    const r1On = mean(on.map((r) => r.r1));
    expect(r1On).toBeGreaterThanOrEqual(0.88);
    expect(r1On).toBeGreaterThan(mean(off.map((r) => r.r1)) + 0.02);
    expect(mean(on.map((r) => r.inBlock))).toBeGreaterThanOrEqual(0.9);
    expect(Math.min(...on.map((r) => r.detected))).toBeGreaterThanOrEqual(0.9);
  }, 180_000);
});
