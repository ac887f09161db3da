/**
 * The emotional layer: per user message (and per reply of a named second speaker),
 * multi-label emotion scores, valence, arousal and
 * intensity (analyze.ts). A message with at least one label above the threshold becomes
 * an emotional memory whose metadata carries the scores; at recall, memories whose
 * emotion vector resembles the current message's get a boost (up to +50%).
 *
 * The lexicon is English (lexicon.ts). A message in another language is not analysed: read
 * with English words it would yield wrong labels, or none that mean anything. Its memories
 * say so instead (metadata.emotion = "not-analysed", through Layer.annotate), and a query
 * in such a language gets no emotion vector.
 */
import type { Language } from '../../text/languages.ts';
import { speakerLine, truncate, userName } from '../text.ts';
import type { Layer, LayerWrite, QueryContext, TurnContext, TurnMessage } from '../types.ts';
import { analyzeEmotion, emotionSimilarity } from './analyze.ts';

const FEELING_QUESTION =
  /\b(feel|feels|felt|feeling|feelings|mood|moods|emotion|emotions|emotional|emotionally|cope|coping|handle|handled|react|reacted)\b/i;
/** The weight of an emotional memory for a question that is not about feelings. */
const NOT_ASKED = 0.6;

/** The languages the emotion lexicon covers. */
export const EMOTION_LANGUAGES: readonly Language[] = ['en'];

/** Whether text in this language (absent: English) can be analysed. */
export function hasEmotionLexicon(language: Language | undefined): boolean {
  return EMOTION_LANGUAGES.includes(language ?? 'en');
}

export function createEmotionalLayer(): Layer {
  return {
    name: 'emotional',
    observe(ctx: TurnContext): LayerWrite[] {
      // A named assistant is a second person (two-person conversations): their feelings count too.
      const messages = ctx.assistant?.speaker ? [ctx.user, ctx.assistant] : [ctx.user];
      const writes: LayerWrite[] = [];
      for (const message of messages) {
        if (!hasEmotionLexicon(message.language)) continue;
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
    annotate(message: TurnMessage) {
      return hasEmotionLexicon(message.language) ? undefined : { emotion: 'not-analysed' };
    },
    prepareRecall(query: QueryContext): void {
      if (!hasEmotionLexicon(query.languages?.[0])) return;
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
