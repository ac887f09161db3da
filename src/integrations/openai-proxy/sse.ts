/**
 * Reassembles the assistant text from an OpenAI-style SSE stream while passing every byte
 * through untouched. Lines are split across chunk boundaries, so a line buffer is kept;
 * `onDone` fires once, after the upstream stream ends, with the full text.
 */

export function tapChatStream(onDone: (text: string) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  const consume = (line: string) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith('data:')) return;
    const data = trimmed.slice(5).trim();
    if (data === '' || data === '[DONE]') return;
    try {
      const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
      const piece = chunk.choices?.[0]?.delta?.content;
      if (typeof piece === 'string') text += piece;
    } catch {
      // A malformed event is the client's problem to show; memory just skips it.
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) consume(line);
    },
    flush() {
      buffer += decoder.decode();
      if (buffer) consume(buffer);
      onDone(text);
    },
  });
}
