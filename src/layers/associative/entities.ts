/**
 * Entity and concept discovery with compromise: people, places, organizations and topics,
 * plus the head nouns of noun phrases, normalized to lowercase singular. These are the
 * shared "concepts" that link memories across layers and turns.
 */
import nlp from 'compromise';
import { isStopWord } from '../../search/tokenize.ts';

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

export function extractEntities(text: string, max = 8): string[] {
  const doc = nlp(text);
  const named = [
    ...(doc.people().out('array') as string[]),
    ...(doc.places().out('array') as string[]),
    ...(doc.organizations().out('array') as string[]),
    ...(doc.topics().out('array') as string[]),
  ];
  const nouns = (doc.nouns().toSingular().out('array') as string[]).map((n) => n.split(/\s+/).at(-1) ?? n);
  const out: string[] = [];
  for (const raw of [...named, ...nouns]) {
    const e = normalize(raw);
    if (e.length < 3 || GENERIC.has(e) || /^\d+$/.test(e) || /['’]/.test(e) || isStopWord(e)) continue;
    if (!out.includes(e)) out.push(e);
    if (out.length >= max) break;
  }
  return out;
}
