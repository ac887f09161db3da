/**
 * Reassembles the assistant text from an OpenAI-style SSE stream while passing every byte
 * through untouched. Lines are split across chunk boundaries, so a line buffer is kept.
 * `onEnd` fires once: with `partial: false` after the upstream stream ends, or with the
 * text passed on so far and `partial: true` when the client goes away first (the response
 * is cancelled; the upstream read is cancelled too) or the upstream stream fails mid-way.
 * Nothing is read ahead of the client (high-water mark 0), so the partial text is what was
 * handed to the client. `beforeFinish` runs once with the whole text just before the reply
 * is released as finished: before the chunk holding `data: [DONE]` is passed on (or before
 * the stream closes, for an upstream that sends none), so the caller can persist the turn
 * first.
 */

export type StreamEnd = { partial: false } | { partial: true; reason: 'client_aborted' | 'upstream_error' };

export function tapChatStream(
  source: ReadableStream<Uint8Array>,
  onEnd: (text: string, end: StreamEnd) => void,
  beforeFinish?: (text: string) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  let ended = false;
  let cancelled = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    beforeFinish?.(text);
  };
  const end = (how: StreamEnd) => {
    if (ended) return;
    ended = true;
    onEnd(text, how);
  };
  const consume = (line: string) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith('data:')) return;
    const data = trimmed.slice(5).trim();
    if (data === '[DONE]') finish();
    if (data === '' || data === '[DONE]') return;
    try {
      const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
      const piece = chunk.choices?.[0]?.delta?.content;
      if (typeof piece === 'string') text += piece;
    } catch {
      // A malformed event is the client's problem to show; memory just skips it.
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          end({ partial: true, reason: 'upstream_error' });
          if (!cancelled) controller.error(error);
          return;
        }
        // Cancelled while the read was pending: the stream is already closed.
        if (cancelled) return;
        if (chunk.done) {
          buffer += decoder.decode();
          if (buffer) consume(buffer);
          finish();
          controller.close();
          end({ partial: false });
          return;
        }
        // The chunk's lines are read before it is passed on, so a [DONE] in it is held back
        // until beforeFinish has run.
        buffer += decoder.decode(chunk.value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) consume(line);
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        cancelled = true;
        end({ partial: true, reason: 'client_aborted' });
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
