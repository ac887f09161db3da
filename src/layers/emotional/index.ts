/**
 * The emotional layer: per user message (and per reply of a named second speaker),
 * multi-label emotion scores, valence, arousal and
 * intensity (analyze.ts). A message with at least one label above the threshold becomes
 * an emotional memory whose metadata carries the scores; at recall, memories whose
 * emotion vector resembles the current message's get a boost (up to +50%).
 */
import { speakerLine, truncate, userName } from '../text.ts';
import type { Layer, LayerWrite, QueryContext, TurnContext } from '../types.ts';
import { analyzeEmotion, emotionSimilarity } from './analyze.ts';

const FEELING_QUESTION =
  /\b(feel|feels|felt|feeling|feelings|mood|moods|emotion|emotions|emotional|emotionally|cope|coping|handle|handled|react|reacted)\b/i;
/** The weight of an emotional memory for a question that is not about feelings. */
const NOT_ASKED = 0.6;

export function createEmotionalLayer(): Layer {
  return {
    name: 'emotional',
    observe(ctx: TurnContext): LayerWrite[] {
      // A named assistant is a second person (two-person conversations): their feelings count too.
      const messages = ctx.assistant?.speaker ? [ctx.user, ctx.assistant] : [ctx.user];
      const writes: LayerWrite[] = [];
      for (const message of messages) {
        const analysis = analyzeEmotion(message.text);
        if (analysis.labels.length === 0) continue;
        const who = message.speaker ?? userName(ctx);
        const feelings = analysis.cues.length
          ? analysis.cues.slice(0, 3).join(', ')
          : analysis.labels.join(', ');
        writes.push({
          layer: 'emotional',
          key: message.role,
          content: `${who} felt ${analysis.labels.join(', ')} (${feelings}): ${truncate(speakerLine(message), 600)}`,
          importance: Math.min(1, 0.4 + 0.5 * analysis.intensity),
          metadata: {
            emotions: analysis.scores,
            labels: analysis.labels,
            valence: analysis.valence,
            arousal: analysis.arousal,
            intensity: analysis.intensity,
            cues: analysis.cues,
            speaker: who,
          },
          sources: ctx.sources.filter((s) => s.messageId === message.id),
          linkKeys: [`episodic:${message.role}`],
        });
      }
      return writes;
    },
    prepareRecall(query: QueryContext): void {
      const analysis = analyzeEmotion(query.text);
      if (analysis.labels.length > 0) query.emotions = analysis.scores;
    },
    score(candidate, query): number {
      // Query-dependent weight: a question about feelings wants this layer, another question
      // wants what was said (the episodic line of the same message) more than how it felt.
      if (candidate.layer !== 'emotional') return 1;
      if (!query.emotions) return FEELING_QUESTION.test(query.text) ? 1.2 : NOT_ASKED;
      const stored = candidate.metadata.emotions;
      if (!stored || typeof stored !== 'object') return 1;
      return 1 + 0.5 * emotionSimilarity(query.emotions, stored as Record<string, number>);
    },
  };
}
