/**
 * The one way message content becomes text, for every surface: a string as-is, or
 * OpenAI/Open WebUI content parts joined with newlines, text parts by their text and every
 * other part by a short placeholder (`[image]` for `image_url`, `image` and `input_image`,
 * `[<type>]` otherwise). Placeholders keep a turn that is only a picture from reading as
 * empty, and keep data-URL bytes out of memories, the keyword index and the embedder.
 */

const IMAGE_PARTS = new Set(['image_url', 'image', 'input_image']);

/** Text of a message's content; anything that is neither a string nor a parts array is ''. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const pieces: string[] = [];
  for (const part of content) {
    if (typeof part !== 'object' || part === null) continue;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (type === 'text') {
      if (typeof text === 'string' && text.length > 0) pieces.push(text);
    } else if (typeof type === 'string') {
      pieces.push(IMAGE_PARTS.has(type) ? '[image]' : `[${type}]`);
    }
  }
  return pieces.join('\n');
}
