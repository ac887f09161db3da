import { describe, expect, it } from 'vitest';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import type {
  Memory,
  ObserveResult,
  RecallRequest,
  RecallResult,
  SearchResult,
  TurnInput,
} from '../../src/types.ts';
import { runBm25Baseline } from './baseline.ts';
import { parseLocomo, parseSessionDate, turnContent } from './dataset.ts';
import { expandToTurns, normalizeEvidence, recallAtK, scoreQuestion, summarize } from './metric.ts';
import { runLocomo, toTurnInputs } from './run.ts';

// A tiny LoCoMo-shaped conversation whose right answers are known by construction.
const TINY = [
  {
    sample_id: 'tiny-1',
    conversation: {
      speaker_a: 'Ann',
      speaker_b: 'Bob',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Ann', dia_id: 'D1:1', text: 'I adopted a puppy named Rex yesterday.' },
        { speaker: 'Bob', dia_id: 'D1:2', text: 'Congrats! What breed is he?' },
        { speaker: 'Ann', dia_id: 'D1:3', text: 'A beagle.', blip_caption: 'a photo of a beagle on grass' },
      ],
      session_2_date_time: '9:05 am on 1 June, 2023',
      session_2: [
        { speaker: 'Bob', dia_id: 'D2:1', text: 'I started learning the violin last week.' },
        { speaker: 'Ann', dia_id: 'D2:2', text: 'Rex chewed my violin case, sorry!' },
      ],
    },
    qa: [
      {
        question: "What breed is Ann's puppy Rex?",
        answer: 'beagle',
        evidence: ['D1:1', 'd1:3'],
        category: 4,
      },
      { question: 'Which instrument is Bob learning?', answer: 'violin', evidence: ['D:2:1'], category: 1 },
      { question: 'Unanswerable', answer: 'x', evidence: ['D'], category: 3 },
      { question: 'Adversarial', adversarial_answer: 'x', evidence: ['D1:1'], category: 5 },
    ],
  },
];

describe('normalizeEvidence', () => {
  it('repairs the malformations found in the published file', () => {
    expect(normalizeEvidence('D1:3')).toEqual(['D1:3']);
    expect(normalizeEvidence('D:11:26')).toEqual(['D11:26']);
    expect(normalizeEvidence('D8:6; D9:17')).toEqual(['D8:6', 'D9:17']);
    expect(normalizeEvidence(' d01:003 ')).toEqual(['D1:3']);
    expect(normalizeEvidence('D3:4 D3:5')).toEqual(['D3:4', 'D3:5']);
    expect(normalizeEvidence('D')).toEqual([]);
    expect(normalizeEvidence('D10:')).toEqual([]);
  });
});

describe('expandToTurns and recallAtK', () => {
  it('deduplicates source turns in rank order and honours the limit', () => {
    const ranked = [
      { turnIds: ['D1:2', 'D1:1'] },
      { turnIds: ['D1:1', 'D2:1'] },
      { turnIds: [] },
      { turnIds: ['D2:2'] },
    ];
    expect(expandToTurns(ranked)).toEqual(['D1:2', 'D1:1', 'D2:1', 'D2:2']);
    expect(expandToTurns(ranked, 3)).toEqual(['D1:2', 'D1:1', 'D2:1']);
  });

  it('is the share of evidence turns among the first k', () => {
    const turns = ['D1:2', 'D1:1', 'D2:1', 'D2:2'];
    expect(recallAtK(turns, ['D1:1', 'D2:2'], 1)).toBe(0);
    expect(recallAtK(turns, ['D1:1', 'D2:2'], 2)).toBe(0.5);
    expect(recallAtK(turns, ['D1:1', 'D2:2'], 4)).toBe(1);
    expect(recallAtK(turns, ['D1:1', 'D1:1'], 2)).toBe(1);
    expect(recallAtK(turns, [], 5)).toBe(0);
  });

  it('summarizes overall and per category in percent', () => {
    const a = scoreQuestion(['D1:1'], ['D1:1'], 4, [1, 5]);
    const b = scoreQuestion(['D9:9', 'D1:1'], ['D1:1', 'D2:2'], 1, [1, 5]);
    const summary = summarize([a, b], [1, 5]);
    expect(summary.overall).toEqual({ 'R@1': 50, 'R@5': 75 });
    expect(summary.byCategory['multi-hop']).toEqual({ questions: 1, recall: { 'R@1': 0, 'R@5': 50 } });
    expect(summary.byCategory['single-hop']?.recall['R@1']).toBe(100);
  });
});

