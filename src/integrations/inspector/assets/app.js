// The inspector's shell: sign-in, the user picker (admin and open servers), and a hash
// router (#/memories, #/memory/<id>, #/recall, #/pictures, #/account) that renders one view
// at a time. Each view renders into a fresh container; a view still loading when the user
// moves on writes into a detached node and is simply dropped.
import { ApiError, api, session } from './api.js';
import { h } from './dom.js';
import { renderAccount } from './view-account.js';
import { renderMemories } from './view-memories.js';
import { renderMemory } from './view-memory.js';
import { renderPictures } from './view-pictures.js';
import { renderRecall } from './view-recall.js';

const VIEWS = {
  memories: { render: renderMemories, title: 'Memories' },
  memory: { render: renderMemory, title: 'Memory', nav: 'memories' },
  recall: { render: renderRecall, title: 'What would the model get?' },
  pictures: { render: renderPictures, title: 'Pictures' },
  account: { render: renderAccount, title: 'Export and delete' },
};

const $ = (id) => document.getElementById(id);

/** Asks the server what the stored key (or none, on an open server) may do. */
async function identify() {
  try {
    session.who = await api('GET', '/v1/whoami');
    return null;
  } catch (error) {
    session.who = null;
    if (error instanceof ApiError && error.status === 401) return error;
    throw error;
  }
}

function showLogin(message) {
  $('nav').hidden = true;
  $('who').hidden = true;
  $('view').replaceChildren();
  $('login').hidden = false;
  const box = $('login-error');
  box.hidden = !message;
  box.textContent = message ?? '';
  document.title = 'Sign in · Strata memory inspector';
  $('login-key').focus();
}

async function onLogin(event) {
  event.preventDefault();
  const input = $('login-key');
  const key = input.value.trim();
  if (!key) return;
  session.key = key;
  const refused = await identify().catch((error) => error);
  if (refused) {
    session.clear();
    showLogin(`That key was refused: ${refused.message}`);
    return;
  }
  input.value = '';
  await showApp();
}

function logout() {
  session.clear();
  window.location.hash = '';
  showLogin();
}

/** The user picker: a bound key shows its user; admin and open servers pick one. */
async function renderWho() {
  const who = $('who');
  const { kind, keyName } = session.who;
  const out = h('button', { type: 'button', id: 'logout', onclick: logout }, 'Sign out');
  if (!session.canPickUser) {
    who.replaceChildren(h('span', null, `User: ${session.user} (key ${keyName})`), out);
    return;
  }
  let users = [];
  try {
    users = (await api('GET', '/v1/users')).users;
  } catch {
    // Listing is a convenience: a user id can still be typed.
  }
  if (!session.user && users.length > 0) session.user = users[0];
  const input = h('input', {
    id: 'user-picker',
    list: 'user-list',
    value: session.user,
    spellcheck: 'false',
    onchange: (event) => {
      session.user = event.target.value.trim();
      route();
    },
  });
  who.replaceChildren(
    h('label', { for: 'user-picker' }, `User (${kind === 'open' ? 'open server' : 'admin key'})`),
    input,
    h(
      'datalist',
      { id: 'user-list' },
      users.map((id) => h('option', { value: id })),
    ),
    out,
  );
}

async function showApp() {
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  await renderWho();
  route();
}

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [name, ...rest] = path.split('/');
  return {
    name: VIEWS[name] ? name : 'memories',
    arg: rest.length ? decodeURIComponent(rest.join('/')) : '',
    params: new URLSearchParams(query),
  };
}

function route() {
  if (!session.who) return;
  const { name, arg, params } = parseHash();
  const view = VIEWS[name];
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.view === (view.nav ?? name)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${view.title} · Strata memory inspector`;
  const container = h('div', { class: 'view', 'data-view': name });
  $('view').replaceChildren(container);
  if (!session.user) {
    container.append(h('p', { class: 'notice' }, 'Type a user id in the User box to see their memories.'));
    return;
  }
  view.render(container, { arg, params, route }).catch((error) => {
    container.append(h('p', { class: 'notice notice-error', role: 'alert' }, error.message));
    if (error instanceof ApiError && error.status === 401) showLogin(error.message);
  });
}

async function boot() {
  $('login-form').addEventListener('submit', onLogin);
  window.addEventListener('hashchange', () => {
    route();
    $('main').focus({ preventScroll: true });
  });
  const hadKey = session.key !== '';
  const refused = await identify().catch((error) => error);
  if (refused) {
    session.clear();
    // No key yet on a server with keys: just the sign-in form, no complaint.
    showLogin(hadKey || refused.status !== 401 ? refused.message : undefined);
    return;
  }
  await showApp();
}

boot();
