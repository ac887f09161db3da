/**
 * CLI output: `--json` prints machine-readable JSON on stdout; otherwise commands print
 * human text and tables (cli-table3). Status lines and progress bars (cli-progress) go to
 * stderr, and bars only when stderr is a terminal, so stdout stays pipeable in both modes.
 */
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { CliOutput } from './types.ts';

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const MAX_CELL = 60;

export function createOutput(isJson: () => boolean, streams: OutputStreams = process): CliOutput {
  return {
    result(value, human) {
      const text = isJson() ? JSON.stringify(value, null, 2) : human();
      streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    table(rows, columns) {
      return renderTable(rows, columns);
    },
    info(message) {
      streams.stderr.write(`${message}\n`);
    },
    progress(total, label) {
      if (isJson()) return { tick() {}, stop() {} };
      return stderrProgress(total, label, streams.stderr);
    },
  };
}

/**
 * The one progress bar: drawn on `stderr` when it is a terminal, a no-op otherwise.
 * CliOutput.progress adds the --json gate; `strata eval` calls this directly because
 * SPEC §9 asks for JSON on stdout *and* a progress bar on stderr there.
 */
export function stderrProgress(
  total: number,
  label: string,
  stderr: OutputStreams['stderr'] = process.stderr,
): { tick(n?: number): void; stop(): void } {
  if (!stderr.isTTY || total <= 0) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta}s`,
      stream: stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: (n = 1) => bar.increment(n),
    stop: () => bar.stop(),
  };
}

export function renderTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const table = new Table({ head: columns, style: { head: [], border: [] }, wordWrap: false });
  for (const row of rows) table.push(columns.map((column) => cell(row[column])));
  return table.toString();
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'number'
      ? formatNumber(value)
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_CELL ? `${oneLine.slice(0, MAX_CELL - 1)}…` : oneLine;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
