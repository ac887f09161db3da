/**
 * WAV to what pocketsphinx's English model listens to: 16 kHz, mono, signed 16-bit PCM.
 * Reads 8/16/24/32-bit integer and 32-bit float PCM of any rate and channel count (the
 * layout from sniff.ts), mixes down to mono and resamples with a triangular filter as wide
 * as the rate ratio (enough against aliasing for speech).
 */
import type { WavInfo } from './sniff.ts';

export const TARGET_RATE = 16_000;

/** Mono samples in -1..1, or null for a WAV encoding other than PCM / IEEE float. */
export function wavSamples(data: Buffer, info: WavInfo): Float32Array | null {
  const bytes = Math.ceil(info.bitsPerSample / 8);
  const float = info.format === 3;
  // 0xfffe (extensible) carries the PCM layout in its sub-format; read it as the bit depth says.
  if (info.format !== 1 && !float && info.format !== 0xfffe) return null;
  const frame = bytes * info.channels;
  const frames = Math.floor(info.dataBytes / frame);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < info.channels; c++) {
      const at = info.dataOffset + i * frame + c * bytes;
      if (float && bytes === 4) sum += data.readFloatLE(at);
      else if (bytes === 1) sum += ((data[at] ?? 128) - 128) / 128;
      else if (bytes === 2) sum += data.readInt16LE(at) / 32_768;
      else if (bytes === 3) sum += data.readIntLE(at, 3) / 8_388_608;
      else if (bytes === 4) sum += data.readInt32LE(at) / 2_147_483_648;
      else return null;
    }
    out[i] = sum / info.channels;
  }
  return out;
}

/** `samples` at `rate` as 16 kHz signed 16-bit little-endian PCM. */
export function toPcm16k(samples: Float32Array, rate: number): Buffer {
  const count = Math.floor((samples.length * TARGET_RATE) / rate);
  const out = Buffer.alloc(count * 2);
  const ratio = rate / TARGET_RATE;
  const half = Math.max(1, Math.round(ratio));
  for (let j = 0; j < count; j++) {
    const t = j * ratio;
    const center = Math.floor(t);
    let sum = 0;
    let weight = 0;
    for (let k = center - half + 1; k <= center + half; k++) {
      if (k < 0 || k >= samples.length) continue;
      const w = 1 - Math.abs(k - t) / half;
      if (w <= 0) continue;
      sum += (samples[k] ?? 0) * w;
      weight += w;
    }
    const value = weight ? sum / weight : 0;
    out.writeInt16LE(Math.max(-32_768, Math.min(32_767, Math.round(value * 32_768))), j * 2);
  }
  return out;
}
