/**
 * The on-disk format of a distilled static embedding table (models/*.bin), written by
 * scripts/distill-static.ts and read by the static provider. Layout: 8-byte magic
 * "STRATA1\0", uint32 header length, a JSON header (id, dims, words, pieces), padding to 4
 * bytes, then per row a float32 scale and a float32 log-frequency, then int8 rows. int8 with
 * a per-row scale keeps the file at a quarter of float32 with no measurable quality loss.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { EmbedderError } from '../../errors.ts';

export const MAGIC = 'STRATA1\0';

export interface StaticModelHeader {
  id: string;
  dimensions: number;
  /** Sizes of independently normalized segments of a row (e.g. [128, 100]); absent = one. */
  parts?: number[];
  /** Relative weight of each part when a sentence vector is assembled (default equal). */
  partWeights?: number[];
  /** Whole lowercase words, rows 0..words.length-1. */
  words: string[];
  /** SentencePiece vocabulary [piece, logProb], rows words.length.. (fallback for unknown words). */
  pieces: Array<[string, number]>;
  unknownPieceId: number;
  source: string;
}

export interface StaticModel {
  header: StaticModelHeader;
  rows: number;
  scales: Float32Array;
  logFreq: Float32Array;
  data: Int8Array;
}

export function encodeStaticModel(
  header: StaticModelHeader,
  vectors: Float32Array[],
  logFreq: Float32Array,
): Uint8Array {
  const dims = header.dimensions;
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 12 + headerBytes.length;
  const metaStart = Math.ceil(headerEnd / 4) * 4;
  const rows = vectors.length;
  const dataStart = metaStart + rows * 8;
  const out = new Uint8Array(dataStart + rows * dims);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  const scales = new Float32Array(out.buffer, metaStart, rows);
  const freqs = new Float32Array(out.buffer, metaStart + rows * 4, rows);
  const data = new Int8Array(out.buffer, dataStart, rows * dims);
  vectors.forEach((vector, row) => {
    let max = 0;
    for (const x of vector) max = Math.max(max, Math.abs(x));
    const scale = max === 0 ? 1 : max / 127;
    scales[row] = scale;
    freqs[row] = logFreq[row] ?? 0;
    for (let i = 0; i < dims; i++) data[row * dims + i] = Math.round((vector[i] ?? 0) / scale);
  });
  return out;
}

export function decodeStaticModel(bytes: Uint8Array, file: string): StaticModel {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) {
    throw new EmbedderError(
      `${file} is not a Strata static model (bad magic); regenerate it with scripts/distill-static.ts.`,
    );
  }
  // Copy into a fresh, aligned buffer so typed-array views line up.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const view = new DataView(buffer);
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(
    new TextDecoder().decode(new Uint8Array(buffer, 12, headerLength)),
  ) as StaticModelHeader;
  const rows = header.words.length + header.pieces.length;
  const metaStart = Math.ceil((12 + headerLength) / 4) * 4;
  const dataStart = metaStart + rows * 8;
  if (buffer.byteLength !== dataStart + rows * header.dimensions) {
    throw new EmbedderError(
      `${file} is truncated or corrupt (size ${buffer.byteLength}); regenerate or re-checkout it.`,
    );
  }
  return {
    header,
    rows,
    scales: new Float32Array(buffer, metaStart, rows),
    logFreq: new Float32Array(buffer, metaStart + rows * 4, rows),
    data: new Int8Array(buffer, dataStart, rows * header.dimensions),
  };
}

/**
 * Reads only the model id and dimensions (the header starts with them) so an embedder can
 * report a stable id before load(); null when the file is absent or unreadable.
 */
export function peekStaticModelId(file: string): { id: string; dimensions: number } | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(512);
    const read = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(12, read).toString('utf8');
    const match = /^\{"id":"([^"]+)","dimensions":(\d+)/.exec(text);
    return head.subarray(0, 8).toString('latin1') === MAGIC && match
      ? { id: match[1] as string, dimensions: Number(match[2]) }
      : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
