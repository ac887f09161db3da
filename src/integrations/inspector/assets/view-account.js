// Export and delete: download this user's memories as NDJSON (with history), and delete the
// user with every memory and version, once their id is typed back as confirmation.
import { actingUser, api, session } from './api.js';
import { add, count, h, notice, replace } from './dom.js';

async function download(out) {
  const user = session.user;
  const response = await api('GET', '/v1/export', { query: actingUser(), raw: true });
  const blob = await response.blob();
  const text = await blob.text();
  const lines = text.split('\n').filter((line) => line.trim()).length;
  const url = URL.createObjectURL(blob);
  const link = h('a', {
    href: url,
    download: `strata-${user}-${new Date().toISOString().slice(0, 10)}.ndjson`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  replace(out, notice(`Exported ${count(lines)} lines (${count(Math.ceil(blob.size / 1024))} KB).`, 'ok'));
}

export async function renderAccount(view) {
  const user = session.user;
  const exported = h('div', { 'aria-live': 'polite' });
  const typed = h('input', {
    id: 'delete-confirm',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'delete-hint',
  });
  const erase = h(
    'button',
    { type: 'submit', class: 'danger', disabled: true },
    `Delete ${user} and all their memories`,
  );
  const deleted = h('div', { 'aria-live': 'polite' });
  typed.addEventListener('input', () => {
    erase.disabled = typed.value !== user;
  });
  const form = h(
    'form',
    { 'aria-label': 'Delete this user' },
    h('div', { class: 'field' }, h('label', { for: 'delete-confirm' }, `Type ${user} to confirm`), typed),
    h(
      'p',
      { class: 'hint', id: 'delete-hint' },
      'This cannot be undone. Export first if you may want the memories back (strata import).',
    ),
    h('div', { class: 'actions' }, erase),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (typed.value !== user) return;
    try {
      const reply = await api('DELETE', `/v1/users/${encodeURIComponent(user)}`);
      replace(deleted, notice(`Deleted ${user}: ${count(reply.deleted)} memories with their history.`, 'ok'));
      typed.value = '';
      erase.disabled = true;
    } catch (error) {
      replace(deleted, notice(error.message, 'error'));
    }
  });
  const stats = await api('GET', '/v1/stats', { query: actingUser() });
  add(
    view,
    h('h1', null, `Export and delete ${user}`),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'export-title' },
      h('h2', { id: 'export-title' }, 'Export'),
      h(
        'p',
        null,
        `${count(stats.memories)} memories and their ${count(stats.versions)} versions, one JSON object a line (NDJSON), as strata import reads them.`,
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'export',
          onclick: () =>
            download(exported).catch((error) => replace(exported, notice(error.message, 'error'))),
        },
        'Download export',
      ),
      exported,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'delete-title' },
      h('h2', { id: 'delete-title' }, 'Delete this user'),
      form,
      deleted,
    ),
  );
}
