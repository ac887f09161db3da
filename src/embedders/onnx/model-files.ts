/**
 * Which files a local transformer model folder needs for @huggingface/transformers, and the
 * actionable error when they are missing. Checked before the runtime is imported, so a
 * missing model fails fast with the exact files and a command to fetch them elsewhere.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ModelMissingError } from '../../errors.ts';

export type OnnxDtype = 'fp32' | 'fp16' | 'q8';

const SUFFIX: Record<OnnxDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

export function onnxFileFor(dtype: OnnxDtype): string {
  return `onnx/model${SUFFIX[dtype]}.onnx`;
}

export function requiredModelFiles(dtype: OnnxDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFileFor(dtype)];
}

/** Throws ModelMissingError naming every missing file and how to download them. */
export function assertModelFiles(modelDir: string, dtype: OnnxDtype, hubId: string): void {
  const missing = requiredModelFiles(dtype).filter((file) => !existsSync(path.join(modelDir, file)));
  if (missing.length === 0) return;
  const files = requiredModelFiles(dtype).join(' ');
  throw new ModelMissingError(
    `ONNX embedding model folder ${modelDir} is missing ${missing.join(', ')}. ` +
      `On a machine with internet run \`huggingface-cli download ${hubId} ${files} --local-dir ${modelDir}\` ` +
      `(or download those files from https://huggingface.co/${hubId}/tree/main) and copy the folder here; ` +
      `then set embedder.modelPath to it. Models that work: Xenova/all-MiniLM-L6-v2, Xenova/bge-small-en-v1.5, Xenova/multilingual-e5-small. ` +
      `Set embedder.quantization to match the .onnx file you have (q8 → model_quantized.onnx, fp16 → model_fp16.onnx, fp32 → model.onnx).`,
    { details: { modelDir, missing } },
  );
}
