/**
 * Failure analysis for the LoCoMo run (not part of the metric): runs Strata exactly as
 * `strata eval locomo` does and writes, per question whose evidence is not all in the top
 * k turns, the question, gold answer, gold evidence turns (with their text and the rank
 * they reached) and the first retrieved turns, as JSON lines, plus a per-category count on
 * stderr. Used to form hypotheses; the gold answer is only printed, never fed to recall.
 *
 * With --mode block: per question whose default-budget block misses answer words, the
 * block's lines next to the answer and the evidence.
 *
 *   npx tsx eval/locomo/failures.ts [--data FILE] [--k 10] [--category 1] [--out FILE]
 *     [--layers episodic,temporal] [--limit-conversations N] [--mode evidence|block]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import type { LayerName } from '../../src/types.ts';
import { loadLocomo } from './dataset.ts';
import { openEvalEngine } from './engine.ts';
import { conversationConfig } from './evaluate.ts';
import { type QuestionDetail, runLocomo } from './run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(here, '../../../shared/data/locomo/locomo-dev.json') },
    k: { type: 'string', default: '10' },
    category: { type: 'string' },
    out: { type: 'string', default: '/tmp/locomo-failures.jsonl' },
    layers: { type: 'string' },
    'limit-conversations': { type: 'string' },
    show: { type: 'string', default: '10' },
    /** evidence: questions whose evidence is not all in the top k; block: whose default block misses answer words. */
    mode: { type: 'string', default: 'evidence' },
  },
});

const k = Number(values.k);
const show = Number(values.show);
const all = await loadLocomo(values.data);
const conversations = all.slice(0, Number(values['limit-conversations'] ?? all.length));
const text = new Map<string, string>();
for (const c of conversations)
  for (const t of c.turns) text.set(`${c.id}/${t.diaId}`, `${t.speaker}: ${t.text}`);
const layers = values.layers?.split(',').map((l) => l.trim() as LayerName);
const base = loadConfig();
const scratch = mkdtempSync(join(tmpdir(), 'strata-locomo-fail-'));
const lines: string[] = [];
const missed = new Map<number, { missed: number; total: number }>();
try {
  await runLocomo(
    conversations,
    (conv) =>
      openEvalEngine(
        conversationConfig(
          { ...base, log: { ...base.log, level: 'error' } },
          scratch,
          conv,
          'sqlite',
          layers ?? base.layers.enabled,
        ),
        conv,
      ),
    {
      ...(layers ? { layers } : {}),
      onQuestion: (d: QuestionDetail) => {
        const q = d.question;
        if (values.category && q.category !== Number(values.category)) return;
        const row = missed.get(q.category) ?? { missed: 0, total: 0 };
        row.total += 1;
        missed.set(q.category, row);
        if (values.mode === 'block') {
          if (!d.answer || d.answer.full) return;
          row.missed += 1;
          lines.push(
            JSON.stringify({
              conv: d.conversation,
              category: q.category,
              question: q.question,
              answer: q.answer,
              share: d.answer.share,
              evidence: q.evidence.map(
                (id) =>
                  `${id} (rank ${d.rankedTurns.indexOf(id) + 1 || '-'}) ${text.get(`${d.conversation}/${id}`)}`,
              ),
              block: d.block.split('\n').slice(2, -1),
            }),
          );
          return;
        }
        if ((d.score.recall[k] ?? 0) >= 1) return;
        row.missed += 1;
        lines.push(
          JSON.stringify({
            conv: d.conversation,
            category: q.category,
            question: q.question,
            answer: q.answer,
            evidence: q.evidence.map((id) => ({
              id,
              rank: d.rankedTurns.indexOf(id) + 1 || null,
              text: text.get(`${d.conversation}/${id}`),
            })),
            retrieved: d.rankedTurns
              .slice(0, show)
              .map((id) => `${id} ${text.get(`${d.conversation}/${id}`)}`),
            topMemories: d.ranked
              .slice(0, 5)
              .map((r) => `${r.memory.layer} ${r.score.toFixed(3)} ${r.memory.content.slice(0, 120)}`),
          }),
        );
      },
    },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
writeFileSync(values.out, `${lines.join('\n')}\n`);
for (const [category, row] of [...missed].sort((a, b) => a[0] - b[0]))
  process.stderr.write(
    `category ${category}: ${row.missed}/${row.total} ${values.mode === 'block' ? 'answer not fully in the block' : `not fully found in top ${k}`}\n`,
  );
process.stderr.write(`wrote ${lines.length} failures to ${values.out}\n`);
