/**
 * Runs `node bin/strata ...` as a child process for CLI tests that keep a server (the
 * fake Qdrant) in this process: asynchronous, so the server keeps answering while the CLI
 * runs, and collecting stdout, stderr and the exit status for the test to assert on.
 */
import { spawn } from 'node:child_process';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['bin/strata', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}
