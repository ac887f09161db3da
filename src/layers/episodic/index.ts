/**
 * The episodic layer: what was said, verbatim. Each user message, each assistant reply,
 * and the exchange as a pair become memories, speaker-aware ("Caroline: …" when speaker
 * names are given) so that turn-level retrieval finds the utterance itself, with sources
 * pointing at the exact message ids. Recall signal: similarity and recency. A pair ranks
 * by its own relevance (no discount); recall then lifts its messages to the pair's score
 * (pipeline/pair-lift.ts), so the pair gives each turn its neighbour as context while the
 * single message, the precise source, is what ranks. A message's images and recordings
 * (their descriptions are in its text) are referenced in metadata.media.
 */
import { speakerLine } from '../text.ts';
import type { Layer, LayerWrite, TurnContext, TurnMessage } from '../types.ts';

/**
 * Short acknowledgements ("ok", "thanks!") are kept but matter less. An assistant reply
 * matters less than the user's words, unless it has a speaker name (a human on the other
 * side, as in two-person conversations), then both sides count the same.
 */
function messageImportance(message: TurnMessage): number {
  const wordCount = message.text.split(/\s+/).filter(Boolean).length;
  const base = message.role === 'user' || message.speaker ? 0.5 : 0.3;
  return wordCount < 3 ? base * 0.5 : base;
}

/** A message's images and recordings (blob refs and what they said), for the memories that quote it. */
function mediaOf(message: TurnMessage): { media?: TurnMessage['media'] } {
  return message.media?.length ? { media: message.media } : {};
}

export function createEpisodicLayer(): Layer {
  return {
    name: 'episodic',
    observe(ctx: TurnContext): LayerWrite[] {
      const writes: LayerWrite[] = [];
      const messageWrite = (message: TurnMessage): LayerWrite => ({
        layer: 'episodic',
        key: message.role,
        content: speakerLine(message),
        importance: messageImportance(message),
        metadata: {
          kind: 'message',
          role: message.role,
          chatId: ctx.chatId,
          messageIds: [message.id],
          ...mediaOf(message),
        },
        sources: ctx.sources.filter((s) => s.messageId === message.id),
      });
      writes.push(messageWrite(ctx.user));
      if (ctx.assistant) {
        writes.push(messageWrite(ctx.assistant));
        writes.push({
          layer: 'episodic',
          key: 'pair',
          content: `${speakerLine(ctx.user)}\n${speakerLine(ctx.assistant)}`,
          importance: 0.4,
          metadata: {
            kind: 'exchange',
            chatId: ctx.chatId,
            messageIds: [ctx.user.id, ctx.assistant.id],
            ...mediaOf(ctx.user),
          },
          sources: ctx.sources,
          linkKeys: ['episodic:user', 'episodic:assistant'],
        });
      }
      if (ctx.previous && ctx.previous.id !== ctx.user.id) {
        // The reply this message answers ("What did you take from the book?" / "It taught
        // me…"): the same context a pair gives, across the turn boundary.
        const userSource = ctx.sources.filter((s) => s.messageId === ctx.user.id);
        writes.push({
          layer: 'episodic',
          key: 'bridge',
          content: `${speakerLine(ctx.previous)}\n${speakerLine(ctx.user)}`,
          importance: 0.4,
          metadata: {
            kind: 'exchange',
            bridge: true,
            chatId: ctx.chatId,
            messageIds: [ctx.previous.id, ctx.user.id],
            ...mediaOf(ctx.user),
          },
          sources: [{ chatId: ctx.chatId, messageId: ctx.previous.id, role: 'assistant' }, ...userSource],
          linkKeys: ['episodic:user'],
        });
      }
      return writes;
    },
  };
}
