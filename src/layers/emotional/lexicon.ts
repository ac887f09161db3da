/**
 * The emotion lexicon that ships with Strata (written for it, ~500 entries over ten labels).
 * Each entry is a word form with an optional weight (`word:1.5`); a word may carry several
 * labels. Valence/arousal per label give each emotion its place on the circumplex, from
 * which a message's valence and arousal are averaged.
 */

export const EMOTIONS = [
  'joy',
  'sadness',
  'anger',
  'fear',
  'surprise',
  'disgust',
  'trust',
  'anticipation',
  'love',
  'gratitude',
] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** Valence (-1..1) and arousal (0..1) of each label. */
export const CIRCUMPLEX: Record<Emotion, { valence: number; arousal: number }> = {
  joy: { valence: 0.8, arousal: 0.6 },
  sadness: { valence: -0.7, arousal: 0.25 },
  anger: { valence: -0.7, arousal: 0.85 },
  fear: { valence: -0.65, arousal: 0.8 },
  surprise: { valence: 0.1, arousal: 0.85 },
  disgust: { valence: -0.75, arousal: 0.5 },
  trust: { valence: 0.5, arousal: 0.3 },
  anticipation: { valence: 0.35, arousal: 0.6 },
  love: { valence: 0.85, arousal: 0.5 },
  gratitude: { valence: 0.8, arousal: 0.4 },
};

/** What a negated cue turns into ("not happy" leans sad; "not afraid" leans trusting). */
export const NEGATION_FLIP: Partial<Record<Emotion, Emotion>> = {
  joy: 'sadness',
  sadness: 'joy',
  fear: 'trust',
  trust: 'fear',
  love: 'sadness',
};

