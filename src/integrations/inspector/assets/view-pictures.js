// Pictures: how many memories each layer holds, when they were made (and the events they
// date), and how the user felt: valence over time, the valence/arousal plane with the
// emotion clusters, and the clusters as a table. The association graph is on each memory's page.
import { actingUser, api, session } from './api.js';
import { circumplexChart, layerBars, layerLegend, timelineChart, valenceChart } from './charts.js';
import { add, clip, count, fixed, h, memoryHref, notice, table, when } from './dom.js';

function figure(title, picture, caption) {
  return h(
    'figure',
    { class: 'card' },
    h('h2', null, title),
    picture,
    caption ? h('figcaption', null, caption) : null,
  );
}

function rangeForm(params) {
  const since = h('input', {
    id: 'p-since',
    value: params.get('since') ?? '',
    placeholder: '2024-01-01 or last year',
  });
  const until = h('input', { id: 'p-until', value: params.get('until') ?? '', placeholder: 'today' });
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Time range of the timeline' },
    h('div', { class: 'field' }, h('label', { for: 'p-since' }, 'Timeline since'), since),
    h('div', { class: 'field' }, h('label', { for: 'p-until' }, 'until'), until),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (since.value.trim()) query.set('since', since.value.trim());
    if (until.value.trim()) query.set('until', until.value.trim());
    window.location.hash = `#/pictures${query.size ? `?${query}` : ''}`;
  });
  return form;
}

const widthName = (ms) => {
  const day = 86_400_000;
  if (ms >= 365 * day) return 'year';
  if (ms >= day) return `${Math.round(ms / day)} day${ms === day ? '' : 's'}`;
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 60_000)} min`;
};

export async function renderPictures(view, { params }) {
  add(
    view,
    h('h1', null, `Pictures of ${session.user}'s memories`),
    h('section', { class: 'card' }, rangeForm(params)),
  );
  const range = { since: params.get('since') || undefined, until: params.get('until') || undefined };
  const [stats, timeline, emotions] = await Promise.all([
    api('GET', '/v1/stats', { query: actingUser() }),
    api('GET', '/v1/timeline', { query: { ...actingUser(), ...range, buckets: 60 } }),
    api('GET', '/v1/emotions', { query: actingUser() }),
  ]);
  const charts = h('div', { class: 'charts' });
  charts.append(
    figure(
      'Memories by layer',
      layerBars(stats.byLayer),
      `${count(stats.memories)} memories, ${count(stats.versions)} versions, ${count(Math.round(stats.bytes / 1024))} KB.`,
    ),
  );
  add(view, charts);
  add(
    view,
    timeline.buckets.length
      ? figure(
          'Timeline',
          h('div', null, timelineChart(timeline), layerLegend()),
          `One bar per ${widthName(timeline.bucketMs)}; diamonds are dated events (temporal layer).${timeline.truncated ? ` Only the first ${count(timeline.scanned)} memories are drawn.` : ''}`,
        )
      : notice('No memories in this time range.'),
  );
  if (timeline.events.length) {
    add(
      view,
      table(
        'Dated events',
        ['When (UTC)', 'Event'],
        timeline.events
          .slice(0, 20)
          .map((e) =>
            h(
              'tr',
              null,
              h('td', null, when(e.at).slice(0, 10)),
              h('td', null, h('a', { href: memoryHref(e.id) }, clip(e.content, 140))),
            ),
          ),
      ),
    );
  }
  if (emotions.points.length === 0) {
    add(view, h('h2', null, 'Emotions'), notice('No emotional memories yet.'));
    return;
  }
  add(
    view,
    h(
      'div',
      { class: 'charts' },
      figure(
        'Valence over time',
        valenceChart(emotions.points),
        'Each dot an emotional memory, coloured by its cluster.',
      ),
      figure(
        'Valence and arousal',
        circumplexChart(emotions.points, emotions.clusters),
        'Ringed dots are the clusters’ centres.',
      ),
    ),
    table(
      'Emotion clusters',
      ['Cluster', 'Memories', 'Emotions', 'Valence', 'Arousal'],
      emotions.clusters.map((c) =>
        h(
          'tr',
          null,
          h('td', null, c.label),
          h('td', { class: 'num' }, count(c.size)),
          h(
            'td',
            null,
            Object.entries(c.emotions)
              .map(([e, v]) => `${e} ${fixed(v)}`)
              .join(', '),
          ),
          h('td', { class: 'num' }, fixed(c.valence)),
          h('td', { class: 'num' }, fixed(c.arousal)),
        ),
      ),
    ),
  );
}
