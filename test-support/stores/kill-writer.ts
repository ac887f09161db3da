/**
 * Crash tests share one piece of child-process plumbing: run a writer script under tsx,
 * collect the `ack <n>` lines it prints after each durable write, and SIGKILL it once it
 * has acknowledged enough, so the test can then check the file holds every acked write.
 * The caller asserts on what it got (acks and the writer's stderr for the failure message).
 */
import { spawn } from 'node:child_process';

export async function runWriterUntilKilled(
  script: string,
  args: string[],
  acksBeforeKill: number,
): Promise<{ acked: number[]; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: number[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (data) => {
      buffer += String(data);
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      if (acked.length >= acksBeforeKill && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  return { acked, stderr };
}
