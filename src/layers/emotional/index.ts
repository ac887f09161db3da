/**
 * The emotional layer: per user message, multi-label emotion scores, valence, arousal and
 * intensity (analyze.ts). A message with at least one label above the threshold becomes
 * an emotional memory whose metadata carries the scores; at recall, memories whose
 * emotion vector resembles the current message's get a boost (up to +50%).
 */
import { speakerLine, truncate, userName } from '../text.ts';
import type { Layer, LayerWrite, QueryContext, TurnContext } from '../types.ts';
import { analyzeEmotion, emotionSimilarity } from './analyze.ts';

export function createEmotionalLayer(): Layer {
  return {
    name: 'emotional',
    observe(ctx: TurnContext): LayerWrite[] {
      const analysis = analyzeEmotion(ctx.user.text);
      if (analysis.labels.length === 0) return [];
      const feelings = analysis.cues.length
        ? analysis.cues.slice(0, 3).join(', ')
        : analysis.labels.join(', ');
      return [
        {
          layer: 'emotional',
          key: 'user',
          content: `${userName(ctx)} felt ${analysis.labels.join(', ')} (${feelings}): ${truncate(speakerLine(ctx.user), 600)}`,
          importance: Math.min(1, 0.4 + 0.5 * analysis.intensity),
          metadata: {
            emotions: analysis.scores,
            labels: analysis.labels,
            valence: analysis.valence,
            arousal: analysis.arousal,
            intensity: analysis.intensity,
            cues: analysis.cues,
          },
          sources: ctx.sources.filter((s) => s.role === 'user'),
          linkKeys: ['episodic:user'],
        },
      ];
    },
    prepareRecall(query: QueryContext): void {
      const analysis = analyzeEmotion(query.text);
      if (analysis.labels.length > 0) query.emotions = analysis.scores;
    },
    score(candidate, query): number {
      if (!query.emotions) return 1;
      const stored = candidate.metadata.emotions;
      if (!stored || typeof stored !== 'object') return 1;
      return 1 + 0.5 * emotionSimilarity(query.emotions, stored as Record<string, number>);
    },
  };
}
