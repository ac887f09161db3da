/**
 * Strata as users install it: `npm pack` (its prepack runs the build), the tarball installed
 * into an empty project outside the repo with `npm install --offline` and no project or user
 * `.npmrc` in effect (so nothing skips onnxruntime-node's downloading install script for us:
 * the default install must simply not contain it), and then, in that project, a plain `.mjs`
 * that uses createMemory, a strict TypeScript file checked against the shipped `.d.ts`,
 * `npx strata --help` and a CLI add/search. Prints the tarball size, installed size and
 * install time.
 *
 * Offline resolution: npm 11 resolves a lockfile-less install from full packuments, which the
 * offline npm cache does not hold, so the project gets a lockfile made from this repo's
 * package-lock.json: the tarball itself plus every non-development entry (what the
 * published package's `dependencies` pull in, with their pinned versions and integrity).
 * A runtime import missing from `dependencies` would be missing there too. better-sqlite3's
 * install script looks for a local prebuild first (a `.prebuild-installrc` in the project
 * names a folder holding this checkout's compiled binary) instead of downloading one.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const NPM_CLI = findNpmCli();

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

let work: string;
let app: string;
let env: NodeJS.ProcessEnv;
const measured = { tarballBytes: 0, unpackedBytes: 0, installedBytes: 0, installMs: 0, files: 0 };

/** The optional engines the default install must not reach. */
const OPTIONAL_ENGINES = ['@huggingface/transformers', 'onnxruntime-node', '@tensorflow/tfjs-core'];

