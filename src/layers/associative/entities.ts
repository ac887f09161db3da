/**
 * Entity and concept discovery with compromise: proper-noun runs (people, places,
 * organizations) plus common nouns, normalized to lowercase singular. These are the
 * shared "concepts" that link memories across layers and turns.
 */
import { createRequire } from 'node:module';
import type nlpType from 'compromise';
import { isStopWord } from '../../text/tokenize.ts';

let nlpParser: typeof nlpType | undefined;

/**
 * compromise, loaded on first use: its lexicon and tagger cost ~44 MB resident when imported
 * as ESM, and a process that only stores and searches never needs them. The package's own
 * CommonJS build is required (synchronously, so extractEntities stays sync); it is the same
 * version bundled, and measured 32 MB / 135 ms to load vs 44 MB / 229 ms for the ESM tree.
 */
function nlp(text: string): ReturnType<typeof nlpType> {
  nlpParser ??= createRequire(import.meta.url)('compromise') as typeof nlpType;
  return nlpParser(text);
}

const GENERIC = new Set([
  'thing',
  'things',
  'time',
  'way',
  'lot',
  'day',
  'today',
  'something',
  'anything',
  'everything',
  'nothing',
  'someone',
  'anyone',
  'everyone',
  'people',
  'person',
  'stuff',
  'bit',
  'kind',
  'sort',
  'one',
  'user',
  'assistant',
  'week',
  'month',
  'year',
  'yesterday',
  'tomorrow',
  'morning',
  'night',
  'evening',
  'moment',
  'idea',
  'question',
]);

function normalize(entity: string): string {
  return entity
    .toLowerCase()
    .replace(/^(?:my|your|his|her|our|their|the|a|an)\s+/g, '')
    .replace(/['’]s$/, '')
    .replace(/[^\p{L}\p{N}\s'-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Term {
  text: string;
  normal?: string;
  tags: string[];
}

const SKIP_TAGS = ['Pronoun', 'Possessive', 'Determiner', 'Date', 'Value', 'Adjective', 'Verb'];

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * One compromise parse (the tagger is the expensive part, so tags are read once from
 * json()): runs of proper nouns become named entities ("new york"), other nouns become
 * singular concepts. Named entities come first.
 */
/** Tagging cost grows with length; the first few thousand characters name the topics. */
const MAX_CHARS = 3000;

export function extractEntities(text: string, max = 8): string[] {
  const sentencesJson = nlp(text.slice(0, MAX_CHARS)).json() as Array<{ terms: Term[] }>;
  const named: string[] = [];
  const nouns: string[] = [];
  for (const sentence of sentencesJson) {
    let run: string[] = [];
    const flush = () => {
      if (run.length) named.push(run.join(' '));
      run = [];
    };
    for (const term of sentence.terms) {
      const word = (term.normal ?? term.text).replace(/[^\p{L}\p{N}'’-]/gu, '');
      const tags = term.tags;
      if (
        tags.includes('ProperNoun') &&
        /^\p{Lu}/u.test(term.text) &&
        !tags.includes('Date') &&
        !tags.includes('Pronoun')
      ) {
        run.push(word);
        continue;
      }
      flush();
      if (tags.includes('Noun') && !SKIP_TAGS.some((t) => tags.includes(t))) nouns.push(singular(word));
    }
    flush();
  }
  const out: string[] = [];
  for (const raw of [...named, ...nouns]) {
    const e = normalize(raw);
    if (e.length < 3 || GENERIC.has(e) || /^\d+$/.test(e) || /['’]/.test(e) || isStopWord(e)) continue;
    if (!out.includes(e)) out.push(e);
    if (out.length >= max) break;
  }
  return out;
}
