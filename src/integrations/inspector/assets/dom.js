// DOM helpers for the inspector. Everything the page shows is built with createElement and
// textContent, never innerHTML, so memory text (which is user data and may contain markup)
// can never run as script; no helper sets inline styles, which the page's CSP forbids.

const SVG_NS = 'http://www.w3.org/2000/svg';

function assign(el, props, isSvg) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style' || key === 'innerHTML') throw new Error(`${key} is not allowed (CSP and XSS safety)`);
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (!isSvg && (key === 'value' || key === 'checked' || key === 'disabled' || key === 'textContent'))
      el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Appends children to an element, skipping null, undefined and false (Node.append would print them). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces an element's children, skipping null, undefined and false like add(). */
export function replace(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}

/** An HTML element: h('a', { href: '#/x', onclick: fn }, 'text', otherNode). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  assign(el, props, false);
  append(el, children);
  return el;
}

/** An SVG element, same signature as h(). */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  assign(el, props, true);
  append(el, children);
  return el;
}

/** "2024-03-01 10:00" (UTC) from an ISO time; '' for none. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().slice(0, 16).replace('T', ' ');
}

export function timeEl(iso) {
  return iso ? h('time', { datetime: iso }, when(iso)) : '—';
}

export const fixed = (n, digits = 2) =>
  typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—';
export const count = (n) => new Intl.NumberFormat('en').format(n ?? 0);
export const clip = (text, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/** The 8-character id the context block prints for a memory. */
export const shortId = (id) => id.replace(/-/g, '').slice(0, 8);

export function layerBadge(layer) {
  return h('span', { class: `layer layer-${layer}` }, layer);
}

export function memoryHref(id) {
  return `#/memory/${encodeURIComponent(id)}`;
}

/** A notice inside a view: role=alert for errors (read at once), role=status otherwise. */
export function notice(text, kind = 'info') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Says something to screen readers and sighted users in the page's live region. */
export function announce(text) {
  const region = document.getElementById('status');
  if (region) region.textContent = text;
}

/** A table whose wrapper scrolls (keyboard-focusable, as a scrollable region must be). */
export function table(caption, headers, rows) {
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      null,
      h('caption', null, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog(title, text, action) {
  return new Promise((resolve) => {
    const heading = h('h2', { id: 'confirm-title' }, title);
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      heading,
      h('p', null, text),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => close(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, action),
      ),
    );
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.addEventListener('cancel', () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}
