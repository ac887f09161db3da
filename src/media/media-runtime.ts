/**
 * The media runtime an engine holds: its blob store and the analysers behind one call.
 * `analyse` turns a read item into what a memory keeps of it: for an image the OCR text
 * (ocr.ts), EXIF date and place (exif.ts) and a caption when media.caption is configured
 * (caption.ts), run side by side; for a recording the transcript from the configured
 * engine (transcribe.ts), or the one the front end attached. Blobs go to
 * `<dataDir>/media/` (in memory for a throwaway store), sealed when encryption is on.
 */
import { join } from 'node:path';
import type { StrataConfig } from '../config/schema.ts';
import { cipherFromConfig } from '../security/cipher.ts';
import type { Logger } from '../util/logger.ts';
import { createFileBlobStore, createMemoryBlobStore } from './blob-store.ts';
import { captionImage } from './caption.ts';
import { readExif } from './exif.ts';
import { createOcr } from './ocr.ts';
import type { ReadMedia } from './read-media.ts';
import type { Resolver } from './safe-fetch.ts';
import { transcribe } from './transcribe.ts';
import type { BlobStore, MediaAnalysis, MediaInput } from './types.ts';

export interface MediaRuntime {
  readonly config: StrataConfig['media'];
  readonly blobs: BlobStore;
  /** Host name resolution for URL fetching (the system resolver unless a test injects one). */
  readonly resolve?: Resolver;
  analyse(read: ReadMedia, item: MediaInput, timeZone: string): Promise<MediaAnalysis>;
  close(): Promise<void>;
}

export interface MediaRuntimeOptions {
  blobs?: BlobStore;
  resolve?: Resolver;
}

/** Whether the store keeps nothing on disk (then neither do the blobs). */
function isThrowaway(config: StrataConfig): boolean {
  return (
    config.store.kind === 'memory' || (config.store.kind === 'sqlite' && config.store.path === ':memory:')
  );
}

export function createBlobStore(config: StrataConfig): BlobStore {
  return isThrowaway(config)
    ? createMemoryBlobStore()
    : createFileBlobStore(join(config.dataDir, 'media'), cipherFromConfig(config.encryption));
}

export function createMediaRuntime(
  config: StrataConfig,
  logger: Logger,
  options: MediaRuntimeOptions = {},
): MediaRuntime {
  const media = config.media;
  const ocr = createOcr(media.ocr, logger);
  return {
    config: media,
    blobs: options.blobs ?? createBlobStore(config),
    ...(options.resolve ? { resolve: options.resolve } : {}),
    async analyse(read, item, timeZone) {
      const { sniffed, data } = read;
      if (sniffed.kind === 'image') {
        const [text, exif, caption] = await Promise.all([
          ocr ? ocr.recognize(data, item.field) : Promise.resolve(null),
          readExif(data, timeZone, logger),
          media.caption
            ? captionImage(media.caption, data, sniffed.mimeType, logger)
            : Promise.resolve(undefined),
        ]);
        const analysis: MediaAnalysis = { ...exif };
        if (sniffed.width !== undefined) analysis.width = sniffed.width;
        if (sniffed.height !== undefined) analysis.height = sniffed.height;
        if (text && 'text' in text && text.text) analysis.ocrText = text.text;
        if (text && 'skipped' in text) analysis.ocrSkipped = text.skipped;
        if (caption) analysis.caption = caption;
        return analysis;
      }
      const analysis: MediaAnalysis = {};
      if (sniffed.wav) analysis.durationSeconds = Math.round(sniffed.wav.durationSeconds * 100) / 100;
      if (item.text) {
        analysis.transcript = item.text.replace(/\s+/g, ' ').trim();
        analysis.transcribedBy = 'attachment';
      } else if (media.transcription) {
        const transcript = await transcribe(media.transcription, data, sniffed, item.field);
        if (transcript.text) analysis.transcript = transcript.text;
        if (transcript.segments.length) analysis.segments = transcript.segments;
        analysis.transcribedBy = transcript.engine;
      }
      return analysis;
    },
    async close() {
      await ocr?.close();
    },
  };
}