const RAW: Record<Emotion, string> = {
  joy:
    'happy happier happiest happiness glad joy joyful joyous delighted delight delightful cheerful cheery ' +
    'thrilled:1.4 ecstatic:1.6 elated:1.5 overjoyed:1.6 excited:0.9 exciting:0.8 fun:0.6 great:0.6 ' +
    'wonderful:0.9 amazing:0.9 awesome:0.9 fantastic:0.9 awesome:0.9 lovely:0.7 pleased content:0.6 ' +
    'satisfied:0.6 proud:0.9 pride:0.8 celebrate:0.8 celebrated:0.8 celebrating:0.8 yay:1.2 hooray:1.2 ' +
    'smile:0.7 smiled:0.7 smiling:0.7 laugh:0.7 laughed:0.7 laughing:0.7 enjoy:0.7 enjoyed:0.7 ' +
    'enjoying:0.7 blessed:0.8 blissful:1.3 bliss:1.2 cheer:0.6 relieved:0.8 relief:0.8 good:0.4 ' +
    'best:0.5 stoked:1.2 glee:1.2 gleeful:1.2 jubilant:1.4 win:0.5 won:0.6 success:0.6 peaceful:0.6 ' +
    'fulfilled:0.8 fulfilling:0.8 inspired:0.7 inspiring:0.7 accomplished:0.8 rewarding:0.7',
  sadness:
    'sad sadder saddest sadness unhappy:1.1 depressed:1.4 depressing:1.2 depression:1.2 miserable:1.4 ' +
    'heartbroken:1.6 heartbreaking:1.4 grief:1.4 grieving:1.4 grieve:1.3 mourn:1.2 mourning:1.2 ' +
    'lonely:1.2 loneliness:1.2 alone:0.6 cry:1 cried:1 crying:1 tears:0.9 sorrow:1.2 gloomy:1 down:0.4 ' +
    'hopeless:1.3 despair:1.4 disappointed:1.1 disappointing:1 disappointment:1.1 regret:0.9 ' +
    'regretful:1 lost:0.5 loss:0.8 miss:0.6 missed:0.5 missing:0.5 hurt:0.8 hurts:0.8 painful:0.9 ' +
    'pain:0.7 upset:0.8 devastated:1.6 devastating:1.4 blue:0.3 awful:0.6 terrible:0.6 sorry:0.5 ' +
    'died:1 death:0.9 passed:0.3 funeral:1 broke:0.3 exhausted:0.6 tired:0.4 worthless:1.3 empty:0.7 ' +
    'homesick:1.1 dejected:1.2 melancholy:1.1 struggle:0.6 struggling:0.7 rejected:1 rejection:1',
  anger:
    'angry angrier anger mad:1.1 furious:1.6 fury:1.5 rage:1.5 raging:1.4 irritated:1 irritating:0.9 ' +
    'annoyed:1 annoying:0.9 annoys:0.9 frustrated:1.1 frustrating:1 frustration:1.1 outraged:1.5 ' +
    'outrage:1.4 livid:1.6 pissed:1.3 resent:1.1 resentful:1.2 resentment:1.2 hate:1.2 hated:1.1 ' +
    'hates:1.1 hatred:1.4 hostile:1.1 bitter:0.9 infuriating:1.5 infuriated:1.5 enraged:1.6 ' +
    'unfair:0.8 injustice:1 betrayed:1 betrayal:1 argue:0.6 argued:0.7 argument:0.6 fight:0.6 ' +
    'fought:0.6 yelled:0.9 yelling:0.9 shouted:0.8 cross:0.3 fuming:1.4 grumpy:0.8 sick:0.3 fed:0.3',
  fear:
    'afraid scared:1.1 scary:1 fear feared fearful:1.2 frightened:1.3 frightening:1.2 terrified:1.6 ' +
    'terrifying:1.5 terror:1.5 nervous:1.1 nervously:1 anxious:1.2 anxiety:1.2 worried:1.1 worry:1 ' +
    'worrying:1 worries:0.9 panic:1.4 panicked:1.4 panicking:1.4 dread:1.3 dreading:1.3 uneasy:0.9 ' +
    'tense:0.8 stressed:1 stress:0.9 stressful:0.9 stressing:0.9 overwhelmed:1 insecure:0.9 unsure:0.5 ' +
    'uncertain:0.6 threatened:1.1 threat:0.8 danger:0.8 dangerous:0.8 horror:1.3 horrified:1.4 ' +
    'apprehensive:1 jittery:1 jumpy:0.9 shaky:0.8 spooked:1.1 paranoid:1.1 alarmed:1.1 concern:0.6 ' +
    'concerned:0.8 butterflies:0.8 timid:0.7 phobia:1.2 intimidated:1 intimidating:0.9 vulnerable:0.8',
  surprise:
    'surprised:1.1 surprise surprising:1 surprisingly:0.8 shocked:1.3 shock:1.1 shocking:1.2 ' +
    'astonished:1.4 astonishing:1.3 amazed:1.1 stunned:1.3 stunning:0.8 unexpected:1 unexpectedly:1 ' +
    'wow:1.1 whoa:1.1 omg:1.1 unbelievable:1.1 incredible:0.8 speechless:1.2 startled:1.2 sudden:0.6 ' +
    'suddenly:0.6 astounded:1.4 bewildered:1 baffled:0.9 wonder:0.4 wondering:0.3',
  disgust:
    'disgusted:1.5 disgusting:1.4 disgust gross:1.1 nasty:1 revolting:1.4 repulsive:1.4 repulsed:1.4 ' +
    'sickening:1.3 vile:1.3 yuck:1.2 ew:1.1 eww:1.2 horrible:0.8 awful:0.5 loathe:1.3 loathing:1.3 ' +
    'despise:1.3 contempt:1.2 nauseous:0.9 nauseating:1.2 filthy:1 creepy:0.9 appalled:1.3 ' +
    'appalling:1.3 distasteful:1 offensive:0.9 ugh:0.9 rotten:0.9 toxic:0.8',
  trust:
    'trust trusted trusting trustworthy reliable:0.9 rely:0.8 depend:0.6 dependable:0.9 confident:0.9 ' +
    'confidence:0.9 safe:0.8 secure:0.8 loyal:1 loyalty:1 faith:0.9 believe:0.6 honest:0.8 support:0.6 ' +
    'supported:0.8 supportive:0.9 comfortable:0.7 calm:0.6 assured:0.8 certain:0.5 respect:0.8 ' +
    'respected:0.8 count:0.2 friend:0.4 friends:0.4 friendship:0.6 welcome:0.5 welcomed:0.6 accepted:0.7 ' +
    'acceptance:0.7 understood:0.6',
  anticipation:
    'excited:0.9 exciting:0.6 eager:1.1 eagerly:1 looking:0.2 forward:0.5 anticipate:1.1 ' +
    'anticipating:1.1 anticipation:1.1 await:0.9 awaiting:0.9 hope:0.8 hoping:0.8 hopeful:1 ' +
    'hopefully:0.8 expect:0.6 expecting:0.7 upcoming:0.8 soon:0.5 plan:0.5 planning:0.6 planned:0.5 ' +
    'ready:0.5 prepare:0.5 preparing:0.6 countdown:1 curious:0.7 curiosity:0.7 impatient:0.9 ' +
    "can't:0.1 wait:0.3 dream:0.6 dreaming:0.6 goal:0.5 goals:0.5 tomorrow:0.2 someday:0.5 " +
    'motivated:0.8 determined:0.8 ambitious:0.7',
  love:
    'love:1.2 loved:1.1 loving:1.1 loves:1 lovely:0.5 adore:1.3 adored:1.2 adoring:1.2 affection:1.1 ' +
    'affectionate:1.1 beloved:1.2 darling:0.9 dear:0.5 sweetheart:0.9 cherish:1.2 cherished:1.2 ' +
    'caring:0.8 care:0.5 cares:0.5 romantic:1 romance:1 crush:0.9 passion:0.9 passionate:0.9 ' +
    'hug:0.8 hugs:0.8 hugged:0.8 kiss:0.8 kissed:0.8 fond:0.9 tender:0.8 devoted:1 compassion:0.9 ' +
    'warmth:0.8 soulmate:1.3 wedding:0.6 married:0.4 family:0.4 together:0.3',
  gratitude:
    'thank:1 thanks:1 thankful:1.3 grateful:1.4 gratitude:1.4 appreciate:1.1 appreciated:1.1 ' +
    'appreciative:1.2 appreciation:1.2 blessed:0.8 indebted:1 thx:0.9 ty:0.6 kind:0.4 kindness:0.8 ' +
    'generous:0.7 helpful:0.6 obliged:0.8',
};

