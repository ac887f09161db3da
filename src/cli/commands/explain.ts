/**
 * `strata explain --user U "message"`: why recall gives what it gives for that message,
 * without touching anything: the block, then per ranked memory its score, whether it is in
 * the block, its signals, its learned multiplier with what each learned signal weight adds
 * to it, and its ratings, and the learned weights with what moved them and the check (`--json`: the whole ExplainResult).
 */
import type { Command } from 'commander';
import type { ExplainResult } from '../../types.ts';
import { atOption, parseInteger, readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ExplainFlags {
  at?: string;
  user: string;
  chat?: string;
  maxTokens?: number;
  k?: number;
  tz?: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

const shareText = (shares: Record<string, number>) =>
  Object.entries(shares)
    .map(([layer, v]) => `${layer} ${round(v)}`)
    .join(', ');
const countText = (counts: Record<string, number | undefined>) =>
  Object.entries(counts)
    .map(([layer, v]) => `${layer} ${Math.round(v ?? 0)}`)
    .join(', ') || 'none';

function render(result: ExplainResult, ctx: CliContext): string {
  const l = result.learning;
  const rows = result.lines.map((line) => ({
    rank: line.rank + 1,
    block: line.inBlock ? 'yes' : '',
    layer: line.memory.layer,
    score: round(line.score),
    signals: Object.entries(line.signals)
      .map(([k, v]) => `${k}=${round(v)}`)
      .join(' '),
    learned:
      `×${round(line.learnedWeight)}` +
      Object.entries(line.learnedContributions)
        .map(([k, v]) => ` ${k}${v >= 0 ? '+' : ''}${round(v)}`)
        .join(''),
    feedback: line.feedback.flaggedWrong
      ? `wrong (${line.feedback.wrong})`
      : line.feedback.useful + line.feedback.notUseful + line.feedback.wrong > 0
        ? `+${line.feedback.useful} −${line.feedback.notUseful} ✗${line.feedback.wrong}`
        : '',
    memory: line.memory.content.replace(/\s+/g, ' ').slice(0, 60),
  }));
  const weights = Object.entries(l.weights)
    .map(([layer, w]) => `${layer} ×${round(w)}`)
    .join(', ');
  const signals = Object.entries(l.signalWeights)
    .filter(([name]) => !name.startsWith('layer:'))
    .map(([name, w]) => `${name} ${w >= 0 ? '+' : ''}${round(w)}`)
    .join(', ');
  const learning = l.enabled
    ? `learned weights for '${l.queryKind}' questions: ${weights}` +
      (signals ? `\n  signal weights (on ln score): ${signals}` : '') +
      `\n  from ${l.ratings} ratings (${l.useful} useful) over ${l.messages} messages, ${l.pairs} pairs; ` +
      `${Math.round(l.ownShare * 100)}% the user's own, the rest the shared prior\n` +
      `  check: later messages' blocks better ${l.check.agree}, worse ${l.check.disagree} ` +
      `(mean gain in useful memories held ${round(l.check.meanGain)} ± ${round(l.check.standardError)}); ` +
      (l.check.applied ? 'applied' : 'not applied: defaults used') +
      `\n  block budget (share per layer): ${shareText(l.budget.shares)}` +
      (l.budget.userShares
        ? `\n    learned: ${shareText(l.budget.userShares)}`
        : '\n    learned: none yet (too few rated lines)') +
      `\n    from rated lines ${countText(l.budget.lines)} (useful ${countText(l.budget.usefulLines)})` +
      `\n    check: later messages' blocks better ${l.budget.check.agree}, worse ${l.budget.check.disagree} ` +
      `(mean gain ${round(l.budget.check.meanGain)} ± ${round(l.budget.check.standardError)}); ` +
      (l.budget.check.applied ? 'applied' : 'not applied: default shares used')
    : 'learning is off (learning.enabled: false): every layer ×1';
  return [
    result.context || 'No memories to recall.',
    '',
    ctx.output.table(rows, ['rank', 'block', 'layer', 'score', 'signals', 'learned', 'feedback', 'memory']),
    learning,
  ].join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description('Explain what recall would give for a message: scores, signals, learned weights')
    .argument('<message...>', 'the user message to explain recall for')
    .requiredOption('-u, --user <id>', 'whose memories')
    .option('-c, --chat <id>', 'chat id')
    .option('--max-tokens <n>', 'token budget of the block', parseInteger('--max-tokens', 16))
    .option('-k, --k <n>', 'how many ranked memories to explain', parseInteger('-k', 1))
    .option('--tz <zone>', 'IANA time zone for time expressions in the message')
    .option(...atOption('time expressions ("yesterday"), recency and last-access times'))
    .action(async (words: string[], flags: ExplainFlags) => {
      const result = await readMemory(
        ctx,
        (m) =>
          m.explain({
            userId: flags.user,
            messages: [{ role: 'user', content: words.join(' ') }],
            ...(flags.chat !== undefined && { chatId: flags.chat }),
            ...(flags.maxTokens !== undefined && { maxTokens: flags.maxTokens }),
            ...(flags.k !== undefined && { k: flags.k }),
            ...(flags.tz !== undefined && { timeZone: flags.tz }),
          }),
        { at: flags.at },
      );
      ctx.output.result(result, () => render(result, ctx));
    });
}
