/**
 * Imports a package that only some configurations use (the ONNX runtime through
 * @huggingface/transformers, the TensorFlow.js backends, the Qdrant client). They are
 * optional peer dependencies: `npm install strata-memory` does not install them, so the
 * default install stays small and needs no install-time download. When one is configured
 * but absent, the import fails with the typed error the caller chooses (model_missing for an
 * embedder, config_error for a store) whose message names the package to install.
 */
import { MemoryError } from '../errors.ts';

/** `import(specifier)`, or `missing(hint)` when that package (not something inside it) is not installed. */
export async function importOptional<T>(
  specifier: string,
  load: () => Promise<T>,
  missing: (hint: string) => MemoryError,
  packages: readonly string[] = [packageOf(specifier)],
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, specifier)) throw error;
    const install = packages.join(' ');
    throw missing(
      `${packageOf(specifier)} is not installed: it is an optional dependency of strata-memory, needed only for this configuration. Install it next to strata-memory with \`npm install ${install}\`.`,
    );
  }
}

/** Whether `error` says that the package of `specifier` itself cannot be found. */
export function isMissingPackage(error: unknown, specifier: string): boolean {
  if (MemoryError.isInstance(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as { message?: unknown }).message ?? '');
  return message.includes(`'${packageOf(specifier)}'`) || message.includes(`'${specifier}'`);
}

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
