/**
 * The semantic layer: durable facts and preferences about the user (and a named second
 * speaker, under their own name) as subject–predicate–
 * object triples (rules.ts by default, the LLM extractor when config.layers.llm is set,
 * falling back to the rules if the LLM fails). Conflict resolution happens here: a fact
 * whose single-valued predicate already has a different current object supersedes the
 * old memory (the pipeline writes supersededBy + a version with op 'supersede'); a fact
 * already known is not stored again. Recall signal: similarity and importance.
 */
import type { StrataConfig } from '../../config/schema.ts';
import type { Memory } from '../../types.ts';
import { userName } from '../text.ts';
import type { Layer, LayerWrite, QueryContext, TurnContext, TurnMessage } from '../types.ts';
import { extractFactsWithLlm } from './llm-extractor.ts';
import { extractFacts, type Fact, factSentence } from './rules.ts';

function norm(value: unknown): string {
  return String(value ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

async function currentFacts(ctx: TurnContext, fact: Fact): Promise<Memory[]> {
  const page = await ctx.engine.store.list(
    {
      userId: ctx.userId,
      layers: ['semantic'],
      metadata: { subject: fact.subject, predicate: fact.predicate },
      includeSuperseded: false,
    },
    { limit: 100 },
  );
  return page.items.filter((m) => m.supersededBy === null);
}

async function extract(ctx: TurnContext, text: string, config: StrataConfig): Promise<Fact[]> {
  if (!config.layers.llm) return extractFacts(text);
  try {
    return await extractFactsWithLlm(config.layers.llm, text);
  } catch (error) {
    ctx.engine.logger.warn({ err: error }, 'LLM fact extraction failed; using the rule-based extractor');
    return extractFacts(text);
  }
}

/** Facts one message states about its speaker ('user' when the caller named nobody). */
async function messageFacts(
  ctx: TurnContext,
  message: TurnMessage,
  config: StrataConfig,
): Promise<LayerWrite[]> {
  const writes: LayerWrite[] = [];
  const subjectName = message.speaker ?? userName(ctx);
  for (const extracted of await extract(ctx, message.text, config)) {
    const fact: Fact = message.speaker ? { ...extracted, subject: message.speaker } : extracted;
    const existing = await currentFacts(ctx, fact);
    if (existing.some((m) => norm(m.metadata.object) === norm(fact.object))) continue;
    const conflicting = fact.single ? existing.filter((m) => m.createdAt <= ctx.at.toISOString()) : [];
    const prefix = message.role === 'user' ? '' : `${message.role}:`;
    writes.push({
      layer: 'semantic',
      key: `${prefix}${fact.predicate}:${norm(fact.object)}`,
      content: factSentence(fact, subjectName),
      importance: fact.importance,
      metadata: {
        subject: fact.subject,
        predicate: fact.predicate,
        object: fact.object,
        single: fact.single,
        evidence: fact.evidence,
        ...(message.speaker ? { speaker: message.speaker } : {}),
        ...(conflicting.length
          ? {
              supersedes: conflicting.map((m) => m.id),
              previousObjects: conflicting.map((m) => ({
                object: m.metadata.object,
                id: m.id,
                since: m.createdAt,
              })),
            }
          : {}),
      },
      sources: ctx.sources.filter((s) => s.messageId === message.id),
      linkKeys: [`episodic:${message.role}`],
      linkIds: conflicting.map((m) => m.id),
      supersedes: conflicting.map((m) => m.id),
    });
  }
  return writes;
}

/** Questions whose answer depends on who the person is: advice, suggestions, inclinations. */
const PERSONAL =
  /\b(should i|shall i|could i|can i|recommend\w*|suggest\w*|ideas?|advice|advise|tips?|for me|gifts?|likely|would (?:\w+ ){0,3}(?:like|love|enjoy|want|prefer|pursue|be interested|choose))\b/i;
/** How many stated facts such a question brings in. */
const PROFILE_FACTS = 12;

export function createSemanticLayer(config: StrataConfig): Layer {
  return {
    name: 'semantic',
    async observe(ctx: TurnContext): Promise<LayerWrite[]> {
      // A named assistant is a second person (two-person conversations): their facts count
      // too, under their own name as subject, so one person's fact never supersedes another's.
      const messages = ctx.assistant?.speaker ? [ctx.user, ctx.assistant] : [ctx.user];
      const writes: LayerWrite[] = [];
      for (const message of messages) writes.push(...(await messageFacts(ctx, message, config)));
      return writes;
    },
    async prepareRecall(query: QueryContext): Promise<void> {
      // A question that asks for something fitted to the person ("what should I cook?",
      // "any gift ideas for me?", "would she enjoy…?") rarely names what is known about them:
      // their stated facts and preferences come in as candidates.
      if (!PERSONAL.test(query.text)) return;
      const page = await query.engine.store.list(
        { userId: query.userId, layers: ['semantic'], includeSuperseded: false },
        { limit: 200 },
      );
      const lower = query.text.toLowerCase();
      const facts = page.items.filter((m) => m.supersededBy === null && !m.metadata.outdatedBy);
      // In a conversation between named people, the facts of the one the question names.
      const named = facts.filter((m) => {
        const subject = String(m.metadata.speaker ?? '').toLowerCase();
        return subject.length > 1 && lower.includes(subject);
      });
      const chosen = (named.length ? named : facts)
        .sort((a, b) => b.importance - a.importance || b.createdAt.localeCompare(a.createdAt))
        .slice(0, PROFILE_FACTS);
      query.extraCandidates = [...(query.extraCandidates ?? []), ...chosen];
    },
    score(candidate): number {
      // Stated facts are about the user, so at equal relevance they lead.
      return candidate.layer === 'semantic' ? 1.1 : 1;
    },
  };
}
