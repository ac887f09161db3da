/**
 * Loads the one StrataConfig from three sources, later ones winning: a JSON config file
 * (--config, STRATA_CONFIG, or ./strata.config.json when present), STRATA_* environment
 * variables, and programmatic overrides. This is the only module that reads process.env.
 * Validation failures become one ConfigError that names every bad field by dotted path,
 * the value, which file or variable set it, and how to fix it, so a misconfigured start
 * fails fast with something actionable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ConfigSchema, type StrataConfig } from './schema.ts';

export type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

export interface LoadConfigOptions {
  /** Explicit config file; an explicit file must exist. */
  file?: string | undefined;
  /** Environment to read (defaults to process.env). */
  env?: Env;
  /** Highest-priority values (CLI flags, library callers). */
  overrides?: Json;
  /** Lowest-priority values, below the file and env (e.g. the CLI's quieter log level). */
  defaults?: Json;
  /** Where ./strata.config.json is looked for (defaults to process.cwd()). */
  cwd?: string;
}

const PREFIX = 'STRATA_';
/** Variables that configure the loader itself or are consumed elsewhere, not config paths. */
const RESERVED = new Set(['STRATA_CONFIG']);

/** Friendly names → dotted config paths (values still JSON-parsed when they parse). */
const ALIASES: Record<string, string> = {
  STRATA_DATA_DIR: 'dataDir',
  STRATA_TIME_ZONE: 'timeZone',
  STRATA_PORT: 'server.port',
  STRATA_HOST: 'server.host',
  STRATA_STORE: 'store.kind',
  STRATA_QDRANT_URL: 'store.url',
  STRATA_QDRANT_API_KEY: 'store.apiKey',
  STRATA_POSTGRES_URL: 'store.url',
  STRATA_EMBEDDER: 'embedder.kind',
  STRATA_EMBEDDER_MODEL_PATH: 'embedder.modelPath',
  STRATA_API_KEYS: 'server.apiKeys',
  STRATA_ENCRYPTION_KEY: 'encryption.key',
  STRATA_LOG_LEVEL: 'log.level',
  STRATA_UPSTREAM_URL: 'server.upstream.baseUrl',
  STRATA_UPSTREAM_API_KEY: 'server.upstream.apiKey',
};

/** Dotted path → the source that set it, for error messages. */
type Origins = Map<string, string>;

export function loadConfig(options: LoadConfigOptions = {}): StrataConfig {
  const env = options.env ?? process.env;
  const origins: Origins = new Map();
  const merged: Json = {};
  if (options.defaults) mergeInto(merged, options.defaults, origins, 'built-in default', '');

  const file = pickConfigFile(options.file, env, options.cwd ?? process.cwd());
  if (file) {
    const fromFile = readConfigFile(file.path, file.source);
    mergeInto(merged, fromFile, origins, `config file ${file.path}`, '');
  }
  const fromEnv = envToConfig(env, origins);
  deepMerge(merged, fromEnv);
  if (options.overrides) mergeInto(merged, options.overrides, origins, 'programmatic override', '');

  // STRATA_QDRANT_URL (STRATA_POSTGRES_URL) alone means "use Qdrant" ("use Postgres"): it
  // needs store.kind to pick the schema branch; a postgres:// URL can only mean Postgres.
  const store = merged.store as Json | undefined;
  if (store && store.kind === undefined && typeof store.url === 'string') {
    store.kind = /^postgres(ql)?:\/\//.test(store.url) ? 'postgres' : 'qdrant';
  }
  return validateConfig(merged, origins);
}

/** Validates an already-merged object; exported for callers that build config in code. */
export function validateConfig(input: unknown, origins: Origins = new Map()): StrataConfig {
  const parsed = ConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(formatIssues(parsed.error.issues, input, origins), {
    details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}

function pickConfigFile(
  explicit: string | undefined,
  env: Env,
  cwd: string,
): { path: string; source: string } | null {
  if (explicit) return { path: resolve(cwd, explicit), source: '--config' };
  const fromEnv = env.STRATA_CONFIG;
  if (fromEnv) return { path: resolve(cwd, fromEnv), source: 'STRATA_CONFIG' };
  const implicit = resolve(cwd, 'strata.config.json');
  return existsSync(implicit) ? { path: implicit, source: 'default location' } : null;
}

function readConfigFile(path: string, source: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Config file ${path} (from ${source}) cannot be read: ${(error as Error).message}. ` +
        'Check the path, or remove the option to use defaults.',
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Config file ${path} is not valid JSON: ${(error as Error).message}. Fix the syntax (JSON, no comments).`,
      { cause: error },
    );
  }
  if (!isObject(value)) {
    throw new ConfigError(`Config file ${path} must contain a JSON object such as {"dataDir": ".strata"}.`);
  }
  return value;
}

