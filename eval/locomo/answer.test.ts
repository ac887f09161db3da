import { describe, expect, it } from 'vitest';
import { answerWords, blockWords, scoreAnswer, summarizeAnswers } from './answer.ts';
import { datedBm25Block } from './baseline.ts';
import { buildBm25 } from './bm25.ts';
import type { LocomoConversation } from './dataset.ts';

describe('answer-in-block metric', () => {
  it('keeps content words: lowercase, stop words, possessives and ordinal suffixes dropped', () => {
    expect(answerWords('The week before 9 June 2023')).toEqual(['week', '9', 'june', '2023']);
    expect(answerWords("Caroline's 18th birthday")).toEqual(['caroline', '18', 'birthday']);
    expect(answerWords('No')).toEqual([]);
    expect(answerWords('Café, café')).toEqual(['cafe']);
  });

  it('reads an ISO date in the block as its day, month name and year', () => {
    const words = blockWords('- [episodic 2023-06-09 ab12] Caroline: I gave a talk at a school last week');
    for (const w of ['9', 'june', '2023', 'week', 'school']) expect(words.has(w)).toBe(true);
    expect(words.has('09')).toBe(true);
    expect([...blockWords('on 2023-13-01')]).toEqual(['on', '2023', '13', '01']);
  });

  it('scores the share of answer words and full only when all are present', () => {
    const block = '- [temporal 2023-05-07 x] Caroline went to the LGBTQ support group yesterday';
    expect(scoreAnswer(block, '7 May 2023', 2)).toEqual({ category: 2, share: 1, full: true });
    expect(scoreAnswer(block, '8 May 2023', 2)).toEqual({ category: 2, share: 2 / 3, full: false });
    expect(scoreAnswer(block, 'no', 3)).toBeNull();
  });

  it('summarizes overall and per category in percent', () => {
    const summary = summarizeAnswers([
      { category: 2, share: 1, full: true },
      { category: 2, share: 0.5, full: false },
      { category: 1, share: 0, full: false },
    ]);
    expect(summary).toMatchObject({ questions: 3, full: 33.3, share: 50 });
    expect(summary.byCategory.temporal).toEqual({ questions: 2, full: 50, share: 75 });
    expect(summary.byCategory['multi-hop']).toEqual({ questions: 1, full: 0, share: 0 });
  });

  it('fills the dated BM25 block in rank order within the character budget', () => {
    const conv: LocomoConversation = {
      id: 'c',
      speakers: ['Ann', 'Bob'],
      questions: [],
      turns: [
        {
          diaId: 'D1:1',
          session: 1,
          speaker: 'Ann',
          text: 'I adopted a beagle named Rex',
          at: '2023-05-08T13:56:00.000Z',
        },
        {
          diaId: 'D1:2',
          session: 1,
          speaker: 'Bob',
          text: 'I run marathons',
          at: '2023-05-08T13:56:00.000Z',
        },
        {
          diaId: 'D2:1',
          session: 2,
          speaker: 'Bob',
          text: 'The beagle chewed shoes',
          at: '2023-06-01T09:05:00.000Z',
        },
      ],
    };
    const index = buildBm25(conv.turns.map((t) => `${t.speaker}: ${t.text}`));
    const block = datedBm25Block(conv, index, 'Who adopted a beagle?', 80);
    expect(block.split('\n')[0]).toBe('- [2023-05-08] Ann: I adopted a beagle named Rex');
    expect(block.length).toBeLessThanOrEqual(80);
    expect(block).not.toContain('marathons');
  });
});
