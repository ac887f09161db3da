import { describe, expect, it } from 'vitest';
import { summarizeThread } from '../symbolic/summarize.ts';
import { extractEntities } from './entities.ts';

describe('extractEntities', () => {
  it('finds named entities first, then singular concepts, without pronouns or dates', () => {
    expect(extractEntities('My sister Anna plays the cello in Vienna.')).toEqual([
      'anna',
      'vienna',
      'sister',
      'cello',
    ]);
    expect(extractEntities('I work at Google in New York with my friends.')).toEqual([
      'google',
      'new york',
      'friend',
    ]);
    expect(extractEntities("I'm so nervous about my exam next Friday")).toEqual(['exam']);
  });
});

describe('summarizeThread (symbolic, extractive)', () => {
  it('keeps the most central sentences in order and names the themes', () => {
    const { summary, themes } = summarizeThread(
      [
        'We planned the garden with tomatoes along the south fence.',
        'The weather was odd today.',
        'The garden needs compost before the tomatoes go in.',
        'I bought tomato seedlings and compost for the garden.',
        'My cat knocked over a glass of water.',
      ],
      2,
    );
    expect(summary).toContain('garden');
    expect(summary).not.toContain('cat');
    expect(themes.slice(0, 3)).toEqual(expect.arrayContaining(['garden']));
  });
});
