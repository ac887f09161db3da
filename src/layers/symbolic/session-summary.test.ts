import { describe, expect, it } from 'vitest';
import type { Memory } from '../../types.ts';
import { summarizeSession } from './session-summary.ts';

const at = '2026-05-01T10:00:00.000Z';
let n = 0;
function memory(layer: Memory['layer'], content: string, metadata: Record<string, unknown> = {}): Memory {
  n += 1;
  return {
    id: `m${n}`,
    userId: 'u1',
    layer,
    content,
    createdAt: at,
    updatedAt: at,
    importance: 0.5,
    accessCount: 0,
    lastAccessedAt: at,
    sources: [{ chatId: 'c1', messageId: `msg${n}`, turnId: 't1' }],
    links: [],
    metadata,
    version: 1,
    strength: 1,
    supersededBy: null,
    embeddingModel: null,
  };
}

const resolve = (text: string) => text.replace('next Friday', 'next Friday (8 May 2026)');

describe('summarizeSession (extractive)', () => {
  it('names the date, speakers and what each talked about, and quotes the salient sentences with dates resolved', () => {
    const memories = [
      memory('episodic', 'Ada: I am so nervous about my chemistry exam next Friday.', {
        kind: 'message',
        role: 'user',
      }),
      memory('episodic', 'Assistant: Have you studied?', { kind: 'message', role: 'assistant' }),
      memory('episodic', 'Ada: Yes, I studied three hours with Anna in the library.', {
        kind: 'message',
        role: 'user',
      }),
      memory('episodic', 'Ada: ok', { kind: 'message', role: 'user' }),
      memory('associative', 'concepts', { kind: 'concepts', entities: ['exam', 'chemistry'] }),
      memory('associative', 'concepts', { kind: 'concepts', entities: ['anna', 'library', 'exam'] }),
    ];
    const summary = summarizeSession(memories, { dateLabel: '1 May 2026', resolve });
    expect(summary).not.toBeNull();
    const content = summary?.content ?? '';
    // What each speaker talked about: Ada's entities; the assistant named none.
    const head = /^Session of 1 May 2026 \(Ada, Assistant, 4 messages\): Ada on ([^.;]+)\. /.exec(content);
    expect(head?.[1]?.split(', ').sort()).toEqual(['anna', 'chemistry', 'exam', 'library']);
    expect(summary?.entities[0]).toBe('exam');
    expect(summary?.entities).toEqual(expect.arrayContaining(['chemistry', 'anna', 'library']));
    expect(content).toContain('Ada: I am so nervous about my chemistry exam next Friday (8 May 2026).');
    expect(content).toContain('Anna in the library');
    // The question and the two-word reply carry nothing worth a summary line.
    expect(content).not.toContain('Have you studied');
    expect(content).not.toContain('Ada: ok');
    const quoted = new Set(summary?.quoted);
    expect(quoted.has(memories[0]!.id) && quoted.has(memories[2]!.id)).toBe(true);
    expect(quoted.has(memories[1]!.id)).toBe(false);
  });

  it('stays within maxChars and returns null for a session without messages', () => {
    const long = Array.from({ length: 30 }, (_, i) =>
      memory('episodic', `Ada: Sentence number ${i} talks about gardening tomatoes and basil plants.`, {
        kind: 'message',
        role: 'user',
      }),
    );
    const summary = summarizeSession(long, { dateLabel: '1 May 2026', resolve, maxChars: 200 });
    expect(summary?.content.length).toBeLessThanOrEqual(200);
    expect(summarizeSession([memory('temporal', 'New session')], { dateLabel: 'x', resolve })).toBeNull();
  });
});
