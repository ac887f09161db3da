/**
 * The languages Strata detects and tokenizes, as ISO 639-1 codes: the one list the
 * detector, the tokenizer, the date parser, the config schema and the emotion layer share.
 */

/** The supported languages (ISO 639-1), English first. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ru', 'ja', 'zh'] as const;
/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

const KNOWN: ReadonlySet<string> = new Set(LANGUAGES);

/** A supported language from a tag ("de", "de-AT", "PT_br"); undefined for anything else. */
export function toLanguage(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const primary = value.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return KNOWN.has(primary) ? (primary as Language) : undefined;
}
