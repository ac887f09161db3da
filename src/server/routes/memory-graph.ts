/**
 * GET /v1/memories/{id}/graph: the association graph around one memory, breadth first along
 * its links (the associative layer's hubs link every memory of a turn and earlier memories
 * that share an entity; co-occurrence links are symmetric), up to `depth` hops and `limit`
 * nodes. Edges carry the link strength the associative layer keeps in metadata.linkStrengths
 * (null when none). Only the acting user's memories are read; a dangling link is left out.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { MemoryError } from '../../errors.ts';
import type { Memory } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';
import { memoryIdParam } from './memories.ts';

const GraphParamsSchema = z.object({
  depth: z.coerce.number().int().min(1).max(3).default(2),
  limit: z.coerce.number().int().min(1).max(200).default(40),
});

export interface GraphNode {
  id: string;
  layer: Memory['layer'];
  content: string;
  createdAt: string;
  depth: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  strength: number | null;
}

function strengthOf(memory: Memory, other: string): number | null {
  const strengths = memory.metadata.linkStrengths;
  if (!strengths || typeof strengths !== 'object') return null;
  const value = (strengths as Record<string, unknown>)[other];
  return typeof value === 'number' ? value : null;
}

export function registerMemoryGraphRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;
  app.get('/v1/memories/:id/graph', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    const { depth, limit } = parseWith(GraphParamsSchema, c.req.query(), 'query string');
    return metrics.time('graph', async () => {
      const read = async (at: string) => {
        try {
          return await memory.get(userId, at);
        } catch (error) {
          if (MemoryError.isInstance(error) && error.code === 'not_found') return null;
          throw error;
        }
      };
      const root = await memory.get(userId, id); // 404 for a missing or foreign id
      const found = new Map<string, { memory: Memory; depth: number }>([[id, { memory: root, depth: 0 }]]);
      let frontier = [root];
      for (let hop = 1; hop <= depth && found.size < limit; hop++) {
        const wanted = [...new Set(frontier.flatMap((m) => m.links))].filter((link) => !found.has(link));
        const next: Memory[] = [];
        for (const link of wanted.slice(0, limit - found.size)) {
          const linked = await read(link);
          if (!linked) continue;
          found.set(link, { memory: linked, depth: hop });
          next.push(linked);
        }
        frontier = next;
      }
      const nodes: GraphNode[] = [...found.values()].map(({ memory: m, depth: d }) => ({
        id: m.id,
        layer: m.layer,
        content: m.content.slice(0, 200),
        createdAt: m.createdAt,
        depth: d,
      }));
      const edges: GraphEdge[] = [];
      const seen = new Set<string>();
      for (const { memory: m } of found.values()) {
        for (const link of m.links) {
          const other = found.get(link)?.memory;
          const key = [m.id, link].sort().join(' ');
          if (!other || seen.has(key)) continue;
          seen.add(key);
          edges.push({ from: m.id, to: link, strength: strengthOf(m, link) ?? strengthOf(other, m.id) });
        }
      }
      return c.json({ userId, id, nodes, edges });
    });
  });
}
