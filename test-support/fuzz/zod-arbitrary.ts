/**
 * A small zod 4 → fast-check converter for the schema kinds Strata's routes use (object,
 * string, number, boolean, enum, literal, array, record, union, optional, nullable,
 * default, unknown, pipe), so route fuzzing draws its well-formed requests from the same
 * schemas that validate them. Length and range checks are honoured; a string with a
 * custom refinement (ids, ISO dates) is drawn from an override when one is registered for
 * that schema object and otherwise filtered through the schema itself. Values stay small
 * (strings up to 40 characters, arrays up to 4 elements): size is the mutations' job.
 */
import fc from 'fast-check';
import type { z } from 'zod';

export type Overrides = ReadonlyMap<z.ZodType, fc.Arbitrary<unknown>>;

interface Check {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
}

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: Check } }>;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
}

const SMALL = 40;
const FEW = 4;

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def): Check[] => (def.checks ?? []).map((c) => c._zod.def);

/** An arbitrary of values `schema` accepts (mostly: a refinement with no override is filtered, not solved). */
export function arbitraryOf(schema: z.ZodType, overrides: Overrides = new Map()): fc.Arbitrary<unknown> {
  const override = overrides.get(schema);
  if (override) return override;
  const def = defOf(schema);
  const of = (inner: z.ZodType) => arbitraryOf(inner, overrides);
  switch (def.type) {
    case 'string':
      return stringOf(schema, checksOf(def));
    case 'number':
      return numberOf(checksOf(def));
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case 'literal':
      return fc.constantFrom(...(def.values ?? []));
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    case 'null':
      return fc.constant(null);
    case 'optional':
      return fc.option(of(def.innerType as z.ZodType), { nil: undefined, freq: 2 });
    case 'nullable':
      return fc.option(of(def.innerType as z.ZodType), { nil: null, freq: 3 });
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      // Leaving the field out is valid too: the default fills it.
      return fc.option(of(def.innerType as z.ZodType), { nil: undefined, freq: 2 });
    case 'pipe':
      return of(def.in as z.ZodType);
    case 'lazy':
      return of((def.getter as () => z.ZodType)());
    case 'array': {
      const checks = checksOf(def);
      const min = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
      const max = checks.find((c) => c.check === 'max_length')?.maximum ?? Number.POSITIVE_INFINITY;
      return fc.array(of(def.element as z.ZodType), { minLength: min, maxLength: Math.min(max, min + FEW) });
    }
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 12 }), of(def.valueType as z.ZodType), { maxKeys: FEW });
    case 'union':
      return fc.oneof(...(def.options ?? []).map(of));
    case 'object':
      return objectOf(def, overrides);
    default:
      throw new Error(`arbitraryOf: zod type "${def.type}" is not supported; add it to the converter.`);
  }
}

function stringOf(schema: z.ZodType, checks: Check[]): fc.Arbitrary<string> {
  const min = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
  const max = checks.find((c) => c.check === 'max_length')?.maximum ?? Number.POSITIVE_INFINITY;
  const base = fc.string({
    minLength: min,
    maxLength: Math.max(min, Math.min(max, SMALL)),
    unit: 'grapheme',
  });
  if (!checks.some((c) => c.check === 'custom' || c.check === 'string_format')) return base;
  return base.filter((value) => schema.safeParse(value).success);
}

function numberOf(checks: Check[]): fc.Arbitrary<number> {
  const int = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  const low = checks.find((c) => c.check === 'greater_than');
  const high = checks.find((c) => c.check === 'less_than');
  if (int) {
    const min = low ? Math.ceil((low.value ?? 0) + (low.inclusive ? 0 : 1)) : -1_000_000;
    const max = high ? Math.floor((high.value ?? 0) - (high.inclusive ? 0 : 1)) : 1_000_000;
    return fc.integer({ min, max });
  }
  return fc.double({
    min: low?.value ?? -1e9,
    max: high?.value ?? 1e9,
    minExcluded: low ? !low.inclusive : false,
    maxExcluded: high ? !high.inclusive : false,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function objectOf(def: Def, overrides: Overrides): fc.Arbitrary<Record<string, unknown>> {
  const shape = def.shape ?? {};
  const fields = Object.fromEntries(
    Object.entries(shape).map(([key, inner]) => [key, arbitraryOf(inner, overrides)]),
  );
  // Optional fields come back as undefined; drop them so the JSON has no such key.
  const record = fc
    .record(fields)
    .map((value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)));
  const catchall = def.catchall ? defOf(def.catchall).type : undefined;
  if (catchall !== 'unknown' && catchall !== 'any') return record;
  // Passthrough objects take extra fields, as the front ends that send them add some.
  return fc
    .tuple(
      record,
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}
