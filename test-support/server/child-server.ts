/**
 * Runs `node bin/strata serve --port 0` (or a given port, for peers that must find each
 * other again after a restart) as a child process over a given data dir and config file,
 * and resolves once it prints its URL. `stop()` sends SIGTERM and resolves
 * with the exit code, so tests can assert a clean shutdown.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildServer {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const ROOT = join(import.meta.dirname, '../..');

export function startChildServer(
  args: string[],
  env: Record<string, string> = {},
  options: { port?: number } = {},
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['bin/strata', ...args, 'serve', '--port', String(options.port ?? 0)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 20s:\n${log}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /strata listening on (http:\/\/\S+)/.exec(log);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: match[1],
        child,
        output: () => log,
        stop: async (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log}`));
    });
  });
}
