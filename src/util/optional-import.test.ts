/**
 * importOptional: an absent optional package becomes the caller's typed error naming the
 * package to install; any other failure (a broken module, a typed error) passes through.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ModelMissingError } from '../errors.ts';
import { importOptional, packageOf } from './optional-import.ts';

const missing = (hint: string) => new ModelMissingError(`embedder.kind "x" needs it. ${hint}`);

describe('importOptional', () => {
  it('turns a package that is not installed into the typed error, naming what to install', async () => {
    const error = await importOptional(
      '@strata-absent/engine/sub',
      // @ts-expect-error the package does not exist: that is the point
      () => import('@strata-absent/engine/sub'),
      missing,
      ['@strata-absent/engine', 'strata-absent-peer'],
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelMissingError);
    expect((error as ModelMissingError).code).toBe('model_missing');
    expect((error as Error).message).toContain('@strata-absent/engine is not installed');
    expect((error as Error).message).toContain('npm install @strata-absent/engine strata-absent-peer');
  });

  it('passes other failures through unchanged', async () => {
    const broken = new Error("Cannot find module './inner.js' imported from somewhere");
    Object.assign(broken, { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(importOptional('some-pkg', () => Promise.reject(broken), missing)).rejects.toBe(broken);
    const typed = new ConfigError('bad config');
    await expect(importOptional('some-pkg', () => Promise.reject(typed), missing)).rejects.toBe(typed);
  });

  it('resolves to the module when it is installed', async () => {
    const zod = await importOptional('zod', () => import('zod'), missing);
    expect(typeof zod.z.object).toBe('function');
  });

  it('names the package of a deep specifier', () => {
    expect(packageOf('@tensorflow/tfjs-core/dist/x')).toBe('@tensorflow/tfjs-core');
    expect(packageOf('pino/file')).toBe('pino');
  });
});
