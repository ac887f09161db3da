/**
 * Lexicon-based multi-label emotion analysis. Each label gets an independent score
 * through a logistic squash of its accumulated evidence (never a softmax: a message can
 * be both nervous and excited). Intensifiers ("so", "extremely") scale the next cue,
 * diminishers ("a bit") shrink it, a negator in the three words before a cue moves its
 * weight to the opposite label, and exclamation marks raise intensity.
 */
import {
  CIRCUMPLEX,
  EMOTIONS,
  type Emotion,
  INTENSIFIERS,
  LEXICON,
  NEGATION_FLIP,
  NEGATORS,
} from './lexicon.ts';

export type EmotionScores = Record<Emotion, number>;

export interface EmotionAnalysis {
  scores: EmotionScores;
  /** Labels whose score is at least the threshold, strongest first. */
  labels: Emotion[];
  /** -1 (negative) .. 1 (positive). */
  valence: number;
  /** 0 (calm) .. 1 (agitated). */
  arousal: number;
  /** 0..1: the strongest label's score. */
  intensity: number;
  /** The words and phrases that carried the emotion ("nervous", "can't wait"). */
  cues: string[];
}

export const LABEL_THRESHOLD = 0.5;

const PHRASES: Array<[RegExp, Emotion, number]> = [
  [/\bcan(?:'|’)?t wait\b/gi, 'anticipation', 1.4],
  [/\blooking forward\b/gi, 'anticipation', 1.3],
  [/\bfed up\b/gi, 'anger', 1.2],
  [/\bbutterflies in my stomach\b/gi, 'fear', 1],
  [/\bmeans a lot\b/gi, 'gratitude', 1],
  [/\bover the moon\b/gi, 'joy', 1.5],
];

/** Logistic squash with no evidence → exactly 0. */
function squash(raw: number): number {
  if (raw <= 0) return 0;
  return 1 / (1 + Math.exp(-4 * (raw - 0.5)));
}

function emptyScores(): EmotionScores {
  return Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as EmotionScores;
}

export function analyzeEmotion(text: string): EmotionAnalysis {
  const raw = emptyScores();
  const cueWords: string[] = [];
  let rest = text;
  for (const [re, label, weight] of PHRASES) {
    rest = rest.replace(re, (m) => {
      raw[label] += weight;
      cueWords.push(m.toLowerCase());
      return ' ';
    });
  }
  const tokens = rest.toLowerCase().match(/[a-z]+(?:['’][a-z]+)?/g) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const word = (tokens[i] ?? '').replace('’', "'");
    const cues = LEXICON.get(word) ?? LEXICON.get(word.replace(/'s$/, ''));
    if (!cues) continue;
    let factor = 1;
    let negated = false;
    for (let j = Math.max(0, i - 3); j < i; j++) {
      const prev = tokens[j] ?? '';
      if (NEGATORS.has(prev) || prev.endsWith("n't")) negated = true;
    }
    const before = tokens[i - 1];
    if (before && INTENSIFIERS.has(before)) factor *= INTENSIFIERS.get(before) ?? 1;
    const before2 = tokens[i - 2];
    if (before2 && INTENSIFIERS.has(before2) && !NEGATORS.has(before ?? ''))
      factor *= INTENSIFIERS.get(before2) ?? 1;
    cueWords.push(negated ? `not ${word}` : word);
    for (const [label, weight] of cues) {
      if (negated) {
        const flip = NEGATION_FLIP[label];
        if (flip) raw[flip] += 0.5 * weight * factor;
      } else raw[label] += weight * factor;
    }
  }
  const bangs = Math.min(3, (text.match(/!/g) ?? []).length);
  const scores = emptyScores();
  for (const e of EMOTIONS) scores[e] = round(squash(raw[e] * (1 + 0.15 * bangs)));
  const labels = EMOTIONS.filter((e) => scores[e] >= LABEL_THRESHOLD).sort((a, b) => scores[b] - scores[a]);
  let total = 0;
  let valence = 0;
  let arousal = 0;
  for (const e of EMOTIONS) {
    total += scores[e];
    valence += scores[e] * CIRCUMPLEX[e].valence;
    arousal += scores[e] * CIRCUMPLEX[e].arousal;
  }
  const intensity = Math.max(...EMOTIONS.map((e) => scores[e]));
  return {
    scores,
    labels,
    valence: total > 0 ? round(valence / total) : 0,
    arousal: total > 0 ? round(Math.min(1, (arousal / total) * (1 + 0.1 * bangs))) : 0,
    intensity: round(intensity),
    cues: [...new Set(cueWords)],
  };
}

/** Cosine similarity of two emotion score vectors (0 when either is empty). */
export function emotionSimilarity(
  a: Partial<Record<string, number>>,
  b: Partial<Record<string, number>>,
): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const e of EMOTIONS) {
    const x = a[e] ?? 0;
    const y = b[e] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function emotionVector(scores: Partial<Record<string, number>>): number[] {
  return EMOTIONS.map((e) => scores[e] ?? 0);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
