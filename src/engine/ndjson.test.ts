import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { MemoryError } from '../errors.ts';
import { newMemory } from '../records.ts';
import type { Memory } from '../types.ts';
import { memoryLine, parseImport, versionLine } from './ndjson.ts';
import { lines } from './ndjson-input.ts';

const config = ConfigSchema.parse({ limits: { maxContentBytes: 100 } });
const at = '2024-01-01T00:00:00.000Z';
const alice = newMemory({ id: 'm1', userId: 'alice', layer: 'semantic', content: 'likes tea' }, at, 'hash@1');

function problems(text: string, options: { userId?: string } = {}): string {
  try {
    parseImport(text, { config, ...options });
  } catch (error) {
    if (MemoryError.isInstance(error) && error.code === 'validation_error') return error.message;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('NDJSON lines', () => {
  it('round-trips a memory, its vector and a version', () => {
    const vector = Float32Array.from([0.5, -0.25, 1e-7]);
    const text =
      memoryLine(alice, vector) +
      versionLine({ memoryId: 'm1', version: 1, op: 'create', at, memory: alice });
    const parsed = parseImport(`\n${text}\n\n`, { config });
    expect(parsed.lines).toBe(2);
    expect(parsed.records[0]?.memory).toEqual(alice);
    expect(parsed.records[0]?.line).toBe(2);
    expect([...(parsed.records[0]?.vector ?? [])]).toEqual([...vector]);
    expect(parsed.history).toEqual([{ memoryId: 'm1', version: 1, op: 'create', at, memory: alice }]);
  });

  it('names the line and field of each problem, up to five', () => {
    const bad: Memory = { ...alice, id: 'm2', importance: 3 };
    const message = problems([memoryLine(alice), memoryLine(bad), '{"kind":"other"}\n', 'nope\n'].join(''));
    expect(message).toContain('nothing was imported');
    expect(message).toMatch(/line 2: importance/);
    expect(message).toMatch(/line 3: kind/);
    expect(message).toMatch(/line 4: \(line\): not valid JSON/);
    const many = Array.from({ length: 8 }, () => 'x\n').join('');
    expect(problems(many)).toContain('(and 3 more)');
  });

  it('rejects duplicate ids, orphan versions, empty or oversized content and bad vectors', () => {
    expect(problems(memoryLine(alice) + memoryLine(alice))).toContain('already appeared on line 1');
    expect(
      problems(versionLine({ memoryId: 'zz', version: 1, op: 'create', at, memory: { ...alice, id: 'zz' } })),
    ).toContain('no memory line');
    expect(problems(memoryLine({ ...alice, content: '  ' }))).toMatch(/line 1: content: .*must not be empty/);
    expect(problems(memoryLine({ ...alice, content: 'x'.repeat(101) }))).toMatch(
      /line 1: content: .*100 bytes/,
    );
    expect(
      problems(memoryLine(alice).replace('"kind":"memory"', '"kind":"memory","vector":"AAA"')),
    ).toContain('line 1: vector');
  });

  it('enforces the import user or reassigns lines to it', () => {
    expect(problems(memoryLine(alice), { userId: 'bob' })).toContain('belongs to user "alice"');
    const moved = parseImport(memoryLine(alice), { config, userId: 'bob', reassign: true });
    expect(moved.records[0]?.memory.userId).toBe('bob');
  });

  it('reads strings and streams alike', async () => {
    const { Readable } = await import('node:stream');
    const all = async (input: Parameters<typeof lines>[0]) => {
      const out: string[] = [];
      for await (const line of lines(input)) out.push(line);
      return out;
    };
    expect(await all(Readable.from(['a', Buffer.from('b')]))).toEqual(['ab']);
    expect(await all('c')).toEqual(['c']);
  });
});
