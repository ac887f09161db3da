import { describe, expect, it } from 'vitest';
import { INSTRUCTION } from '../../pipeline/format.ts';
import { blockLines, blockOf, mergeBlocks, stripMemoryText } from './memory-block.ts';

const block = (...lines: string[]) =>
  ['<memory_context>', INSTRUCTION, ...lines, '</memory_context>'].join('\n');

describe('memory blocks', () => {
  it('finds the block in a system message, as a string or in text parts', () => {
    const b = block('- [semantic 2025-01-01 aaaa1111] User lives in Lisbon');
    expect(blockOf([{ role: 'user', content: b }])).toBe('');
    expect(blockOf([{ role: 'system', content: `Be kind.\n\n${b}` }])).toBe(b);
    expect(blockOf([{ role: 'system', content: [{ type: 'text', text: b }] }])).toBe(b);
    expect(blockLines(b)).toEqual(['- [semantic 2025-01-01 aaaa1111] User lives in Lisbon']);
  });

  it('merges keeping earlier lines first and each memory once, even when formatted differently', () => {
    const earlier = block(
      '- [semantic 2025-01-01 aaaa1111] User lives in Lisbon',
      '- [episodic 2025-01-01 bbbb2222] Hi',
    );
    const added = block(
      '- [episodic 2024-12-31 bbbb2222] Hi',
      '- [emotional 2025-01-02 cccc3333] User felt joy',
      '- [semantic 2025-01-01 aaaa1111] User lives in Lisbon',
    );
    expect(blockLines(mergeBlocks(earlier, added))).toEqual([
      '- [semantic 2025-01-01 aaaa1111] User lives in Lisbon',
      '- [episodic 2025-01-01 bbbb2222] Hi',
      '- [emotional 2025-01-02 cccc3333] User felt joy',
    ]);
    expect(mergeBlocks('', '')).toBe('');
    expect(mergeBlocks(earlier, '')).toBe(earlier);
  });

  it('strips whole blocks, a block cut off mid-stream, stray tags and the instruction line', () => {
    const b = block('- [semantic 2025-01-01 aaaa1111] User lives in Lisbon');
    expect(stripMemoryText(`Sure.\n\n${b}\n\nYou live in Lisbon.`)).toBe('Sure.\n\nYou live in Lisbon.');
    expect(stripMemoryText(`You live in Lisbon. <memory_context>\n${INSTRUCTION}\n- [sem`)).toBe(
      'You live in Lisbon.',
    );
    expect(stripMemoryText(`${INSTRUCTION}\nok </memory_context>`)).toBe('ok');
    expect(stripMemoryText('Nothing to strip.')).toBe('Nothing to strip.');
  });
});