/** Maps STRATA_* variables to a nested object; `__` separates nesting levels. */
export function envToConfig(env: Env, origins: Origins = new Map()): Json {
  const out: Json = {};
  const entries = Object.entries(env)
    .filter((e): e is [string, string] => e[0].startsWith(PREFIX) && e[1] !== undefined && e[1] !== '')
    .filter(([name]) => !RESERVED.has(name))
    // Generic names first, aliases last, so a friendly alias wins over a raw path.
    .sort(([a], [b]) => Number(a in ALIASES) - Number(b in ALIASES) || a.localeCompare(b));
  for (const [name, raw] of entries) {
    const path = ALIASES[name] ?? genericPath(name);
    if (!path) continue;
    const value = name === 'STRATA_API_KEYS' ? parseApiKeys(raw) : parseValue(raw, path);
    setPath(out, path.split('.'), value);
    origins.set(path, `environment variable ${name}`);
  }
  return out;
}

function genericPath(name: string): string | null {
  const parts = name
    .slice(PREFIX.length)
    .split('__')
    .filter(Boolean)
    .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
  const top = parts[0];
  // Unknown top-level names (other tools' STRATA_* variables) are ignored, not errors.
  if (top === undefined || !(top in ConfigSchema.shape)) return null;
  return parts.join('.');
}

/** Strings that look like JSON become JSON (numbers, booleans, arrays); others stay strings. */
function parseValue(raw: string, path: string): unknown {
  // Keys, URLs and paths must stay strings even when they happen to look numeric.
  if (/(key|url|path|dir|host)$/i.test(path)) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `key:userId,key2:admin` or a JSON array of {key, userId|admin}. */
export function parseApiKeys(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return trimmed;
    }
  }
  return trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      if (at <= 0) return { key: entry, userId: '' };
      const key = entry.slice(0, at);
      const who = entry.slice(at + 1);
      return who === 'admin' ? { key, admin: true } : { key, userId: who };
    });
}

function mergeInto(target: Json, source: Json, origins: Origins, label: string, prefix: string): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) {
      if (!isObject(target[key])) target[key] = {};
      mergeInto(target[key] as Json, value, origins, label, path);
    } else {
      target[key] = value;
      origins.set(path, label);
    }
  }
}

function deepMerge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    if (isObject(value) && isObject(target[key])) deepMerge(target[key] as Json, value);
    else target[key] = value;
  }
}

function setPath(target: Json, parts: string[], value: unknown): void {
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  const last = parts.at(-1);
  if (last !== undefined) node[last] = value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatIssues(issues: z.core.$ZodIssue[], input: unknown, origins: Origins): string {
  const lines = issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const value = valueAt(input, issue.path);
    const origin = originOf(path, origins);
    if (value === undefined) {
      return `  - ${path} is required here but missing. Fix: ${fixFor(path, issue, true)}`;
    }
    const shown = JSON.stringify(redactIfSecret(path, value));
    return `  - ${path} = ${shown} (set by ${origin}): ${issue.message}. Fix: ${fixFor(path, issue, false)}`;
  });
  return `Invalid Strata configuration:\n${lines.join('\n')}`;
}

function originOf(path: string, origins: Origins): string {
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const found = origins.get(p);
    if (found) return found;
  }
  // Issues on arrays (server.apiKeys.0.key) are found by prefix.
  for (const [key, origin] of origins)
    if (path.startsWith(`${key}.`) || key.startsWith(`${path}.`)) return origin;
  return 'defaults';
}

function fixFor(path: string, issue: z.core.$ZodIssue, missing: boolean): string {
  const env = Object.entries(ALIASES).find(([, p]) => p === path)?.[0];
  const generic = `STRATA_${path
    .split('.')
    .map((p) => p.replace(/([A-Z])/g, '_$1').toUpperCase())
    .join('__')}`;
  const expected =
    'values' in issue && Array.isArray(issue.values) ? ` (one of ${issue.values.join(', ')})` : '';
  const where = `set "${path}"${expected} in the config file or via ${env ?? generic}`;
  return missing ? `${where}.` : `${where}, or remove it to use the default.`;
}

function redactIfSecret(path: string, value: unknown): unknown {
  return /key|secret|token/i.test(path) && typeof value === 'string' ? '[redacted]' : value;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let node: unknown = input;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}
