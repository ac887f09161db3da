/**
 * Rule-based fact extraction: durable facts and preferences the user states about
 * themselves, as subject–predicate–object triples. Regexes are used where the English
 * pattern is fixed ("I live in X", "my sister Anna", "I'm allergic to X"), which keeps
 * extraction predictable and cheap; objects are cut at clause boundaries and time words
 * ("I moved to Berlin last month" → Berlin). Predicates marked single-valued can only have
 * one current object, so a new value supersedes the old one.
 */
import { sentences } from '../text.ts';

export interface Fact {
  subject: string;
  predicate: string;
  object: string;
  /** The sentence the fact came from. */
  evidence: string;
  single: boolean;
  importance: number;
}

interface Rule {
  predicate: string | ((m: RegExpMatchArray) => string);
  re: RegExp;
  single: boolean;
  importance?: number;
  /** Which capture group holds the object (default 1). */
  group?: number;
  /** Object must be a capitalized name. */
  name?: boolean;
  /** A capture group (the verb) kept in front of the cleaned object: "went" + "camping". */
  verbGroup?: number;
}

const X = '([^,.;!?\\n]{1,80})';
const PETS = 'dog|cat|puppy|kitten|parrot|hamster|rabbit|horse|bird|fish|turtle|snake';
const PROFESSIONS =
  'teacher|engineer|developer|doctor|nurse|student|designer|writer|artist|lawyer|manager|programmer|' +
  'scientist|researcher|chef|musician|accountant|consultant|counselor|therapist|photographer|painter|' +
  'firefighter|pilot|architect|pharmacist|journalist|librarian|dentist|mechanic|electrician|plumber|' +
  'farmer|professor|psychologist|social worker|veterinarian|vet|cook|barista|waiter|waitress|salesperson';
const RELATIONS =
  'sister|brother|mother|mom|mum|father|dad|wife|husband|partner|girlfriend|boyfriend|son|daughter|' +
  'best friend|friend|boss|grandma|grandmother|grandpa|grandfather|aunt|uncle|cousin|roommate|fiance|fiancée';
const SINGLE_RELATIONS = new Set([
  'mother',
  'mom',
  'mum',
  'father',
  'dad',
  'wife',
  'husband',
  'partner',
  'boss',
]);

/** What someone did or took up, said in the first person: compact lines that add up across sessions. */
const ACTIVITY_VERBS =
  'went|tried|started|took up|joined|signed up for|volunteered at|volunteered for|visited|attended|ran|painted|' +
  'made|read|watched|played|learned|learnt|bought|adopted|won|finished|built|wrote|baked|cooked|took|' +
  'organized|organised|hosted|launched|opened|got into|began|picked up|practiced|practised|competed in';

