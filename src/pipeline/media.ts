/**
 * Media in a turn, before the layers see it: the last user message's images and
 * recordings (text/… parts, Open WebUI attachments; media/parts.ts) are read and checked
 * (media/read-media.ts: a bad item refuses the whole turn with a 4xx, nothing stored),
 * analysed once per blob (OCR, EXIF, caption, transcript; a blob this user already has
 * keeps its earlier analysis), and replaced by their descriptions (media/describe.ts), so
 * every layer, the keyword index and the embedder read plain text. The message id, when
 * the caller sent none, is derived from the text with each item's blob id in place of its
 * description, so the same turn observed again is recognised as a repeat even when a
 * caption model words it differently. New blobs are returned to be written with the
 * turn's memories (observe.ts), admitted by the same quota check.
 */
import type { EngineContext } from '../layers/context.ts';
import { compactRef, describeMedia } from '../media/describe.ts';
import { mediaRefused } from '../media/media-errors.ts';
import { hasMedia, messageSlots, type Slot } from '../media/parts.ts';
import { isReadable, readMedia } from '../media/read-media.ts';
import type { MediaRef, StoredBlob } from '../media/types.ts';
import { assertTimeZone } from '../text/time-zone.ts';
import { type TurnInput, TurnSchema } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { parseWith } from '../validation.ts';
import { derivedMessageId } from './normalize.ts';

export interface PreparedMedia {
  /** The turn with the user message's media replaced by text (and its id fixed). */
  turn: TurnInput;
  /** What the user message carried, in order. */
  media: MediaRef[];
  /** Blobs this user does not have yet. */
  pending: StoredBlob[];
}

/** Null when the turn has no media to read (or media is off): the turn goes on as it is. */
export async function prepareTurnMedia(ctx: EngineContext, input: TurnInput): Promise<PreparedMedia | null> {
  const runtime = ctx.media;
  if (!runtime?.config.enabled) return null;
  const raw = input as { messages?: unknown };
  if (!Array.isArray(raw?.messages)) return null;
  const userIndex = (raw.messages as Array<{ role?: unknown }>).findLastIndex((m) => m?.role === 'user');
  const rawUser = raw.messages[userIndex] as { content?: unknown; files?: unknown } | undefined;
  if (!rawUser) return null;
  const field = `messages[${userIndex}]`;
  const slots = messageSlots(rawUser.content, rawUser.files, field);
  if (!hasMedia(slots)) return null;

  const turn = parseWith(TurnSchema, input, 'turn');
  const timeZone = assertTimeZone(turn.timeZone ?? ctx.config.timeZone);
  const items = slots.filter((s): s is Extract<Slot, { kind: 'media' }> => s.kind === 'media');
  if (items.length > runtime.config.maxPerMessage) {
    throw mediaRefused(
      'too_many_items',
      field,
      `${field} carries ${items.length} images or recordings; the limit is ${runtime.config.maxPerMessage} (media.maxPerMessage).`,
    );
  }
  const media: MediaRef[] = [];
  const pending: StoredBlob[] = [];
  const texts: string[] = [];
  const identity: string[] = [];
  const now = nowIso(ctx.clock);
  for (const slot of slots) {
    if (slot.kind !== 'media') {
      texts.push(slot.text);
      identity.push(slot.text);
      continue;
    }
    const { item } = slot;
    if (!isReadable(item, runtime.config)) {
      // A URL Strata may not fetch, or an Open WebUI file URL relative to its own server.
      const text =
        item.kind === 'audio' && item.text
          ? item.text
          : item.kind === 'image'
            ? '[image]'
            : '[voice message]';
      texts.push(text);
      identity.push(text);
      continue;
    }
    const read = await readMedia(item, runtime.config, runtime.resolve);
    const known = (await runtime.blobs.info(turn.userId, read.id)) ?? pending.find((p) => p.id === read.id);
    const analysis = known?.analysis ?? (await runtime.analyse(read, item, timeZone));
    const ref: MediaRef = {
      id: read.id,
      kind: read.sniffed.kind,
      mimeType: read.sniffed.mimeType,
      bytes: read.data.length,
      ...(item.name ? { name: item.name } : {}),
      ...analysis,
    };
    media.push(compactRef(ref));
    if (!known) {
      pending.push({
        id: read.id,
        userId: turn.userId,
        kind: ref.kind,
        mimeType: ref.mimeType,
        bytes: ref.bytes,
        createdAt: now,
        ...(item.name ? { name: item.name } : {}),
        analysis,
        data: read.data,
      });
    }
    texts.push(describeMedia(ref, { maxOcrChars: runtime.config.ocr.maxChars, timeZone }));
    identity.push(`[${ref.kind}:${ref.id}]`);
  }
  const source = turn.messages[userIndex]!;
  const id =
    source.id ??
    derivedMessageId(turn.userId, turn.chatId, 'user', identity.join('\n'), turn.timestamp ?? '');
  const messages = [...turn.messages];
  messages[userIndex] = {
    id,
    role: 'user',
    content: texts.join('\n'),
    ...(source.timestamp !== undefined ? { timestamp: source.timestamp } : {}),
  };
  return { turn: { ...turn, messages }, media, pending };
}
