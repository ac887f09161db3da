// One memory: what it says, its layer and dynamics (importance, strength, access), where it
// came from (chat, message, time), what it links to (a graph of its neighbourhood), and every
// version. Edit writes a new version; roll back restores an older one as a new version; delete
// removes the memory and its history after a confirmation.
import { actingUser, api } from './api.js';
import { graphChart } from './charts.js';
import {
  add,
  announce,
  clip,
  confirmDialog,
  count,
  fixed,
  h,
  layerBadge,
  memoryHref,
  notice,
  shortId,
  table,
  timeEl,
} from './dom.js';

const path = (id, tail = '') => `/v1/memories/${encodeURIComponent(id)}${tail}`;

function facts(memory) {
  const rows = [
    ['Layer', layerBadge(memory.layer)],
    ['Created', timeEl(memory.createdAt)],
    ['Updated', timeEl(memory.updatedAt)],
    ['Importance', fixed(memory.importance)],
    ['Strength', fixed(memory.strength)],
    [
      'Recalled',
      [
        `${count(memory.accessCount)} times`,
        memory.lastAccessedAt ? [', last ', timeEl(memory.lastAccessedAt)] : null,
      ],
    ],
    ['Version', `v${memory.version}`],
    [
      'Superseded by',
      memory.supersededBy
        ? h('a', { href: memoryHref(memory.supersededBy) }, shortId(memory.supersededBy))
        : 'nothing (current)',
    ],
    ['Embedding model', memory.embeddingModel ?? 'none'],
    ['Id', h('code', null, memory.id)],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([name, value]) => [h('dt', null, name), h('dd', null, value)]),
  );
}

function sources(memory) {
  if (memory.sources.length === 0) return h('p', null, 'No source recorded (added directly).');
  return table(
    'Where it came from',
    ['Chat', 'Message', 'Role', 'When (UTC)'],
    memory.sources.map((src) =>
      h(
        'tr',
        null,
        h('td', null, src.chatId ?? '—'),
        h('td', null, src.messageId ?? '—'),
        h('td', null, src.role ?? '—'),
        h('td', null, timeEl(src.at)),
      ),
    ),
  );
}

function editor(memory, onSaved) {
  const content = h('textarea', { id: 'edit-content', rows: '4', textContent: memory.content });
  const importance = h('input', {
    id: 'edit-importance',
    type: 'number',
    min: '0',
    max: '1',
    step: '0.05',
    value: String(memory.importance),
  });
  const form = h(
    'form',
    { 'aria-label': 'Edit this memory' },
    h('div', { class: 'field' }, h('label', { for: 'edit-content' }, 'Content'), content),
    h('div', { class: 'field' }, h('label', { for: 'edit-importance' }, 'Importance (0 to 1)'), importance),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save as a new version')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const patch = {};
    if (content.value !== memory.content) patch.content = content.value;
    const value = Number(importance.value);
    if (importance.value !== '' && value !== memory.importance) patch.importance = value;
    if (Object.keys(patch).length === 0) return announce('Nothing changed.');
    try {
      const saved = await api('PATCH', path(memory.id), { query: actingUser(), json: patch });
      onSaved(`Saved as version ${saved.version}.`);
    } catch (error) {
      form.append(notice(error.message, 'error'));
    }
  });
  return form;
}

function history(memory, versions, onSaved) {
  return table(
    'Version history (oldest first)',
    ['Version', 'Change', 'When (UTC)', 'Content', 'Importance', ''],
    versions.map((v) =>
      h(
        'tr',
        null,
        h('td', { class: 'num' }, `v${v.version}`),
        h('td', null, v.op),
        h('td', null, timeEl(v.at)),
        h('td', null, clip(v.memory.content, 200)),
        h('td', { class: 'num' }, fixed(v.memory.importance)),
        h(
          'td',
          null,
          v.version === memory.version
            ? 'current'
            : h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: async (event) => {
                    try {
                      const restored = await api('POST', path(memory.id, '/rollback'), {
                        query: actingUser(),
                        json: { version: v.version },
                      });
                      onSaved(`Rolled back to version ${v.version}: now version ${restored.version}.`);
                    } catch (error) {
                      event.target.after(notice(error.message, 'error'));
                    }
                  },
                },
                `Roll back to v${v.version}`,
              ),
        ),
      ),
    ),
  );
}

async function remove(memory, button) {
  const yes = await confirmDialog(
    'Delete this memory?',
    `“${clip(memory.content, 120)}” and all ${memory.version} of its versions will be gone for good. Recall will never use it again.`,
    'Delete memory',
  );
  if (!yes) return;
  try {
    await api('DELETE', path(memory.id), { query: actingUser() });
    window.location.hash = '#/memories?deleted=1';
  } catch (error) {
    button.after(notice(error.message, 'error'));
  }
}

export async function renderMemory(view, { arg, route }) {
  const rerender = (message) => {
    route();
    if (message) announce(message);
  };
  const [memory, { versions }, graph] = await Promise.all([
    api('GET', path(arg), { query: actingUser() }),
    api('GET', path(arg, '/history'), { query: actingUser() }),
    api('GET', path(arg, '/graph'), { query: { ...actingUser(), depth: 2, limit: 30 } }),
  ]);
  add(
    view,
    h('p', null, h('a', { href: '#/memories' }, '← All memories')),
    h('h1', null, `Memory ${shortId(memory.id)} `, layerBadge(memory.layer)),
    h(
      'section',
      { class: 'card', 'aria-label': 'Content' },
      h('p', { class: 'content' }, memory.content),
      facts(memory),
    ),
    h('h2', null, 'Sources'),
    sources(memory),
    h('h2', null, `Associations (${graph.nodes.length - 1} linked within two hops)`),
    graph.nodes.length > 1
      ? h(
          'figure',
          { class: 'card' },
          graphChart(graph),
          h(
            'figcaption',
            null,
            'Linked memories, coloured by layer; the ringed node is this one. Select a node to open it.',
          ),
        )
      : h('p', null, 'No links to other memories.'),
    h('h2', null, 'Metadata'),
    h(
      'pre',
      { class: 'json', tabindex: '0', 'aria-label': 'Metadata as JSON' },
      JSON.stringify(memory.metadata, null, 2),
    ),
    h('h2', null, 'Edit'),
    h('section', { class: 'card' }, editor(memory, rerender)),
    h('h2', null, 'History'),
    history(memory, versions, rerender),
    h('h2', null, 'Delete'),
    h(
      'section',
      { class: 'card' },
      h('p', null, 'Deleting removes this memory and its whole history from the store.'),
      h(
        'button',
        { type: 'button', class: 'danger', onclick: (event) => remove(memory, event.target) },
        'Delete this memory…',
      ),
    ),
  );
}
