import { describe, expect, it } from 'vitest';
import { contentText } from './content.ts';

describe('contentText', () => {
  it('keeps strings and joins text parts with newlines', () => {
    expect(contentText('hello')).toBe('hello');
    expect(
      contentText([
        { type: 'text', text: 'first' },
        { type: 'text', text: 'second' },
      ]),
    ).toBe('first\nsecond');
  });

  it('notes images and other parts by a placeholder, never their bytes', () => {
    const parts = [
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'input_audio', input_audio: { data: 'BBBB', format: 'wav' } },
    ];
    expect(contentText(parts)).toBe('look\n[image]\n[input_audio]');
    expect(contentText([{ type: 'image_url', image_url: { url: 'x' } }])).toBe('[image]');
  });

  it('reads anything else as empty text', () => {
    expect(contentText(undefined)).toBe('');
    expect(contentText(42)).toBe('');
    expect(contentText([null, 3, { text: 'no type' }, { type: 'text', text: 7 }])).toBe('');
  });
});