const RULES: Rule[] = [
  {
    predicate: 'lives_in',
    re: new RegExp(
      `\\bI(?:'m| am)? (?:currently |now |still )?(?:live|living|reside|residing|based) in ${X}`,
      'i',
    ),
    single: true,
  },
  {
    predicate: 'lives_in',
    re: new RegExp(
      `\\bI(?: have|'ve)? (?:just |recently |finally )?(?:moved|relocated) (?:to|into) ${X}`,
      'i',
    ),
    single: true,
  },
  { predicate: 'from', re: new RegExp(`\\bI(?:'m| am) (?:originally )?from ${X}`, 'i'), single: true },
  { predicate: 'from', re: new RegExp(`\\bI come from ${X}`, 'i'), single: true },
  { predicate: 'grew_up_in', re: new RegExp(`\\bI grew up in ${X}`, 'i'), single: true },
  {
    predicate: 'name',
    re: /\b(?:my name is|call me|my name's) ([A-Z][\p{L}'-]+(?: [A-Z][\p{L}'-]+)?)/u,
    single: true,
    importance: 0.9,
    name: true,
  },
  {
    predicate: 'works_at',
    re: new RegExp(`\\bI(?:'m| am)? (?:currently |now )?(?:work|working) (?:at|for) ${X}`, 'i'),
    single: true,
  },
  {
    predicate: 'works_at',
    re: new RegExp(`\\bI (?:just )?(?:got a (?:new )?job|started working|joined) (?:at|for)? ?${X}`, 'i'),
    single: true,
  },
  { predicate: 'occupation', re: new RegExp(`\\bI work as an? ${X}`, 'i'), single: true },
  {
    predicate: 'occupation',
    re: new RegExp(`\\bI(?:'m| am) (?:now )?an? ((?:[a-z]+ )?(?:${PROFESSIONS}))\\b`, 'i'),
    single: true,
  },
  {
    predicate: 'allergic_to',
    re: new RegExp(`\\bI(?:'m| am) (?:severely |very |highly |deathly )?allergic to ${X}`, 'i'),
    single: false,
    importance: 0.9,
  },
  {
    predicate: 'allergic_to',
    re: /\bI have an? ([a-z]+(?: [a-z]+)?) allergy\b/i,
    single: false,
    importance: 0.9,
  },
  {
    predicate: 'diet',
    re: /\bI(?:'m| am) (?:a |now a |now )?(vegetarian|vegan|pescatarian|gluten[- ]free|lactose intolerant|keto)\b/i,
    single: true,
  },
  {
    predicate: 'dislikes',
    re: new RegExp(
      `\\bI (?:really |absolutely |just )?(?:hate|dislike|detest|can(?:'|’)?t stand|don(?:'|’)?t like|do not like) ${X}`,
      'i',
    ),
    single: false,
  },
  {
    predicate: 'likes',
    re: new RegExp(
      `\\bI (?:really |absolutely |just |also |truly )?(?:love|like|enjoy|adore)(?! you\\b| it\\b| that\\b| this\\b| to think) ${X}`,
      'i',
    ),
    single: false,
    importance: 0.6,
  },
  {
    predicate: 'prefers',
    re: new RegExp(`\\bI(?:'d| would)? prefer ${X}`, 'i'),
    single: false,
    importance: 0.75,
  },
  {
    predicate: (m) => `favorite_${(m[1] ?? '').toLowerCase().replace(/\s+/g, '_')}`,
    re: new RegExp(`\\bmy (?:all[- ]time )?favou?rite ([a-z]+(?: [a-z]+)?) (?:is|are) ${X}`, 'i'),
    single: true,
    group: 2,
  },
  {
    predicate: (m) => `has_${(m[1] ?? '').toLowerCase().replace(/\s+/g, '_')}`,
    re: new RegExp(
      `\\b[Mm]y (${RELATIONS}),? (?:is called |is named |named |called )?([A-Z][\\p{L}'-]+)`,
      'u',
    ),
    single: false,
    group: 2,
    name: true,
  },
  {
    predicate: 'age',
    re: /\bI(?:'m| am| just turned| turned) (\d{1,3})(?: years old| yo)?\b(?! (?:minutes|hours|days|weeks|months|kids|children|times|percent|%))/i,
    single: true,
  },
  { predicate: 'birthday', re: new RegExp(`\\bmy birthday is (?:on )?${X}`, 'i'), single: true },
  {
    predicate: 'has_pet',
    re: new RegExp(`\\bI (?:have|own|got|adopted) an? ((?:[a-z]+ )?(?:${PETS})(?: named [A-Z][a-z]+)?)`, 'i'),
    single: false,
  },
  { predicate: 'speaks', re: new RegExp(`\\bI (?:can )?speak ${X}`, 'i'), single: false },
  {
    predicate: 'studies',
    re: new RegExp(`\\bI(?:'m| am)? (?:currently )?study(?:ing)? ${X}`, 'i'),
    single: true,
  },
  { predicate: 'aspires_to', re: new RegExp(`\\bI want to (?:become|be) an? ${X}`, 'i'), single: true },
  {
    predicate: 'did',
    re: new RegExp(
      `\\b(?:I|we|my (?:family|kids|partner|husband|wife|friends?) and I)(?:'ve| have)? (?:just |recently |finally |also |even |actually )?(${ACTIVITY_VERBS}) ${X}`,
      'i',
    ),
    single: false,
    importance: 0.5,
    group: 2,
    verbGroup: 1,
  },
  {
    predicate: 'likes',
    re: new RegExp(
      `\\bI(?:'m| am) (?:really |totally |so |super )?(?:into|passionate about|a big fan of|a fan of) ${X}`,
      'i',
    ),
    single: false,
    importance: 0.6,
  },
  {
    predicate: 'relationship_status',
    re: /\bI(?:'m| am| got) (married|single|divorced|engaged|widowed)\b/i,
    single: true,
  },
];

const BOUNDARY =
  /\s+(?:and|but|because|since|so|which|who|where|when|while|though|although|if|as|for|with|after|before|until|to be|right now|now|anymore|these days|nowadays|last|next|this|yesterday|today|tomorrow|ago|recently|in \d{4}|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|the other day|earlier|(?:a few|a couple(?: of)?|several|some|many|\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty) (?:days?|weeks?|months?|years?|weekends?))\b.*$/i;
const LIST_PREDICATES = new Set(['allergic_to', 'speaks']);
const BAD_OBJECTS = new Set([
  'it',
  'that',
  'this',
  'there',
  'here',
  'them',
  'you',
  'so',
  'too',
  'a lot',
  'one',
  'lot',
]);

/** A word an object cannot end on: an article, preposition, quantifier or intensifier. */
const DANGLING =
  /\s+(?:a|an|the|their|our|his|her|its|some|about|around|roughly|almost|nearly|over|like|of|to|for|at|in|on|with|from|by|just|really|very|so|more|most|such|any|every|each)$/i;

export function cleanObject(raw: string): string | null {
  let o = raw.replace(BOUNDARY, '').trim();
  o = o.replace(/^(?:the city of|a city called)\s+/i, '');
  o = o.replace(/\bmy\b/gi, 'their').replace(/\bme\b/gi, 'them');
  o = o.replace(/\s+(?:a lot|so much|very much|too|as well)$/i, '').trim();
  o = o.replace(/[\s'"“”)(]+$/g, '').replace(/^[\s'"“”(]+/g, '');
  // What the cut left hanging ("playing guitar about" from "… about five years ago").
  while (DANGLING.test(o)) o = o.replace(DANGLING, '').trim();
  if (!o || BAD_OBJECTS.has(o.toLowerCase())) return null;
  // "made it to show …", "did that for …": a pronoun, not what was made or done.
  if (/^(?:it|this|that|them|these|those)\s+(?:to|for|so|because)\b/i.test(o)) return null;
  // What is left of "went to a few weeks ago" once the time is cut: a preposition, no object.
  if (/^(?:to|for|at|in|on|into|with|a|an|the|some)$/i.test(o)) return null;
  if (o.split(/\s+/).length > 8) return null;
  return o;
}

export function extractFacts(text: string, subject = 'user'): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  for (const sentence of sentences(text)) {
    // Questions and hypotheticals are not statements of fact.
    if (/\?\s*$/.test(sentence) || /^\s*(?:if|do|does|did|would|could|should|can)\b/i.test(sentence))
      continue;
    for (const rule of RULES) {
      const m = sentence.match(rule.re);
      if (!m) continue;
      const raw = m[rule.group ?? 1];
      if (!raw) continue;
      const predicate = typeof rule.predicate === 'string' ? rule.predicate : rule.predicate(m);
      // "allergic to peanuts and shellfish" is two facts.
      const parts = LIST_PREDICATES.has(predicate)
        ? raw.split(/,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+/)
        : [raw];
      for (const part of parts) {
        const cleaned = rule.name ? part.trim() : cleanObject(part);
        if (!cleaned) continue;
        const verb = rule.verbGroup ? m[rule.verbGroup]?.toLowerCase() : undefined;
        const object = verb ? `${verb} ${cleaned}` : cleaned;
        const relation = predicate.startsWith('has_') ? predicate.slice(4) : '';
        const single = rule.single || SINGLE_RELATIONS.has(relation);
        const key = `${predicate}\u0000${object.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        facts.push({
          subject,
          predicate,
          object,
          evidence: sentence,
          single,
          importance: rule.importance ?? 0.7,
        });
      }
    }
  }
  return facts;
}

const TEMPLATES: Record<string, string> = {
  lives_in: '{S} lives in {O}',
  from: '{S} is from {O}',
  grew_up_in: '{S} grew up in {O}',
  name: "{S}'s name is {O}",
  works_at: '{S} works at {O}',
  occupation: '{S} works as {A} {O}',
  allergic_to: '{S} is allergic to {O}',
  diet: '{S} is {O}',
  likes: '{S} likes {O}',
  dislikes: '{S} dislikes {O}',
  prefers: '{S} prefers {O}',
  age: '{S} is {O} years old',
  birthday: "{S}'s birthday is {O}",
  has_pet: '{S} has {A} {O}',
  speaks: '{S} speaks {O}',
  studies: '{S} studies {O}',
  aspires_to: '{S} wants to become {A} {O}',
  relationship_status: '{S} is {O}',
  did: '{S} {O}',
};

/** The readable sentence stored as the memory's content: "User lives in Berlin". */
export function factSentence(fact: Pick<Fact, 'predicate' | 'object'>, subjectName: string): string {
  const article = /^[aeiou]/i.test(fact.object) ? 'an' : 'a';
  let template = TEMPLATES[fact.predicate];
  if (!template && fact.predicate.startsWith('favorite_')) {
    template = `{S}'s favorite ${fact.predicate.slice(9).replace(/_/g, ' ')} is {O}`;
  } else if (!template && fact.predicate.startsWith('has_')) {
    template = `{S}'s ${fact.predicate.slice(4).replace(/_/g, ' ')} is {O}`;
  }
  template ??= `{S} ${fact.predicate.replace(/_/g, ' ')} {O}`;
  return template.replace('{S}', subjectName).replace('{A}', article).replace('{O}', fact.object);
}
