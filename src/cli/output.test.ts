import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput, renderTable, stderrProgress } from './output.ts';

function streams(isTTY = false) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let out = '';
  let err = '';
  stdout.on('data', (c) => {
    out += c;
  });
  stderr.on('data', (c) => {
    err += c;
  });
  return { stdout, stderr, text: () => ({ out, err }) };
}

describe('CliOutput', () => {
  it('prints JSON with --json and the human text otherwise', () => {
    const s = streams();
    let json = true;
    const output = createOutput(() => json, s);
    output.result({ a: 1 }, () => 'human');
    json = false;
    output.result({ a: 1 }, () => 'human');
    expect(s.text().out).toBe('{\n  "a": 1\n}\nhuman\n');
  });

  it('keeps status and progress off stdout, and bars off non-TTY stderr', () => {
    const s = streams(false);
    const output = createOutput(() => false, s);
    output.info('working');
    const bar = output.progress(10, 'x');
    bar.tick(5);
    bar.stop();
    expect(s.text()).toEqual({ out: '', err: 'working\n' });
  });

  it('draws a progress bar on a TTY', () => {
    const s = streams(true);
    const bar = createOutput(() => false, s).progress(4, 'reembed');
    bar.tick(4);
    bar.stop();
    expect(s.text().err).toContain('reembed');
    expect(s.text().out).toBe('');
  });

  it('keeps bars off stderr with --json, except the eval bar drawn directly', () => {
    const s = streams(true);
    const quiet = createOutput(() => true, s).progress(4, 'quiet');
    quiet.tick(4);
    quiet.stop();
    expect(s.text().err).toBe('');
    const bar = stderrProgress(4, 'locomo', s.stderr);
    bar.tick(4);
    bar.stop();
    expect(s.text().err).toContain('locomo');
    expect(s.text().out).toBe('');
  });

  it('renders tables with numbers, objects and truncated one-line cells', () => {
    const table = renderTable(
      [{ id: 'x', score: 0.123456, meta: { k: 1 }, text: `a\nb ${'z'.repeat(80)}` }],
      ['id', 'score', 'meta', 'text'],
    );
    expect(table).toContain('0.1235');
    expect(table).toContain('{"k":1}');
    expect(table).toContain('a b zzz');
    expect(table).toContain('…');
    expect(renderTable([], ['id'])).toBe('(none)');
  });
});
