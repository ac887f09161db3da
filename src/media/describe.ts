/**
 * The short text a media item leaves in its message, the words that are embedded,
 * keyword-indexed and shown in recall: an image becomes `[image (taken <date>): <caption>.
 * Text: "<OCR excerpt>"]` with whatever parts it has (`[image]` when it has none), a voice
 * message its transcript. The OCR excerpt is cut at a word boundary to media.ocr.maxChars;
 * the full text stays in metadata.media.
 */
import { describeDate } from '../text/time-expressions.ts';
import { toWallClock } from '../text/time-zone.ts';
import type { MediaRef } from './types.ts';

/** Per item in a memory's metadata.media (the blob keeps the full analysis): recognized text and timed segments. */
const REF_OCR_CHARS = 1000;
const REF_SEGMENTS = 20;

/**
 * The reference a memory keeps of an item: small enough that a message with its
 * maximum of items stays within limits.maxMetadataBytes (export/import checks it). The
 * transcript itself is the memory's text, so only its timing stays here.
 */
export function compactRef(ref: MediaRef): MediaRef {
  const { transcript: _transcript, ocrSkipped: _skipped, ...rest } = ref;
  const out: MediaRef = { ...rest };
  if (ref.ocrText && ref.ocrText.length > REF_OCR_CHARS) out.ocrText = excerpt(ref.ocrText, REF_OCR_CHARS);
  if (ref.segments) {
    out.segments = ref.segments
      .slice(0, REF_SEGMENTS)
      .map((s) => ({ start: s.start, end: s.end, text: excerpt(s.text, 200) }));
  }
  return out;
}

export function excerpt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "Sunday 14 March 2021 10:22" in the user's zone. */
export function takenLabel(takenAt: string, timeZone: string): string {
  const wall = toWallClock(new Date(takenAt), timeZone).toISOString();
  return describeDate({ label: `${wall.slice(0, 10)} ${wall.slice(11, 16)}`, granularity: 'time' });
}

export function describeMedia(ref: MediaRef, options: { maxOcrChars: number; timeZone: string }): string {
  if (ref.kind === 'audio') {
    if (ref.transcript) return ref.transcript;
    return ref.name ? `[voice message: ${ref.name}]` : '[voice message]';
  }
  const pieces: string[] = [];
  if (ref.caption) pieces.push(ref.caption.replace(/[.\s]+$/, ''));
  if (ref.ocrText && options.maxOcrChars > 0) {
    const quoted = `"${excerpt(ref.ocrText, options.maxOcrChars)}"`;
    pieces.push(ref.caption ? `Text: ${quoted}` : quoted);
  }
  if (pieces.length === 0 && ref.name) pieces.push(ref.name);
  const when = ref.takenAt ? ` (taken ${takenLabel(ref.takenAt, options.timeZone)})` : '';
  return pieces.length ? `[image${when}: ${pieces.join('. ')}]` : `[image${when}]`;
}