/** word → list of [label, weight]. */
export const LEXICON: ReadonlyMap<string, ReadonlyArray<readonly [Emotion, number]>> = (() => {
  const map = new Map<string, Array<[Emotion, number]>>();
  for (const label of EMOTIONS) {
    for (const entry of RAW[label].split(/\s+/)) {
      if (!entry) continue;
      const [word = '', weight] = entry.split(':');
      const list = map.get(word) ?? [];
      if (!list.some(([l]) => l === label)) list.push([label, weight ? Number(weight) : 1]);
      map.set(word, list);
    }
  }
  return map;
})();

export const INTENSIFIERS: ReadonlyMap<string, number> = new Map([
  ['so', 1.4],
  ['very', 1.4],
  ['really', 1.35],
  ['extremely', 1.7],
  ['incredibly', 1.6],
  ['super', 1.4],
  ['totally', 1.4],
  ['absolutely', 1.5],
  ['deeply', 1.5],
  ['terribly', 1.5],
  ['truly', 1.3],
  ['utterly', 1.6],
  ['completely', 1.4],
  ['quite', 1.15],
  ['too', 1.2],
  ['most', 1.2],
  ['slightly', 0.6],
  ['somewhat', 0.7],
  ['bit', 0.6],
  ['little', 0.7],
  ['barely', 0.4],
  ['kinda', 0.7],
  ['sorta', 0.7],
]);

export const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nothing',
  'nobody',
  'neither',
  'nor',
  'without',
  'hardly',
  "don't",
  "doesn't",
  "didn't",
  "isn't",
  "wasn't",
  "aren't",
  "weren't",
  "won't",
  "can't",
  "couldn't",
  "shouldn't",
  "wouldn't",
  "haven't",
  "hasn't",
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'wasnt',
  'cant',
  'wont',
  'nt',
]);
