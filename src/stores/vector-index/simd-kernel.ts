/**
 * A tiny hand-written WebAssembly SIMD kernel for the vector index's hot loop: dot products
 * of one query against N contiguous rows, as float32 (f32x4 multiply-add) or int8
 * (i32x4.dot_i16x8_s on sign-extended lanes). Measured 8x (float32) and 18x (int8) faster
 * than the equivalent scalar JavaScript loop (docs/vector-index.md). The module is 800 bytes,
 * embedded below as base64 so nothing is built or downloaded at install time; its source
 * is kernel.wat beside this file (compile with wabt: parseWat(..., { simd: true })).
 * Falls back to null when the runtime lacks WebAssembly SIMD, and callers use plain JS.
 */

const KERNEL_BASE64 =
  'AGFzbQEAAAABCQFgBX9/f39/AAIPAQNlbnYGbWVtb3J5AgABAwMCAAAHEgIGZG90RjMyAAAFZG90STgAAQqeBAKQAgMFfwJ7AX0gA0ECdCEIIAhBYHEhCSABIQUgASACIAhsaiEGAkADQCAFIAZPDQH9DAAAAAAAAAAAAAAAAAAAAAAhCv0MAAAAAAAAAAAAAAAAAAAAACELQQAhBwJAA0AgByAJTw0BIAogACAHav0ABAAgBSAHav0ABAD95gH95AEhCiALIAAgB2r9AAQQIAUgB2r9AAQQ/eYB/eQBIQsgB0EgaiEHDAALCyAKIAv95AEhCiAK/R8AIAr9HwGSIAr9HwIgCv0fA5KSIQwCQANAIAcgCE8NASAMIAAgB2oqAgAgBSAHaioCAJSSIQwgB0EEaiEHDAALCyAEIAw4AgAgBEEEaiEEIAUgCGohBQwACwsLiQIDBH8CewF/IANBcHEhCCABIQUgASACIANsaiEGAkADQCAFIAZPDQH9DAAAAAAAAAAAAAAAAAAAAAAhCf0MAAAAAAAAAAAAAAAAAAAAACEKQQAhBwJAA0AgByAITw0BIAkgACAHav0BAwAgBSAHav0BAwD9ugH9rgEhCSAKIAAgB2r9AQMIIAUgB2r9AQMI/boB/a4BIQogB0EQaiEHDAALCyAJIAr9rgEhCSAJ/RsAIAn9GwFqIAn9GwIgCf0bA2pqIQsCQANAIAcgA08NASALIAAgB2osAAAgBSAHaiwAAGxqIQsgB0EBaiEHDAALCyAEIAs2AgAgBEEEaiEEIAUgA2ohBQwACwsL';

/** The slice of the WebAssembly JS API used here (tsconfig's lib has no DOM/WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface KernelExports {
  dotF32(query: number, data: number, count: number, dims: number, out: number): void;
  dotI8(query: number, data: number, count: number, dims: number, out: number): void;
}

let compiled: object | null | undefined;

function module(): object | null {
  if (compiled === undefined) {
    try {
      if (!wasm) throw new Error('no WebAssembly');
      compiled = new wasm.Module(Buffer.from(KERNEL_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Instantiates the kernel over a fresh memory of at least `bytes`; null without SIMD support. */
export function instantiateKernel(bytes: number): { memory: WasmMemory; kernel: KernelExports } | null {
  const mod = module();
  if (!mod || !wasm) return null;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65_536)) });
  const instance = new wasm.Instance(mod, { env: { memory } });
  return { memory, kernel: instance.exports as unknown as KernelExports };
}
