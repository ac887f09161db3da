/**
 * Media in a message, in the shapes chat front ends send: content parts `image_url`
 * ({url} or a bare string), `input_image`, `image` (AI SDK style), `input_audio`
 * ({data, format}), `audio_url`, `file` ({file_data, filename}), and Open WebUI attachments
 * in a message's `files` (`{type:"image", url}`, `{type:"file"|"audio", url, name, file:{meta:
 * {content_type}, data:{content}}}`; Open WebUI's own extracted text or transcript counts).
 * Documents and other attachments are left alone (Open WebUI handles them itself). The
 * result is the message as slots: text, a media item, or a placeholder for anything else.
 */
import type { MediaInput, MediaKind } from './types.ts';

export type Slot =
  | { kind: 'text'; text: string }
  | { kind: 'media'; item: MediaInput }
  | { kind: 'placeholder'; text: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function urlOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObj(value) ? str(value.url) : undefined;
}

const kindOfType = (type: string | undefined): MediaKind | undefined =>
  type?.startsWith('image/') ? 'image' : type?.startsWith('audio/') ? 'audio' : undefined;

const dataUrlType = (url: string | undefined) => url?.match(/^data:([^;,]+)/i)?.[1]?.toLowerCase();

function item(
  kind: MediaKind,
  field: string,
  fields: { [K in keyof MediaInput]?: MediaInput[K] | undefined },
): MediaInput {
  const out: MediaInput = { kind, field };
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined) (out as unknown as Obj)[key] = value;
  return out;
}

function fromPart(part: Obj, field: string): Slot | null {
  const type = str(part.type);
  switch (type) {
    case 'text':
      return typeof part.text === 'string' && part.text.length > 0 ? { kind: 'text', text: part.text } : null;
    case 'image_url':
    case 'input_image': {
      const url = urlOf(part.image_url) ?? str(part.url);
      return url
        ? { kind: 'media', item: item('image', field, { url }) }
        : { kind: 'placeholder', text: '[image]' };
    }
    case 'image': {
      const image = str(part.image) ?? urlOf(part.image_url) ?? str(part.url);
      const declaredType = str(part.mediaType) ?? str(part.mimeType);
      if (!image) return { kind: 'placeholder', text: '[image]' };
      const isUrl = /^(data:|https?:)/i.test(image);
      return {
        kind: 'media',
        item: item('image', field, isUrl ? { url: image, declaredType } : { base64: image, declaredType }),
      };
    }
    case 'input_audio': {
      const audio = isObj(part.input_audio) ? part.input_audio : {};
      const data = str(audio.data);
      if (!data) return { kind: 'placeholder', text: '[voice message]' };
      return { kind: 'media', item: item('audio', field, { base64: data, declaredType: str(audio.format) }) };
    }
    case 'audio_url': {
      const url = urlOf(part.audio_url);
      return url
        ? { kind: 'media', item: item('audio', field, { url }) }
        : { kind: 'placeholder', text: '[voice message]' };
    }
    case 'file': {
      const file = isObj(part.file) ? part.file : {};
      const url = str(file.file_data);
      const kind = kindOfType(dataUrlType(url));
      if (url && kind) return { kind: 'media', item: item(kind, field, { url, name: str(file.filename) }) };
      return { kind: 'placeholder', text: '[file]' };
    }
    default:
      return type ? { kind: 'placeholder', text: `[${type}]` } : null;
  }
}

/** An Open WebUI attachment as a media item, or null for documents and unknown shapes. */
function fromAttachment(file: Obj, field: string): MediaInput | null {
  const inner = isObj(file.file) ? file.file : {};
  const meta = isObj(inner.meta) ? inner.meta : {};
  const data = isObj(inner.data) ? inner.data : {};
  const url = str(file.url);
  const declaredType =
    str(file.content_type) ??
    str(meta.content_type) ??
    dataUrlType(url) ??
    (file.type === 'image' ? 'image/*' : undefined);
  const kind: MediaKind | undefined =
    file.type === 'image' ? 'image' : file.type === 'audio' ? 'audio' : kindOfType(declaredType);
  if (!kind) return null;
  const name = str(file.name) ?? str(inner.filename) ?? str(meta.name);
  const text = kind === 'audio' ? str(data.content) : undefined;
  return item(kind, field, {
    url,
    declaredType: declaredType && !declaredType.endsWith('/*') ? declaredType : undefined,
    name,
    text,
  });
}

/** The message's content and attachments as slots, in order (attachments after the content). */
export function messageSlots(content: unknown, files: unknown, field: string): Slot[] {
  const slots: Slot[] = [];
  if (typeof content === 'string') {
    if (content.length > 0) slots.push({ kind: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, i) => {
      if (!isObj(part)) return;
      const slot = fromPart(part, `${field}.content[${i}]`);
      if (slot) slots.push(slot);
    });
  }
  if (Array.isArray(files)) {
    files.forEach((file, i) => {
      if (!isObj(file)) return;
      const media = fromAttachment(file, `${field}.files[${i}]`);
      if (media) slots.push({ kind: 'media', item: media });
    });
  }
  return slots;
}

export const hasMedia = (slots: readonly Slot[]) => slots.some((s) => s.kind === 'media');
