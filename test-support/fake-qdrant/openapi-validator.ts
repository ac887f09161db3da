/**
 * Validates HTTP requests against Qdrant's official OpenAPI document (vendor/qdrant). The
 * operation is resolved by method and path template; the JSON body is validated with ajv
 * against the operation's requestBody schema and query parameter names against its
 * declared parameters. OpenAPI 3.0 `nullable` is rewritten into JSON Schema on load, and
 * in strict mode (the default) objects with declared properties reject unknown ones, so a
 * misspelled field fails the test instead of being silently ignored by the schema.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

export const SCHEMA_PATH = fileURLToPath(new URL('../../vendor/qdrant/openapi.json', import.meta.url));

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  contentTypes: string[];
  queryParams: Set<string>;
  validate: ValidateFunction | null;
}

export interface ValidationResult {
  operationId: string | null;
  errors: string[];
}

/** OpenAPI 3.0 → JSON Schema: nullable, and optionally closed objects. */
function convert(node: unknown, strict: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => convert(item, strict));
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'discriminator') continue;
    out[key] = key === 'properties' ? mapValues(value as Json, strict) : convert(value, strict);
  }
  if (strict && out.properties !== undefined && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (source.nullable === true) {
    if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
    const rest = Object.keys(out).filter((key) => key !== 'description');
    if (rest.length === 0) return { type: 'null' };
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function mapValues(properties: Json, strict: boolean): Json {
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, convert(value, strict)]));
}

function templateRegex(template: string): RegExp {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`);
}

export class OpenApiValidator {
  readonly version: string;
  private readonly operations: Array<Operation & { regex: RegExp; literal: number }> = [];

  constructor(options: { strict?: boolean; path?: string } = {}) {
    const document = JSON.parse(readFileSync(options.path ?? SCHEMA_PATH, 'utf8')) as Json;
    this.version = String((document.info as Json).version);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const format of [
      'uint',
      'uint8',
      'uint32',
      'uint64',
      'int64',
      'float',
      'double',
      'partial-date-time',
    ]) {
      ajv.addFormat(format, true);
    }
    ajv.addFormat('binary', true);
    const components = convert(document.components, options.strict ?? true) as Json;
    ajv.addSchema({ $id: 'qdrant', components }, 'qdrant');
    for (const [template, methods] of Object.entries(document.paths as Json)) {
      for (const [method, spec] of Object.entries(methods as Json)) {
        const operation = spec as Json;
        const content = ((operation.requestBody as Json | undefined)?.content ?? {}) as Json;
        const jsonSchema = (content['application/json'] as Json | undefined)?.schema;
        const params = (operation.parameters ?? []) as Json[];
        this.operations.push({
          operationId: String(operation.operationId),
          method: method.toUpperCase(),
          template,
          contentTypes: Object.keys(content),
          queryParams: new Set(params.filter((p) => p.in === 'query').map((p) => String(p.name))),
          validate:
            jsonSchema === undefined
              ? null
              : ajv.compile(
                  JSON.parse(
                    JSON.stringify(convert(jsonSchema, options.strict ?? true)).replaceAll(
                      '"#/components',
                      '"qdrant#/components',
                    ),
                  ),
                ),
          regex: templateRegex(template),
          literal: template.split('/').filter((segment) => segment.length > 0 && !segment.startsWith('{'))
            .length,
        });
      }
    }
    // Prefer the most specific template (/points/scroll over /points/{id}).
    this.operations.sort((a, b) => b.literal - a.literal);
  }

  resolve(method: string, path: string): Operation | null {
    return this.operations.find((op) => op.method === method.toUpperCase() && op.regex.test(path)) ?? null;
  }

  validate(method: string, url: string, contentType: string | undefined, body: unknown): ValidationResult {
    const parsed = new URL(url, 'http://qdrant.invalid');
    const operation = this.resolve(method, parsed.pathname);
    if (operation === null)
      return { operationId: null, errors: [`no operation for ${method} ${parsed.pathname}`] };
    const errors: string[] = [];
    for (const name of parsed.searchParams.keys()) {
      if (!operation.queryParams.has(name)) errors.push(`query parameter "${name}" is not declared`);
    }
    const type = contentType?.split(';')[0]?.trim();
    if (operation.contentTypes.length > 0 && type !== undefined && !operation.contentTypes.includes(type)) {
      errors.push(`content type ${type} is not accepted (${operation.contentTypes.join(', ')})`);
    }
    if (type === 'application/json' && operation.validate !== null && !operation.validate(body)) {
      for (const error of operation.validate.errors ?? []) {
        errors.push(
          `${error.instancePath || '/'} ${error.message ?? 'invalid'} ${JSON.stringify(error.params)}`,
        );
      }
    }
    // The generated client sends `{}` on some body-less operations; anything more is a mistake.
    const empty = typeof body === 'object' && body !== null && Object.keys(body).length === 0;
    if (operation.contentTypes.length === 0 && body !== undefined && !empty && type === 'application/json') {
      errors.push(`operation takes no request body, got ${JSON.stringify(body).slice(0, 200)}`);
    }
    return { operationId: operation.operationId, errors };
  }
}
