// "What would the model get?": a message in, the exact <memory_context> block recall would
// inject for it out, from POST /v1/explain (a dry run: nothing is reinforced or linked), with
// each line of the block matched to its memory (by the short id the line prints) and why it
// ranks there: its score, layer and signals. Ranked memories left out of the block are
// listed after it.
import { actingUser, api } from './api.js';
import { add, clip, fixed, h, layerBadge, memoryHref, notice, replace, shortId, table } from './dom.js';

let lastMessage = '';

function signals(line) {
  const entries = Object.entries(line.signals ?? {}).filter(([, v]) => typeof v === 'number');
  entries.sort((a, b) => a[0].localeCompare(b[0]));
  return entries.map(([name, value]) => `${name} ${fixed(value, 3)}`).join(' · ');
}

function why(line) {
  return h(
    'p',
    { class: 'why' },
    layerBadge(line.memory.layer),
    ` rank ${line.rank + 1} · score ${fixed(line.score, 3)} · learned weight ${fixed(line.learnedWeight)}`,
    line.feedback.flaggedWrong ? ' · flagged wrong' : '',
    h('br'),
    signals(line) || 'no signals',
    ' · ',
    h('a', { href: memoryHref(line.memory.id) }, 'open memory'),
  );
}

function render(out, result) {
  const byShort = new Map(result.lines.map((line) => [shortId(line.memory.id), line]));
  const blockLines = result.context.split('\n');
  const explained = blockLines
    .map((text) => {
      const match = /^- \[\S+ \S+ ([0-9a-f]{8})\]/.exec(text);
      return match ? { text, line: byShort.get(match[1]) } : null;
    })
    .filter(Boolean);
  const left = result.lines.filter((line) => !line.inBlock);
  replace(
    out,
    h('h2', null, 'The block the model would get'),
    result.context
      ? h(
          'pre',
          { class: 'block', id: 'recall-block', tabindex: '0', 'aria-label': 'The memory context block' },
          result.context,
        )
      : notice('Recall would inject nothing for this message.'),
    explained.length ? h('h2', null, `Why each of the ${explained.length} lines is there`) : null,
    explained.length
      ? h(
          'ol',
          { class: 'lines' },
          explained.map(({ text, line }) =>
            h(
              'li',
              null,
              h('code', null, text),
              line ? why(line) : h('p', { class: 'why' }, 'memory not among the ranked lines'),
            ),
          ),
        )
      : null,
    h('h2', null, 'Learned layer weights'),
    h(
      'p',
      null,
      result.learning.enabled
        ? `${Object.entries(result.learning.weights)
            .map(([layer, w]) => `${layer} ×${fixed(w)}`)
            .join(
              ', ',
            )} (from ${result.learning.ratings} ratings; ${fixed(result.learning.ownShare * 100, 0)} % this user's own).`
        : 'Learning from feedback is off (learning.enabled): every layer counts ×1.',
    ),
    left.length ? h('h2', null, `Ranked but left out of the block (${left.length})`) : null,
    left.length
      ? table(
          'Ranked memories outside the block',
          ['Rank', 'Layer', 'Score', 'Content', 'Why left out'],
          left
            .slice(0, 30)
            .map((line) =>
              h(
                'tr',
                null,
                h('td', { class: 'num' }, String(line.rank + 1)),
                h('td', null, layerBadge(line.memory.layer)),
                h('td', { class: 'num' }, fixed(line.score, 3)),
                h('td', null, h('a', { href: memoryHref(line.memory.id) }, clip(line.memory.content, 120))),
                h(
                  'td',
                  null,
                  line.feedback.flaggedWrong ? 'flagged wrong' : 'over the token budget or a repeat',
                ),
              ),
            ),
        )
      : null,
  );
}

export async function renderRecall(view) {
  const message = h('textarea', {
    id: 'recall-message',
    rows: '3',
    required: true,
    textContent: lastMessage,
  });
  const budget = h('input', {
    id: 'recall-tokens',
    type: 'number',
    min: '16',
    max: '32000',
    step: '1',
    placeholder: 'server default',
  });
  const out = h('div', { id: 'recall-out', 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-label': 'Preview recall' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'recall-message' }, 'A message the user might send'),
      message,
    ),
    h('div', { class: 'field' }, h('label', { for: 'recall-tokens' }, 'Token budget'), budget),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show what recall would inject')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    lastMessage = message.value;
    if (!lastMessage.trim()) return;
    replace(out, h('p', { class: 'summary' }, 'Recalling…'));
    try {
      const result = await api('POST', '/v1/explain', {
        json: {
          ...actingUser(),
          messages: [{ role: 'user', content: lastMessage }],
          ...(budget.value ? { maxTokens: Number(budget.value) } : {}),
        },
      });
      render(out, result);
    } catch (error) {
      replace(out, notice(error.message, 'error'));
    }
  });
  add(
    view,
    h('h1', null, 'What would the model get?'),
    h('p', null, 'A dry run of recall: nothing is reinforced, linked or recorded.'),
    h('section', { class: 'card' }, form),
    out,
  );
  if (lastMessage.trim()) form.requestSubmit();
}
