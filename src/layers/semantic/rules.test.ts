import { describe, expect, it } from 'vitest';
import { extractFacts, factSentence } from './rules.ts';

const triples = (text: string) => extractFacts(text).map((f) => [f.predicate, f.object, f.single]);

describe('extractFacts', () => {
  it('extracts residence, moving, origin and work', () => {
    expect(triples('I live in Paris.')).toEqual([['lives_in', 'Paris', true]]);
    expect(triples('I moved to Berlin last month.')).toEqual([['lives_in', 'Berlin', true]]);
    expect(triples("I'm originally from Lisbon, but I grew up in Porto.")).toEqual([
      ['from', 'Lisbon', true],
      ['grew_up_in', 'Porto', true],
    ]);
    expect(triples('I work at Google as a designer.')).toEqual([['works_at', 'Google', true]]);
    expect(triples("I'm a software engineer at a startup.")).toEqual([
      ['occupation', 'software engineer', true],
    ]);
  });

  it('extracts what someone did or took up, verb kept, cut at the clause', () => {
    const said = (text: string) => extractFacts(text).map((f) => factSentence(f, 'Mel'));
    expect(said('We went camping with the kids last week, it was great.')).toEqual(['Mel went camping']);
    expect(said('I just signed up for a pottery class yesterday.')).toEqual([
      'Mel signed up for a pottery class',
    ]);
    expect(said("I read Charlotte's Web as a kid.")).toEqual(["Mel read Charlotte's Web"]);
    expect(said("I'm really into vintage cars.")).toEqual(['Mel likes vintage cars']);
    expect(said('Did you go camping?')).toEqual([]);
  });

  it('extracts relations, allergies, preferences', () => {
    expect(triples('My sister Anna is visiting next week.')).toEqual([['has_sister', 'Anna', false]]);
    expect(triples("I'm allergic to peanuts and shellfish.")).toEqual([
      ['allergic_to', 'peanuts', false],
      ['allergic_to', 'shellfish', false],
    ]);
    expect(triples('I prefer short answers.')).toEqual([['prefers', 'short answers', false]]);
    expect(triples("I don't like spicy food.")).toEqual([['dislikes', 'spicy food', false]]);
    expect(triples('My favorite food is sushi!')).toEqual([['favorite_food', 'sushi', true]]);
    expect(triples("I'm 34 years old and vegetarian.")).toEqual([['age', '34', true]]);
    expect(triples("I'm vegetarian.")).toEqual([['diet', 'vegetarian', true]]);
  });

  it('ignores questions, hypotheticals and non-facts', () => {
    expect(triples('Do you live in Paris?')).toEqual([]);
    expect(triples('If I lived in Rome I would eat pasta daily.')).toEqual([]);
    expect(triples("I'm so nervous about my exam next Friday")).toEqual([]);
    expect(triples('I love it!')).toEqual([]);
  });

  it('cuts the time off what someone did, and keeps nothing when only the time was left', () => {
    expect(triples('I went to an LGBTQ conference two days ago.')).toEqual([
      ['did', 'went to an LGBTQ conference', false],
    ]);
    expect(triples('I started transitioning three years ago.')).toEqual([
      ['did', 'started transitioning', false],
    ]);
    expect(triples('I went to a few weeks ago a meetup.')).toEqual([]);
    expect(triples('I started playing acoustic guitar about five years ago.')).toEqual([
      ['did', 'started playing acoustic guitar', false],
    ]);
    expect(triples('I made it to show my own journey.')).toEqual([]);
  });

  it('renders readable sentences with the speaker name', () => {
    expect(factSentence({ predicate: 'lives_in', object: 'Berlin' }, 'User')).toBe('User lives in Berlin');
    expect(factSentence({ predicate: 'has_sister', object: 'Anna' }, 'Caroline')).toBe(
      "Caroline's sister is Anna",
    );
    expect(factSentence({ predicate: 'occupation', object: 'engineer' }, 'User')).toBe(
      'User works as an engineer',
    );
  });
});
