/**
 * A progress bar on stderr for long evaluations. Unlike the CLI's shared output (which
 * stays quiet with --json), SPEC §9 asks for JSON on stdout *and* a progress bar on stderr,
 * so this draws whenever stderr is a terminal, whatever the output mode.
 */
import cliProgress from 'cli-progress';

export function stderrProgress(total: number, label: string): { tick(n?: number): void; stop(): void } {
  if (!process.stderr.isTTY || total <= 0) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta}s`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick(n = 1) {
      bar.increment(n);
    },
    stop() {
      bar.stop();
    },
  };
}
