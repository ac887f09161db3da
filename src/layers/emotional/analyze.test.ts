import { describe, expect, it } from 'vitest';
import type { Memory } from '../../types.ts';
import { analyzeEmotion, emotionSimilarity } from './analyze.ts';
import { clusterEmotions } from './clusters.ts';

describe('analyzeEmotion', () => {
  it('labels nervousness as fear, with negative valence and high arousal', () => {
    const a = analyzeEmotion("I'm so nervous about my exam next Friday");
    expect(a.labels[0]).toBe('fear');
    expect(a.scores.fear).toBeGreaterThan(0.8);
    expect(a.valence).toBeLessThan(0);
    expect(a.arousal).toBeGreaterThan(0.6);
    expect(a.cues).toContain('nervous');
  });

  it('is multi-label: independent scores can sum above 1 (no softmax)', () => {
    const a = analyzeEmotion("I'm thrilled about the new job but also really anxious about moving.");
    expect(a.labels).toEqual(expect.arrayContaining(['joy', 'fear']));
    const total = Object.values(a.scores).reduce((s, x) => s + x, 0);
    expect(total).toBeGreaterThan(1);
  });

  it('handles negation by moving weight to the opposite label', () => {
    const a = analyzeEmotion("I'm not happy with how the meeting went.");
    expect(a.scores.joy).toBe(0);
    expect(a.scores.sadness).toBeGreaterThan(0);
    const b = analyzeEmotion("I'm not afraid of the surgery anymore.");
    expect(b.scores.fear).toBe(0);
  });

  it('intensifiers and diminishers scale the score', () => {
    const plain = analyzeEmotion('I am sad today.').scores.sadness;
    const strong = analyzeEmotion('I am extremely sad today.').scores.sadness;
    const weak = analyzeEmotion('I am slightly sad today.').scores.sadness;
    expect(strong).toBeGreaterThan(plain);
    expect(weak).toBeLessThan(plain);
  });

  it('gives zero everywhere for neutral text and handles phrases', () => {
    const neutral = analyzeEmotion('The meeting is at the office on the third floor.');
    expect(Object.values(neutral.scores).every((s) => s === 0)).toBe(true);
    expect(neutral.labels).toEqual([]);
    expect(analyzeEmotion("I can't wait for the concert!").labels).toContain('anticipation');
    expect(analyzeEmotion('Thank you so much, I really appreciate it').labels[0]).toBe('gratitude');
  });

  it('measures emotional similarity by cosine', () => {
    const a = analyzeEmotion('I am terrified of flying').scores;
    const b = analyzeEmotion('I get so anxious before exams').scores;
    const c = analyzeEmotion('I am grateful for my friends').scores;
    expect(emotionSimilarity(a, b)).toBeGreaterThan(emotionSimilarity(a, c));
  });
});

function emotional(id: string, text: string): Memory {
  const a = analyzeEmotion(text);
  return {
    id,
    userId: 'u',
    layer: 'emotional',
    content: text,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    importance: 0.5,
    strength: 1,
    accessCount: 0,
    lastAccessedAt: null,
    sources: [],
    links: [],
    metadata: { emotions: a.scores, valence: a.valence, arousal: a.arousal },
    version: 1,
    supersededBy: null,
    embeddingModel: null,
  };
}

describe('clusterEmotions', () => {
  it('groups anxious and grateful memories into separate themes', () => {
    const memories = [
      emotional('a', 'I am so nervous about the exam'),
      emotional('b', 'I feel anxious and worried about my job interview'),
      emotional('c', 'Honestly scared of the dentist'),
      emotional('d', 'Thank you, I am so grateful for your help'),
      emotional('e', 'I really appreciate my friends, thankful for them'),
      emotional('f', 'Thanks a lot, that means a lot'),
      emotional('g', 'I am furious at my landlord'),
      emotional('h', 'So annoyed and frustrated with the bus again'),
    ];
    const clusters = clusterEmotions(memories);
    expect(clusters.length).toBeGreaterThanOrEqual(2);
    const fear = clusters.find((c) => c.memoryIds.includes('a'));
    const thanks = clusters.find((c) => c.memoryIds.includes('d'));
    expect(fear?.memoryIds).toEqual(expect.arrayContaining(['b']));
    expect(thanks?.memoryIds).toEqual(expect.arrayContaining(['e']));
    expect(fear).not.toBe(thanks);
    expect(fear?.label).toContain('fear');
    expect(thanks?.valence).toBeGreaterThan(0);
    expect(clusters.reduce((s, c) => s + c.size, 0)).toBe(memories.length);
    expect(clusterEmotions(memories)).toEqual(clusters);
  });
});
