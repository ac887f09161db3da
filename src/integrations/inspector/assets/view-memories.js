// Memories: one user's memories, filtered by layer and time range, or searched with the
// API's query syntax (AND, OR, NOT, "phrases", (groups), fuzzy~, prefix*), a page at a time.
// Filters live in the hash (#/memories?q=…&layer=…), so Back returns to the same page.
import { actingUser, api, session } from './api.js';
import { add, clip, count, fixed, h, layerBadge, memoryHref, notice, replace, table, timeEl } from './dom.js';

export const LAYERS = ['episodic', 'semantic', 'emotional', 'temporal', 'associative', 'symbolic'];
const PAGE = 25;
const FILTERS = ['q', 'layer', 'since', 'until', 'mode'];
/** List cursors per filter set: cursors[i] opens page i (the API pages forward only). */
const cursorsByFilter = new Map();

function field(label, control, hint) {
  const id = control.id;
  return h(
    'div',
    { class: `field${control.tagName === 'INPUT' && control.type === 'search' ? ' grow' : ''}` },
    h('label', { for: id }, label),
    control,
    hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
}

function filterForm(filters) {
  const q = h('input', {
    id: 'f-q',
    type: 'search',
    value: filters.q,
    'aria-describedby': 'f-q-hint',
    placeholder: 'lisbon AND NOT work, "next friday", hikin~',
  });
  const layer = h(
    'select',
    { id: 'f-layer' },
    h('option', { value: '' }, 'All layers'),
    LAYERS.map((name) => h('option', { value: name, selected: filters.layer === name }, name)),
  );
  const since = h('input', { id: 'f-since', value: filters.since, placeholder: '2024-03-01 or last month' });
  const until = h('input', { id: 'f-until', value: filters.until, placeholder: '2024-04-01 or yesterday' });
  const mode = h(
    'select',
    { id: 'f-mode' },
    ['hybrid', 'keyword', 'vector'].map((name) =>
      h('option', { value: name, selected: filters.mode === name }, name),
    ),
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter memories' },
    field('Text', q, 'AND, OR, NOT, "quotes", ( ), word~ fuzzy, word* prefix'),
    field('Layer', layer),
    field('Since', since),
    field('Until', until),
    field('Search mode', mode),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', onclick: () => go({}) }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      q: q.value.trim(),
      layer: layer.value,
      since: since.value.trim(),
      until: until.value.trim(),
      mode: mode.value,
    });
  });
  return form;
}

function go(filters, page = 0) {
  const params = new URLSearchParams();
  for (const name of FILTERS)
    if (filters[name] && !(name === 'mode' && filters[name] === 'hybrid')) params.set(name, filters[name]);
  if (page > 0) params.set('page', String(page));
  const query = params.toString();
  window.location.hash = `#/memories${query ? `?${query}` : ''}`;
}

function row(memory, score) {
  return h(
    'tr',
    null,
    h('td', null, timeEl(memory.createdAt)),
    h('td', null, layerBadge(memory.layer)),
    h(
      'td',
      null,
      h('a', { href: memoryHref(memory.id) }, clip(memory.content)),
      memory.supersededBy ? h('span', { class: 'badge' }, 'superseded') : null,
    ),
    h('td', { class: 'num' }, fixed(memory.importance)),
    h('td', { class: 'num' }, fixed(memory.strength)),
    h('td', { class: 'num' }, `v${memory.version}`),
    score === undefined ? null : h('td', { class: 'num' }, fixed(score, 3)),
  );
}

async function fetchPage(filters, page) {
  const common = { since: filters.since || undefined, until: filters.until || undefined };
  if (filters.q) {
    // Search ranks rather than pages: ask for one more than this page needs to know if more exist.
    const k = Math.min(1000, (page + 1) * PAGE + 1);
    const { results } = await api('POST', '/v1/search', {
      json: {
        ...actingUser(),
        ...common,
        query: filters.q,
        k,
        mode: filters.mode || 'hybrid',
        ...(filters.layer ? { layers: [filters.layer] } : {}),
      },
    });
    const items = results.slice(page * PAGE, (page + 1) * PAGE);
    return { items, hasNext: results.length > (page + 1) * PAGE, ranked: true };
  }
  const key = JSON.stringify([session.user, filters.layer, filters.since, filters.until]);
  const cursors = cursorsByFilter.get(key) ?? [null];
  cursorsByFilter.set(key, cursors);
  const at = Math.min(page, cursors.length - 1);
  const reply = await api('GET', '/v1/memories', {
    query: {
      ...actingUser(),
      ...common,
      layer: filters.layer || undefined,
      limit: PAGE,
      cursor: cursors[at] ?? undefined,
    },
  });
  cursors[at + 1] = reply.nextCursor;
  return {
    items: reply.items.map((memory) => ({ memory })),
    hasNext: !!reply.nextCursor,
    ranked: false,
    page: at,
  };
}

export async function renderMemories(view, { params }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? '']));
  let page = Math.max(0, Number.parseInt(params.get('page') ?? '0', 10) || 0);
  const status = params.get('deleted') ? notice('The memory was deleted, with its history.', 'ok') : null;
  add(
    view,
    h('h1', null, `Memories of ${session.user}`),
    status,
    h('section', { class: 'card' }, filterForm(filters)),
  );
  const results = h(
    'div',
    { 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', { class: 'summary' }, 'Loading…'),
  );
  add(view, results);
  // The total (a count over every memory of the user) is asked for once the rows are here:
  // asked at once, it would hold the server up in front of them.
  const found = await fetchPage(filters, page);
  page = found.page ?? page;
  const first = page * PAGE + 1;
  const last = page * PAGE + found.items.length;
  const ranged = filters.since || filters.until;
  const summary = found.ranked
    ? `Best matches ${first}–${last} for “${filters.q}”, best first.`
    : `${found.items.length ? `Memories ${first}–${last}` : 'No memories'}${ranged ? ' in this time range' : ''}, oldest first.`;
  const summaryEl = h(
    'p',
    { class: 'summary' },
    found.items.length || !filters.q ? summary : `Nothing matches “${filters.q}”.`,
  );
  if (!found.ranked && !ranged && found.items.length) {
    api('GET', '/v1/stats', { query: actingUser() }).then(
      (reply) => {
        const total = filters.layer ? (reply.byLayer[filters.layer]?.count ?? 0) : reply.memories;
        summaryEl.textContent = summary.replace(', oldest first.', ` of ${count(total)}, oldest first.`);
      },
      () => {},
    );
  }
  const headers = ['When (UTC)', 'Layer', 'Content', 'Importance', 'Strength', 'Version'];
  if (found.ranked) headers.push('Score');
  replace(
    results,
    summaryEl,
    found.items.length
      ? table(
          found.ranked ? 'Search results' : 'Memories',
          headers,
          found.items.map(({ memory, score }) => row(memory, found.ranked ? score : undefined)),
        )
      : null,
    h(
      'div',
      { class: 'pager' },
      h(
        'button',
        { type: 'button', class: 'secondary', disabled: page === 0, onclick: () => go(filters, page - 1) },
        'Previous page',
      ),
      h('span', null, `Page ${page + 1}`),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          disabled: !found.hasNext,
          onclick: () => go(filters, page + 1),
        },
        'Next page',
      ),
    ),
  );
  results.setAttribute('aria-busy', 'false');
}