/** A `node_modules` folder holding an optional engine in `dir` or any folder above it. */
function enginesAbove(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = OPTIONAL_ENGINES.map((name) => join(at, 'node_modules', name)).find((path) =>
      existsSync(path),
    );
    if (found) return found;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * Where the empty project goes: the temp folder, unless a `node_modules` above it (left on
 * the machine by something else) holds an optional engine, which Node would find by walking
 * up from the installed package and so hide what a user's fresh project sees.
 */
function projectBase(): string {
  const candidates = [tmpdir(), '/var/tmp', homedir()];
  const clean = candidates.find((dir) => existsSync(dir) && enginesAbove(dir) === undefined);
  if (!clean) {
    throw new Error(
      `every candidate folder for the test project has an optional engine installed above it (${candidates.map((dir) => enginesAbove(dir)).join(', ')}); remove one`,
    );
  }
  return clean;
}

/** The npm CLI script next to this Node, so the child runs the same npm without a shell. */
function findNpmCli(): string {
  const candidates = [
    resolve(process.execPath, '../../lib/node_modules/npm/bin/npm-cli.js'),
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
    '/usr/local/lib/node_modules/npm/bin/npm-cli.js',
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`npm-cli.js not found (looked in ${candidates.join(', ')})`);
  return found;
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function npm(args: string[], cwd: string): string {
  return run(process.execPath, [NPM_CLI, ...args], cwd);
}

function sizeOf(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += sizeOf(child);
    else if (entry.isFile()) total += statSync(child).size;
  }
  return total;
}

/** The project's lockfile: the tarball plus this repo's non-development lock entries. */
/**
 * The registry URL of a lock entry's tarball. This repo's lockfile omits `resolved`
 * (omit-lockfile-registry-resolved), and without it an offline install asks the cache for the
 * package's packument, which the cache may hold only in another form: with the URL it reads
 * the cached tarball by its integrity.
 */
function registryTarball(path: string, entry: LockEntry): string {
  const name = (entry.name as string | undefined) ?? path.slice(path.lastIndexOf('node_modules/') + 13);
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`;
}

function projectLock(tarball: string, manifest: Record<string, unknown>): unknown {
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { 'strata-memory': `file:${tarball}` } },
    'node_modules/strata-memory': {
      version: manifest.version,
      resolved: `file:${tarball}`,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === '' || entry.dev || entry.devOptional || !path.startsWith('node_modules/')) continue;
    packages[path] = entry.resolved ? entry : { ...entry, resolved: registryTarball(path, entry) };
  }
  return { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

beforeAll(() => {
  work = mkdtempSync(join(projectBase(), 'strata-package-'));
  app = join(work, 'app');
  mkdirSync(app);
  const emptyRc = join(work, 'empty-npmrc');
  const emptyGlobalRc = join(work, 'empty-global-npmrc');
  writeFileSync(emptyRc, '');
  writeFileSync(emptyGlobalRc, '');
  // No npm_config_* from an enclosing `npm test` (it would carry this repo's .npmrc), no STRATA_*.
  env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_(config|package|lifecycle)_/i.test(key) && !key.startsWith('STRATA_'),
    ),
  );
  env.npm_config_userconfig = emptyRc;
  env.npm_config_globalconfig = emptyGlobalRc;
  env.npm_config_cache = process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm');
  env.npm_config_update_notifier = 'false';

  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT)) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }>;
  if (!packed) throw new Error('npm pack printed no result');
  const tarball = join(work, packed.filename);
  measured.tarballBytes = statSync(tarball).size;
  measured.unpackedBytes = packed.unpackedSize;
  measured.files = packed.entryCount;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

  // better-sqlite3's prebuild-install reads .prebuild-installrc upward from its folder.
  const sqlite = join(ROOT, 'node_modules/better-sqlite3');
  const sqliteVersion = (
    JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const prebuilds = join(work, 'prebuilds');
  mkdirSync(prebuilds);
  const prebuildName = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['czf', join(prebuilds, prebuildName), 'build/Release/better_sqlite3.node'], {
    cwd: sqlite,
  });
  writeFileSync(join(work, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);

  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { 'strata-memory': `file:${tarball}` } }, null, 2)}\n`,
  );
  writeFileSync(
    join(app, 'package-lock.json'),
    `${JSON.stringify(projectLock(tarball, manifest), null, 2)}\n`,
  );

  const started = Date.now();
  npm(['install', '--offline', '--no-audit', '--no-fund'], app);
  measured.installMs = Date.now() - started;
  measured.installedBytes = sizeOf(join(app, 'node_modules'));
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(
    `package: tarball ${mb(measured.tarballBytes)} (${measured.files} files, ${mb(measured.unpackedBytes)} unpacked); ` +
      `installed node_modules ${mb(measured.installedBytes)}; npm install --offline ${(measured.installMs / 1000).toFixed(1)} s`,
  );
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed npm package, installed into an empty project', { timeout: 60_000 }, () => {
  it('ships compiled code, types and the default model, and not the sources or tests', () => {
    const pkg = join(app, 'node_modules/strata-memory');
    for (const file of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/integrations/ai-sdk/index.js',
      'dist/src/integrations/ai-sdk/index.d.ts',
      'dist/src/cli/main.js',
      'bin/strata',
      'models/strata-static-use-wink-228.bin',
    ]) {
      expect(existsSync(join(pkg, file)), file).toBe(true);
    }
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'dist/src/cli/main.test.js'))).toBe(false);
  });

  it('installs lean: no ONNX runtime, transformers, TF.js, Qdrant client, pg, PGlite, tsx or esbuild', () => {
    for (const name of [
      'onnxruntime-node',
      '@huggingface/transformers',
      '@tensorflow/tfjs-core',
      '@qdrant/js-client-rest',
      'pg',
      '@electric-sql/pglite',
      'tsx',
      'esbuild',
      'typescript',
    ]) {
      expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    }
    expect(measured.installedBytes).toBeGreaterThan(0);
  });

  it('imports and uses createMemory from a plain .mjs', () => {
    const data = join(work, 'lib-data');
    writeFileSync(
      join(app, 'use.mjs'),
      [
        "import { createMemory, ModelMissingError } from 'strata-memory';",
        "import { strataMiddleware } from 'strata-memory/ai-sdk';",
        `const memory = createMemory({ dataDir: ${JSON.stringify(data)} });`,
        "await memory.add({ userId: 'alice', content: 'I love hiking in the Alps' });",
        "const alice = await memory.search({ userId: 'alice', query: 'mountains', k: 5 });",
        "const bob = await memory.search({ userId: 'bob', query: 'mountains', k: 5 });",
        '// An optional engine that is not installed fails with a typed error naming the package.',
        "const onnx = createMemory({ dataDir: process.argv[2], embedder: { kind: 'onnx', modelPath: process.argv[2] } });",
        "const missing = await onnx.add({ userId: 'alice', content: 'x' }).then(() => undefined, (error) => error);",
        'await onnx.close().catch(() => {});',
        'await memory.close();',
        "let resolved = null; try { resolved = import.meta.resolve('@huggingface/transformers'); } catch {}",
        'console.log(JSON.stringify({ alice: alice.map((r) => r.memory.content), bob: bob.length, middleware: typeof strataMiddleware,',
        '  missing: { code: missing?.code, typed: missing instanceof ModelMissingError, message: missing?.message }, resolved }));',
      ].join('\n'),
    );
    const out = JSON.parse(run(process.execPath, ['use.mjs', join(work, 'onnx-data')], app)) as {
      alice: string[];
      bob: number;
      middleware: string;
      missing: { code?: string; typed: boolean; message?: string };
      resolved: string | null;
    };
    expect(out.alice).toEqual(['I love hiking in the Alps']);
    expect(out.bob).toBe(0);
    expect(out.middleware).toBe('function');
    expect(out.missing.code).toBe('model_missing');
    // The app must not see the package at all (from its own folder or any folder above it).
    expect(out.resolved, 'where @huggingface/transformers resolved from the app').toBeNull();
    expect(out.missing.message).toMatch(/npm install @huggingface\/transformers/);
  });

  it('type-checks a strict TypeScript file against the shipped declarations', () => {
    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { createMemory, type Memory, type SearchResult, MemoryError } from 'strata-memory';",
        "import { strataMiddleware } from 'strata-memory/ai-sdk';",
        'export async function demo(dir: string): Promise<string[]> {',
        '  const memory = createMemory({ dataDir: dir });',
        "  const added: Memory = await memory.add({ userId: 'alice', content: 'hi' });",
        "  const results: SearchResult[] = await memory.search({ userId: 'alice', query: added.content, k: 3 });",
        '  await memory.close();',
        '  return results.map((result) => result.memory.content);',
        '}',
        'export const isTyped = (error: unknown): boolean => MemoryError.isInstance(error);',
        'export const middleware = strataMiddleware;',
        '// @ts-expect-error userId is required',
        "export const wrong = (m: ReturnType<typeof createMemory>) => m.search({ query: 'x' });",
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    // Throws (with tsc's diagnostics on stdout) if anything fails to type-check.
    expect(run(process.execPath, [TSC, '-p', 'tsconfig.json'], app)).toBe('');
  });

  it('runs `npx strata --help` and a CLI add/search from the compiled code', () => {
    const help = npm(['exec', '--offline', '--', 'strata', '--help'], app);
    expect(help).toContain('Usage: strata');
    expect(help).toMatch(/recall/);
    const data = join(work, 'cli-data');
    npm(
      [
        'exec',
        '--offline',
        '--',
        'strata',
        '--data-dir',
        data,
        'add',
        '--user',
        'alice',
        'My sister lives in Lisbon',
      ],
      app,
    );
    const found = JSON.parse(
      npm(
        [
          'exec',
          '--offline',
          '--',
          'strata',
          '--data-dir',
          data,
          'search',
          '--user',
          'alice',
          'Lisbon',
          '--json',
        ],
        app,
      ),
    ) as { results: Array<{ memory: { content: string } }> };
    expect(found.results[0]?.memory.content).toBe('My sister lives in Lisbon');
    const other = JSON.parse(
      npm(
        [
          'exec',
          '--offline',
          '--',
          'strata',
          '--data-dir',
          data,
          'search',
          '--user',
          'bob',
          'Lisbon',
          '--json',
        ],
        app,
      ),
    );
    expect(other).toEqual({ results: [] });
  });

  describe('examples/, run as a user runs them in this project', () => {
    const EXAMPLES = join(ROOT, 'examples');
    const copy = (name: string) =>
      writeFileSync(join(app, name.replace('/', '-')), readFileSync(join(EXAMPLES, name)));

    it('library.mjs: observes a turn, recalls the exam date, finds by meaning, keeps users apart', () => {
      copy('library.mjs');
      const out = run(process.execPath, ['library.mjs', join(work, 'ex-lib')], app);
      expect(out).toMatch(/<memory_context>[\s\S]*exam is next Friday \(Friday/);
      expect(out).toMatch(/\[\s*'I love hiking in the Alps'/);
      expect(out.trim().split('\n').at(-1)).toBe('0');
    });

    it('library.ts: type-checks strictly against the shipped declarations', () => {
      copy('library.ts');
      writeFileSync(
        join(app, 'tsconfig.examples.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            exactOptionalPropertyTypes: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['library.ts'],
        }),
      );
      expect(run(process.execPath, [TSC, '-p', 'tsconfig.examples.json'], app)).toBe('');
    });

    it('cli-session.sh: add, search, update, history, rollback, recall, export through npx', () => {
      copy('cli-session.sh');
      const out = run('bash', ['cli-session.sh', join(work, 'ex-cli')], app)
        .trim()
        .split('\n');
      expect(out.slice(0, 4)).toEqual(['I love hiking in the Alps', '0', '2', 'I love hiking in the Alps']);
      expect(out.join('\n')).toMatch(/<memory_context>[\s\S]*Alps/);
    });

    it('rest-curl.sh: against `strata serve` from the installed package', async () => {
      copy('rest-curl.sh');
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const server = spawn(
        process.execPath,
        [
          join(app, 'node_modules/strata-memory/bin/strata'),
          '--data-dir',
          join(work, 'ex-rest'),
          'serve',
          '--port',
          String(port),
        ],
        { cwd: app, env, stdio: 'ignore' },
      );
      try {
        const url = `http://127.0.0.1:${port}`;
        for (let i = 0; i < 100; i++) {
          const ready = await fetch(`${url}/readyz`).then(
            (r) => r.ok,
            () => false,
          );
          if (ready) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const out = execFileSync('bash', ['rest-curl.sh'], {
          cwd: app,
          env: { ...env, STRATA_URL: url },
          encoding: 'utf8',
        });
        const lines = out.trim().split('\n');
        expect(lines[0]).toBe('{"status":"ready"}');
        expect(out).toContain('I love hiking in the Alps');
        expect(out).toMatch(/exam is next Friday \(Friday/);
        expect(lines.at(-1)).toBe('0');
        // The inspector page is in the package and served from it.
        const page = await fetch(`${url}/ui`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('/ui/assets/app.js');
        const script = await fetch(`${url}/ui/assets/app.js`);
        expect(script.status).toBe(200);
        expect(await script.text()).toContain("from './api.js'");
      } finally {
        server.kill('SIGTERM');
      }
    });

    it('openai-proxy.mjs: memories reach the upstream model through the proxy', async () => {
      copy('openai-proxy.mjs');
      const seen: string[] = [];
      const upstream = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          seen.push(body);
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              choices: [{ index: 0, message: { role: 'assistant', content: `reply ${seen.length}` } }],
            }),
          );
        });
      });
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
      const upstreamPort = (upstream.address() as { port: number }).port;
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const server = spawn(
        process.execPath,
        [
          join(app, 'node_modules/strata-memory/bin/strata'),
          '--data-dir',
          join(work, 'ex-proxy'),
          'serve',
          '--port',
          String(port),
        ],
        {
          cwd: app,
          env: { ...env, STRATA_SERVER__UPSTREAM__BASE_URL: `http://127.0.0.1:${upstreamPort}/v1` },
          stdio: 'ignore',
        },
      );
      try {
        const url = `http://127.0.0.1:${port}`;
        for (let i = 0; i < 100; i++) {
          if (
            await fetch(`${url}/readyz`).then(
              (r) => r.ok,
              () => false,
            )
          )
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // Asynchronously: the fake upstream answers from this process's event loop.
        const { stdout: out } = await promisify(execFile)(process.execPath, ['openai-proxy.mjs'], {
          cwd: app,
          env: { ...env, STRATA_URL: url },
          encoding: 'utf8',
        });
        expect(out.trim().split('\n')).toEqual(['reply 1', 'reply 2']);
        expect(seen[1]).toMatch(/<memory_context>[\s\S]*Rex/);
      } finally {
        server.kill('SIGTERM');
        upstream.close();
      }
    });

    it('mcp-client.mjs: the MCP SDK client over stdio remembers and recalls', async () => {
      copy('mcp-client.mjs');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['mcp-client.mjs', join(work, 'ex-mcp')],
        {
          cwd: app,
          env,
          encoding: 'utf8',
        },
      );
      const [tools, ...rest] = stdout.trim().split('\n');
      expect(tools?.split(' ')).toEqual(expect.arrayContaining(['remember', 'recall', 'search', 'forget']));
      expect(rest.join('\n')).toMatch(/genmaicha/);
    });

    it('mcp/claude-desktop.json: launched verbatim as Claude Desktop does (command, args, env), it serves the tools', async () => {
      const desktop = JSON.parse(readFileSync(join(EXAMPLES, 'mcp/claude-desktop.json'), 'utf8')) as {
        mcpServers: { strata: { command: string; args: string[]; env: Record<string, string> } };
      };
      const server = desktop.mcpServers.strata;
      expect(server.env.STRATA_DATA_DIR).toBe('/path/to/your/strata-data');
      // The one line a user edits: where the data lives.
      const dataDir = join(work, 'ex-claude-desktop');
      const transport = new StdioClientTransport({
        command: server.command,
        args: server.args,
        env: { ...env, ...server.env, STRATA_DATA_DIR: dataDir } as Record<string, string>,
        cwd: app,
        stderr: 'ignore',
      });
      const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['remember', 'recall']));
        await client.callTool({ name: 'remember', arguments: { content: 'My bike is a green Brompton' } });
        const recalled = (await client.callTool({
          name: 'recall',
          arguments: { query: 'What bike do I ride?' },
        })) as {
          content: Array<{ text: string }>;
        };
        expect(recalled.content[0]?.text).toMatch(/Brompton/);
      } finally {
        await client.close();
      }
      expect(existsSync(join(dataDir, 'strata.db'))).toBe(true);
    });

    it('mcp/*.json: the HTTP config names the /mcp route', () => {
      expect(npm(['exec', '--offline', '--', 'strata', 'mcp', '--help'], app)).toMatch(/stdio/);
      const cursor = JSON.parse(readFileSync(join(EXAMPLES, 'mcp/cursor.json'), 'utf8'));
      expect(cursor.mcpServers.strata.url).toMatch(/\/mcp$/);
    });
  });
});
