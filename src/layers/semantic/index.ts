/**
 * The semantic layer: durable facts and preferences about the user as subject–predicate–
 * object triples (rules.ts by default, the LLM extractor when config.layers.llm is set,
 * falling back to the rules if the LLM fails). Conflict resolution happens here: a fact
 * whose single-valued predicate already has a different current object supersedes the
 * old memory (the pipeline writes supersededBy + a version with op 'supersede'); a fact
 * already known is not stored again. Recall signal: similarity and importance.
 */
import type { StrataConfig } from '../../config/schema.ts';
import type { Memory } from '../../types.ts';
import { userName } from '../text.ts';
import type { Layer, LayerWrite, TurnContext } from '../types.ts';
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

export function createSemanticLayer(config: StrataConfig): Layer {
  return {
    name: 'semantic',
    async observe(ctx: TurnContext): Promise<LayerWrite[]> {
      let facts: Fact[] = [];
      if (config.layers.llm) {
        try {
          facts = await extractFactsWithLlm(config.layers.llm, ctx.user.text);
        } catch (error) {
          ctx.engine.logger.warn(
            { err: error },
            'LLM fact extraction failed; using the rule-based extractor',
          );
          facts = extractFacts(ctx.user.text);
        }
      } else {
        facts = extractFacts(ctx.user.text);
      }
      const writes: LayerWrite[] = [];
      for (const fact of facts) {
        const existing = await currentFacts(ctx, fact);
        if (existing.some((m) => norm(m.metadata.object) === norm(fact.object))) continue;
        const conflicting = fact.single ? existing.filter((m) => m.createdAt <= ctx.at.toISOString()) : [];
        writes.push({
          layer: 'semantic',
          key: `${fact.predicate}:${norm(fact.object)}`,
          content: factSentence(fact, userName(ctx)),
          importance: fact.importance,
          metadata: {
            subject: fact.subject,
            predicate: fact.predicate,
            object: fact.object,
            single: fact.single,
            evidence: fact.evidence,
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
          sources: ctx.sources.filter((s) => s.role === 'user'),
          linkKeys: ['episodic:user'],
          linkIds: conflicting.map((m) => m.id),
          supersedes: conflicting.map((m) => m.id),
        });
      }
      return writes;
    },
    score(candidate): number {
      // Stated facts are about the user, so at equal relevance they lead.
      return candidate.layer === 'semantic' ? 1.1 : 1;
    },
  };
}
