/**
 * Starts TensorFlow.js for in-process models without any network: the WASM backend with its
 * .wasm files read from node_modules (falling back to the pure-JS CPU backend), and graph
 * models read from local files through a file IO handler, so no loader can ever fall back to
 * a model hub. Imported lazily: tfjs costs ~100 ms to import and only USE needs it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModelMissingError } from '../../errors.ts';

export type Tf = typeof import('@tensorflow/tfjs-core');
export type GraphModel = import('@tensorflow/tfjs-converter').GraphModel;

const require = createRequire(import.meta.url);
let starting: Promise<{ tf: Tf; backend: string }> | null = null;

/** Initializes tfjs once per process (wasm preferred; cpu if wasm cannot start). */
export function startTfjs(preferred: 'wasm' | 'cpu' = 'wasm'): Promise<{ tf: Tf; backend: string }> {
  starting ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    if (preferred === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
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
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
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