describe('LoCoMo dataset', () => {
  it('parses session dates as UTC', () => {
    expect(parseSessionDate('1:56 pm on 8 May, 2023')).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:19 am on 4 January, 2024')).toBe('2024-01-04T00:19:00.000Z');
    expect(parseSessionDate('12:00 pm on 1 March, 2023')).toBe('2023-03-01T12:00:00.000Z');
    expect(parseSessionDate('yesterday')).toBeNull();
  });

  it('flattens turns with captions and keeps only categories 1-4', () => {
    const [conv] = parseLocomo(TINY);
    expect(conv!.turns.map((t) => t.diaId)).toEqual(['D1:1', 'D1:2', 'D1:3', 'D2:1', 'D2:2']);
    expect(conv!.turns[2]!.text).toBe(turnContent('A beagle.', 'a photo of a beagle on grass'));
    expect(conv!.turns[2]!.text).toContain('beagle on grass');
    expect(conv!.turns[3]!.at).toBe('2023-06-01T09:05:00.000Z');
    expect(conv!.questions.map((q) => q.evidence)).toEqual([['D1:1', 'D1:3'], ['D2:1'], []]);
  });

  it('rejects a file that is not LoCoMo', () => {
    expect(() => parseLocomo({ nope: true })).toThrow(/Not a LoCoMo file/);
  });

  it('groups speakers into user/assistant turns without crossing sessions', () => {
    const [conv] = parseLocomo(TINY);
    const pairs = toTurnInputs(conv!, 'u', 'pair', false);
    expect(pairs.map((t) => t.messages.map((m) => m.id))).toEqual([
      ['D1:1', 'D1:2'],
      ['D1:3'],
      ['D2:1', 'D2:2'],
    ]);
    // With context, the other speaker's message before a turn comes along (same session only).
    const withContext = toTurnInputs(conv!, 'u', 'pair');
    expect(withContext.map((t) => t.messages.map((m) => `${m.role}:${m.id}`))).toEqual([
      ['user:D1:1', 'assistant:D1:2'],
      ['assistant:D1:2', 'user:D1:3'],
      ['user:D2:1', 'assistant:D2:2'],
    ]);
    expect(withContext[1]!.speakers).toEqual({ user: 'Ann', assistant: 'Bob' });
    expect(pairs[0]!.speakers).toEqual({ user: 'Ann', assistant: 'Bob' });
    expect(pairs[2]!.timestamp).toBe('2023-06-01T09:05:00.000Z');
    expect(toTurnInputs(conv!, 'u', 'single')).toHaveLength(5);
  });
});

/** A fake engine: keyword-overlap ranking over observed messages, one memory per message. */
function fakeEngine(): StrataMemory {
  const memories: Memory[] = [];
  const rank = (userId: string, query: string, k: number): SearchResult[] => {
    const words = new Set(query.toLowerCase().match(/[a-z]{4,}/g) ?? []);
    return memories
      .filter((m) => m.userId === userId)
      .map((memory) => ({
        memory,
        score: (memory.content.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => words.has(w)).length,
      }))
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  };
  const engine: Partial<StrataMemory> = {
    async observeTurn(turn: TurnInput): Promise<ObserveResult> {
      const stored = turn.messages.map((m, i) => {
        const memory: Memory = {
          id: `m${memories.length + i}`,
          userId: turn.userId,
          layer: 'episodic',
          content: String(m.content),
          createdAt: turn.timestamp!,
          updatedAt: turn.timestamp!,
          importance: 0.5,
          strength: 1,
          accessCount: 0,
          lastAccessedAt: null,
          sources: i === 0 ? [{ messageId: m.id! }] : [],
          links: [],
          metadata: {},
          version: 1,
          supersededBy: null,
          embeddingModel: null,
        };
        return memory;
      });
      memories.push(...stored);
      return { turnId: 't', stored, updated: [], skipped: false };
    },
    async recall(request: RecallRequest): Promise<RecallResult> {
      const query = String(request.messages.at(-1)!.content);
      return { context: '', memories: rank(request.userId, query, request.k ?? 10) };
    },
    async flushSummaries() {
      return { written: 0, pending: 0 };
    },
    async close() {},
  };
  return engine as StrataMemory;
}

describe('runLocomo', () => {
  it('scores a tiny conversation with known answers through observeTurn and recall', async () => {
    const convs = parseLocomo(TINY);
    const progress: number[] = [];
    const report = await runLocomo(convs, async () => ({ memory: fakeEngine() }), {
      turnMode: 'single',
      onProgress: (done) => progress.push(done),
    });
    // Q1 (single-hop): "breed"/"puppy" hit D1:2 and D1:1 first, "beagle" not asked → D1:3 missed at k=1.
    // Q2 (multi-hop): "instrument"/"learning" → D2:1 found first.
    expect(report.questions).toBe(2);
    expect(report.skippedQuestions).toBe(1);
    expect(report.byCategory['multi-hop']?.recall['R@1']).toBe(100);
    expect(report.byCategory['single-hop']?.recall['R@20']).toBe(50);
    expect(report.turns).toBe(5);
    expect(progress.at(-1)).toBe(8);
  });

  it('falls back to the observed turn when a memory has no message id', async () => {
    const convs = parseLocomo(TINY);
    const report = await runLocomo(convs, async () => ({ memory: fakeEngine() }), { turnMode: 'pair' });
    // In pair mode the second message's memory has no source id but maps to its pair's turns.
    expect(report.byCategory['multi-hop']?.recall['R@1']).toBe(100);
  });

  it('reproduces the published BM25 baseline shape on the tiny set', () => {
    const summary = runBm25Baseline(parseLocomo(TINY));
    expect(summary.questions).toBe(2);
    expect(summary.byCategory['multi-hop']?.recall['R@1']).toBe(100);
    expect(summary.overall['R@20']).toBe(100);
  });
});
