import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { detectLanguage, queryLanguages } from './detect-language.ts';
import { toLanguage } from './languages.ts';

const settings = { detect: true, default: 'en' as const };
const run = promisify(execFile);
const MODULE = new URL('./detect-language.ts', import.meta.url).pathname;

/** Runs `calls` in a fresh process and names the tinyld models loaded after them. */
async function tinyldModels(calls: string): Promise<string> {
  const script = `import { createRequire } from 'node:module';
import { detectLanguage, queryLanguages } from ${JSON.stringify(MODULE)};
const settings = { detect: true, default: 'en' };
${calls};
const cache = createRequire(import.meta.url).cache;
const loaded = Object.keys(cache).filter((k) => k.includes('/tinyld/')).map((k) => k.split('.').at(-3));
process.stdout.write(loaded.sort().join(','));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  return stdout;
}

describe('detectLanguage', () => {
  it.each([
    ['en', 'We went camping by the lake with the kids last summer.'],
    ['de', 'Wir waren letzten Sommer mit den Kindern am See zelten.'],
    ['fr', "Nous avons fait du camping au bord du lac avec les enfants l'été dernier."],
    ['es', 'El verano pasado fuimos de acampada al lago con los niños.'],
    ['it', "L'estate scorsa siamo andati in campeggio al lago con i bambini."],
    ['pt', 'No verão passado fomos acampar no lago com as crianças.'],
    ['nl', 'Vorige zomer zijn we met de kinderen bij het meer gaan kamperen.'],
    ['ru', 'Прошлым летом мы ходили в поход на озеро с детьми.'],
    ['ja', '去年の夏、子供たちと湖でキャンプをしました。'],
    ['zh', '去年夏天我们和孩子们在湖边露营。'],
  ])('detects %s', (language, text) => {
    expect(detectLanguage(text)).toEqual({ language, detected: true });
  });

  it('leaves short or odd English to the fallback instead of guessing', () => {
    expect(detectLanguage('See ya Nate!').language).toBe('en');
    expect(detectLanguage('Bye!').language).toBe('en');
    expect(detectLanguage("What kind of beer does McGee's bar serve?")).toEqual({
      language: 'en',
      detected: true,
    });
    expect(detectLanguage('12:30', 'de')).toEqual({ language: 'de', detected: false });
  });

  it('searches a query in its language, the default, and an untrusted guess', () => {
    expect(queryLanguages('Wann hat Anna die Katze gekauft?', settings)).toEqual(['de', 'en']);
    expect(queryLanguages('When did Anna buy the cat?', settings)).toEqual(['en']);
    expect(queryLanguages('Katzen?', settings)).toEqual(['en', 'de']);
    expect(queryLanguages('Wann hat Anna die Katze gekauft?', { detect: false, default: 'fr' })).toEqual([
      'fr',
    ]);
  });

  it("loads only tinyld's light model, and only when stop words do not settle the language", async () => {
    const loaded = await Promise.all([
      // Settled by stop words: the most hits, no tie.
      tinyldModels(`detectLanguage('We went camping by the lake last summer.');
detectLanguage('Wir waren letzten Sommer mit den Kindern am See.');
queryLanguages('When did Anna buy the cat?', settings)`),
      // A query with no stop word: an untrusted guess, searched beside the default.
      tinyldModels(`queryLanguages('Katzen?', settings)`),
      // A tie between English and Italian stop words ("i", "in").
      tinyldModels(`detectLanguage('I live in Berlin now')`),
    ]);
    expect(loaded).toEqual(['', 'light', 'light']);
  }, 60_000);

  it('breaks a tie between the leading languages, never trusting a language stop words do not lead', () => {
    expect(detectLanguage('I live in Berlin now')).toEqual({ language: 'en', detected: true });
    expect(detectLanguage('I bambini giocano in giardino con il cane')).toEqual({
      language: 'it',
      detected: true,
    });
  });

  it('reads language tags', () => {
    expect(toLanguage('de-AT')).toBe('de');
    expect(toLanguage('PT_br')).toBe('pt');
    expect(toLanguage('sv')).toBeUndefined();
    expect(toLanguage(3)).toBeUndefined();
  });
});
