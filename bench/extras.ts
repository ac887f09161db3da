/**
 * Optional sections of `strata bench`, chosen by flags: the concurrent-users HTTP load and
 * the mem0 side-by-side latency run. Each returns a named section for the report; a failing
 * section is reported as an error instead of aborting the whole bench.
 */
import type { StrataConfig } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import { runPeerLatency } from './peer-latency.ts';

export interface ExtrasOptions {
  quick: boolean;
  peer?: string | undefined;
  http: boolean;
  config: StrataConfig;
}

export function benchExtras(
  options: ExtrasOptions,
): Array<{ name: string; run: (scratch: string) => Promise<unknown> }> {
  const extras: Array<{ name: string; run: (scratch: string) => Promise<unknown> }> = [];
  if (options.http) {
    extras.push({
      name: 'http',
      // Loaded here, not at the top: http-users needs autocannon, a development dependency
      // that an installed package lacks, and `strata --help` loads every command module.
      run: async (scratch) =>
        (await import('./http-users.ts')).runHttpLoad(scratch, {
          users: 50,
          connections: options.quick ? 10 : 50,
          requests: options.quick ? 500 : 5_000,
          embedder: options.config.embedder.kind,
        }),
    });
  }
  if (options.peer === 'mem0') {
    // 1k and 10k in the full run (the standing sizes); 500 in --quick.
    for (const memories of options.quick ? [500] : [1_000, 10_000]) {
      extras.push({
        name: memories === 10_000 ? 'peer-mem0-10k' : 'peer-mem0',
        run: (scratch) =>
          runPeerLatency(
            { ...options.config, log: { level: 'error' } },
            async (config) => createMemory(config),
            scratch,
            memories,
            options.quick ? 100 : 200,
          ),
      });
    }
  } else if (options.peer) {
    throw new Error(`Unknown peer "${options.peer}"; the available peer is "mem0".`);
  }
  return extras;
}
