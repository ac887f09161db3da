/**
 * The associative layer: one hub memory per turn naming the turn's entities and concepts,
 * linked to every memory of the turn (co-occurrence) and to earlier memories that share
 * an entity (found by keyword search, bounded fan-out). Link strengths live in
 * metadata.linkStrengths and grow when linked memories are recalled together
 * (pipeline/activation.ts); recall spreads activation from the top hits along them.
 */
import { parseKeywordQuery } from '../../text/query-parser.ts';
import type { Layer, LayerWrite, TurnContext } from '../types.ts';
import { extractEntities } from './entities.ts';

const ENTITY_SEARCHES = 4;
const PER_ENTITY = 3;
export const CO_OCCURRENCE_STRENGTH = 0.5;
export const SHARED_ENTITY_STRENGTH = 0.3;

export function createAssociativeLayer(): Layer {
  return {
    name: 'associative',
    async observe(ctx: TurnContext): Promise<LayerWrite[]> {
      const text = ctx.assistant ? `${ctx.user.text}\n${ctx.assistant.text}` : ctx.user.text;
      // The hub is link structure, not another copy of the words: its content names only
      // the concepts, so it never crowds the verbatim memories out of search results.
      const unique = extractEntities(text, 10);
      if (unique.length === 0) return [];
      const strengths: Record<string, number> = {};
      for (const entity of unique.slice(0, ENTITY_SEARCHES)) {
        const query = parseKeywordQuery(`"${entity}"`);
        if (!query.ast) continue;
        const hits = await ctx.engine.store.keywordSearch(
          { userId: ctx.userId, layers: ['episodic', 'semantic', 'temporal', 'emotional'] },
          query,
          PER_ENTITY,
        );
        for (const hit of hits)
          strengths[hit.id] = Math.min(1, (strengths[hit.id] ?? 0) + SHARED_ENTITY_STRENGTH);
      }
      const linkKeys = ctx.pending.map((w) => `${w.layer}:${w.key}`);
      for (const key of linkKeys) strengths[key] = CO_OCCURRENCE_STRENGTH;
      return [
        {
          layer: 'associative',
          key: 'hub',
          content: `Concepts mentioned together: ${unique.join(', ')}`,
          importance: 0.3,
          metadata: { kind: 'concepts', entities: unique, linkStrengths: strengths },
          sources: ctx.sources,
          linkKeys,
          linkIds: Object.keys(strengths).filter((k) => !k.includes(':')),
        },
      ];
    },
    score(candidate): number {
      // Hubs exist to connect; they rarely answer a question themselves (a block shows one
      // only when what was said and known leaves room).
      return candidate.layer === 'associative' ? 0.3 : 1;
    },
  };
}
