/**
 * Deterministic synthetic chat memories for the benchmark: varied, realistic sentences
 * built from templates and word lists with a seeded PRNG, so every run (and the mem0 peer)
 * sees the same text without shipping a corpus. Millions of distinct sentences are
 * possible, so embedding caches do not flatter the numbers.
 */
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { MemoryInput } from '../src/types.ts';

export type Rng = () => number;

/** mulberry32: small, fast, good enough for picking words. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'Maya',
  'Jonas',
  'Priya',
  'Leo',
  'Amara',
  'Tom',
  'Sofia',
  'Kenji',
  'Ines',
  'Omar',
  'Lena',
  'Diego',
];
const PLACES = [
  'Berlin',
  'Lisbon',
  'Osaka',
  'Toronto',
  'Nairobi',
  'Oslo',
  'Lima',
  'Seoul',
  'Prague',
  'Austin',
];
const FOODS = [
  'sushi',
  'lentil soup',
  'ramen',
  'tacos',
  'falafel',
  'pizza',
  'curry',
  'pho',
  'pierogi',
  'paella',
];
const HOBBIES = [
  'bouldering',
  'the violin',
  'pottery',
  'trail running',
  'chess',
  'watercolor painting',
  'sourdough baking',
  'birdwatching',
  'salsa dancing',
  'woodworking',
];
const PETS = ['a beagle', 'two cats', 'a parrot', 'a rescue greyhound', 'a hamster', 'a turtle'];
const JOBS = ['nurse', 'data analyst', 'teacher', 'carpenter', 'product designer', 'chef', 'lawyer', 'pilot'];
const FEELINGS = ['excited', 'nervous', 'exhausted', 'proud', 'frustrated', 'relieved', 'curious', 'anxious'];
const EVENTS = [
  'my exam',
  'the job interview',
  'our trip',
  "my sister's wedding",
  'the marathon',
  'the dentist appointment',
  'the concert',
  'moving day',
];
const TIMES = [
  'next Friday',
  'last week',
  'in March',
  'tomorrow',
  'two days ago',
  'this weekend',
  'in the summer',
];
const ALLERGIES = ['nuts', 'shellfish', 'pollen', 'gluten', 'cats', 'penicillin'];
const BOOKS = ['Dune', 'Middlemarch', 'The Hobbit', 'Beloved', 'Neuromancer', 'Emma', 'Solaris'];

const TEMPLATES: Array<(pick: <T>(list: readonly T[]) => T, n: () => number) => string> = [
  (p) => `I live in ${p(PLACES)} now, close to the old harbour.`,
  (p) => `My favourite food is ${p(FOODS)}, especially on rainy evenings.`,
  (p, n) => `I've been learning ${p(HOBBIES)} for ${n()} months and it's going well.`,
  (p) => `I'm allergic to ${p(ALLERGIES)}, so please keep that in mind.`,
  (p) => `We adopted ${p(PETS)} and named one of them ${p(NAMES)}.`,
  (p) => `I work as a ${p(JOBS)} at a small company in ${p(PLACES)}.`,
  (p) => `I feel ${p(FEELINGS)} about ${p(EVENTS)} ${p(TIMES)}.`,
  (p) => `${p(EVENTS)} is ${p(TIMES)} and I still have to prepare.`,
  (p) => `My friend ${p(NAMES)} recommended ${p(BOOKS)} and I loved it.`,
  (_p, n) => `I ran ${n()} kilometers this morning before work.`,
  (p) => `Can you remind me to call ${p(NAMES)} about ${p(EVENTS)}?`,
  (p) => `I'm thinking about moving from ${p(PLACES)} to ${p(PLACES)} for a new job.`,
  (p) => `Yesterday I cooked ${p(FOODS)} for ${p(NAMES)} and it turned out great.`,
  (p, n) => `My daughter turns ${n()} ${p(TIMES)}; we're planning a party.`,
  (p) => `I stopped drinking coffee because it made me ${p(FEELINGS)}.`,
  (p) => `The best trip I ever took was to ${p(PLACES)} with ${p(NAMES)}.`,
];

/** A sentence generator; `sentence(i)` is the same text for the same seed and index order. */
export function sentenceGenerator(seed = 42): { next(): string } {
  const rng = seededRng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const n = () => 2 + Math.floor(rng() * 40);
  let counter = 0;
  return {
    next() {
      counter += 1;
      const base = pick(TEMPLATES)(pick, n);
      // A trailing detail keeps sentences distinct so caches cannot hide embedding cost.
      return `${base} (note ${counter}, ${pick(NAMES)} ${pick(FEELINGS)})`;
    },
  };
}

export function userIdFor(index: number, users: number): string {
  return `bench-user-${index % users}`;
}

/**
 * The search benchmarks' corpus: `size` episodic memories ("User: " + a seed-7 sentence),
 * round-robin over `users`, dated over 300 days of 2026 in insertion order, added in
 * addMany batches of 1000 (100k in seconds). bench/search.ts and bench/search-latency.ts
 * both search it, so their numbers compare. Returns the milliseconds it took.
 */
export async function seedSearchCorpus(
  memory: Pick<StrataMemory, 'addMany'>,
  size: number,
  users: readonly string[],
): Promise<number> {
  const gen = sentenceGenerator(7);
  const t0 = performance.now();
  for (let done = 0; done < size; ) {
    const batch: MemoryInput[] = [];
    for (let i = 0; i < Math.min(1000, size - done); i++) {
      const n = done + i;
      batch.push({
        userId: users[n % users.length]!,
        layer: 'episodic',
        content: `User: ${gen.next()}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor((n / size) * 300) * 86_400_000).toISOString(),
      });
    }
    await memory.addMany(batch);
    done += batch.length;
  }
  return performance.now() - t0;
}
