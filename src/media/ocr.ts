/**
 * Text in images, offline: tesseract.js (WebAssembly, run in a worker thread) with the
 * English model from the @tesseract.js-data/eng package, both read from node_modules, so
 * nothing is downloaded and no cache file is written. Both are optional dependencies,
 * imported on the first image: with media.ocr.mode "auto" their absence only leaves OCR
 * out (the reason is kept with the image), with "on" it is a model_missing error that
 * names the packages to install. One worker is loaded once (concurrent first calls share
 * the load) and reused; an image leptonica cannot decode is a corrupt-media refusal.
 */
import type { MediaConfig } from '../config/schema.ts';
import { ModelMissingError } from '../errors.ts';
import type { Logger } from '../util/logger.ts';
import { importOptional } from '../util/optional-import.ts';
import { mediaRefused } from './media-errors.ts';

export const OCR_PACKAGES = ['tesseract.js', '@tesseract.js-data/eng'] as const;
/** Recognized text kept per image (metadata); the memory text keeps media.ocr.maxChars of it. */
export const MAX_OCR_TEXT = 4000;

/** The result of one recognition: text, or why there is none. */
export type OcrResult = { text: string } | { skipped: string };

export interface OcrEngine {
  recognize(data: Buffer, field: string): Promise<OcrResult>;
  close(): Promise<void>;
}

interface TesseractWorker {
  recognize(image: Buffer): Promise<{ data: { text: string; confidence: number } }>;
  terminate(): Promise<unknown>;
}

type CreateWorker = (
  langs: string,
  oem: number,
  options: Record<string, unknown>,
) => Promise<TesseractWorker>;

/** How the two packages are imported (tests replace them to play a missing install). */
export interface OcrImports {
  tesseract: () => Promise<unknown>;
  data: () => Promise<unknown>;
}

// The data package has no types; it only exports where its traineddata file is.
const DATA_SPECIFIER: string = '@tesseract.js-data/eng';
const defaultImports: OcrImports = {
  tesseract: () => import('tesseract.js') as Promise<unknown>,
  data: () => import(DATA_SPECIFIER) as Promise<unknown>,
};

/** Loads the worker; a missing package rejects with ModelMissingError. */
async function loadWorker(logger: Logger, imports: OcrImports): Promise<TesseractWorker> {
  const missing = (hint: string) =>
    new ModelMissingError(`OCR of images (media.ocr) needs tesseract.js and its English data. ${hint}`);
  const tesseract = await importOptional('tesseract.js', imports.tesseract, missing, [...OCR_PACKAGES]);
  const data = await importOptional(DATA_SPECIFIER, imports.data, missing, [...OCR_PACKAGES]);
  const module = tesseract as { createWorker?: CreateWorker; default?: { createWorker?: CreateWorker } };
  const createWorker = module.createWorker ?? module.default?.createWorker;
  const eng = data as { langPath?: string; default?: { langPath?: string } };
  const langPath = eng.langPath ?? eng.default?.langPath;
  if (!createWorker || !langPath)
    throw missing(
      'The installed tesseract.js or @tesseract.js-data/eng is not the expected version (tesseract.js 6).',
    );
  return createWorker('eng', 1, {
    langPath,
    gzip: true,
    // Read the model from the package, write no cache file into the working directory.
    cacheMethod: 'none',
    logger: () => undefined,
    errorHandler: (error: unknown) => logger.warn({ err: error }, 'tesseract worker reported an error'),
  });
}

export function createOcr(
  config: MediaConfig['ocr'],
  logger: Logger,
  imports: OcrImports = defaultImports,
): OcrEngine | null {
  if (config.mode === 'off') return null;
  let worker: Promise<TesseractWorker> | null = null;
  let unavailable: string | null = null;
  const ready = () => {
    worker ??= loadWorker(logger, imports).catch((error: unknown) => {
      worker = null;
      throw error;
    });
    return worker;
  };
  return {
    async recognize(data, field) {
      if (unavailable) return { skipped: unavailable };
      let loaded: TesseractWorker;
      try {
        loaded = await ready();
      } catch (error) {
        if (config.mode === 'auto' && error instanceof ModelMissingError) {
          unavailable = error.message;
          logger.warn({ reason: unavailable }, 'OCR is off: tesseract.js is not installed');
          return { skipped: unavailable };
        }
        throw error;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          loaded.recognize(data),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`OCR took longer than ${config.timeoutMs} ms`)),
              config.timeoutMs,
            );
          }),
        ]);
        return { text: cleanOcrText(result.data.text, result.data.confidence) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/took longer/.test(message)) {
          // A stuck worker is replaced for the next image.
          worker = null;
          void loaded.terminate().catch(() => undefined);
          return { skipped: message };
        }
        throw mediaRefused(
          'corrupt',
          field,
          `${field} could not be decoded as an image (${message.split('\n')[0]}).`,
        );
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const current = worker;
      worker = null;
      if (current) await current.then((w) => w.terminate()).catch(() => undefined);
    },
  };
}

/**
 * Whitespace collapsed, capped at MAX_OCR_TEXT; nothing when tesseract itself is unsure of
 * the page (a photo without text yields a few confident-looking stray glyphs otherwise).
 */
export function cleanOcrText(text: string, confidence: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const letters = (flat.match(/[\p{L}\p{N}]/gu) ?? []).length;
  if (confidence < 40 || letters < 3) return '';
  return flat.length > MAX_OCR_TEXT ? flat.slice(0, MAX_OCR_TEXT) : flat;
}
