// Small DOM helpers: elements are built with textContent only (no innerHTML of API data).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v === undefined || v === null || v === false) return;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  });
  append(el, children);
  return el;
}

function append(el, children) {
  children.flat(Infinity).forEach(c => {
    if (c === undefined || c === null || c === false) return;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  });
}

export function clear(el, ...children) { el.replaceChildren(); append(el, children); return el; }

let ids = 0;
export const uid = (p) => (p || 'f') + '-' + (++ids);

/** A labelled input; returns the wrapper. The input gets `name` and an id linked to its label. */
export function field(label, input, hint) {
  const id = input.id || (input.id = uid(input.name || 'field'));
  const hintId = hint ? id + '-hint' : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', {}, h('label', { for: id }, label), input, hint ? h('div', { class: 'hint', id: hintId }, hint) : null);
}

export const input = (name, attrs) => h('input', { name, type: 'text', ...(attrs || {}) });

/** An API error, worded by the API: "<error>: <description>" with the status. */
export function errorBox(err) {
  if (!err) return null;
  const status = err.status ? ' (HTTP ' + err.status + ')' : '';
  return h('div', { class: 'error', role: 'alert', dataset: { error: err.error || '' } },
    h('span', { class: 'code' }, err.error || 'Error'), status, ': ',
    h('span', { class: 'description' }, err.description || err.message || ''));
}

/** A slot that shows the last error (or nothing). */
export function errorSlot() {
  const el = h('div', { class: 'error-slot' });
  el.show = (err) => clear(el, errorBox(err));
  el.clear = () => clear(el);
  return el;
}

export function announce(text) {
  const live = document.getElementById('live');
  if (live) { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 30); }
}

/** Runs an async action from a button: disables it meanwhile, shows errors in `slot`. */
export async function busy(button, slot, fn) {
  if (slot) slot.clear();
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    if (slot) slot.show(err); else console.error(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function labelsView(labels) {
  if (!labels) return '';
  return Object.entries(labels).map(([k, vs]) => h('span', { class: 'tag' }, k + '=' + [].concat(vs).join(',')));
}

/** "key=v1,v2" lines → labels map; throws on a line without "=". */
export function parseLabels(text) {
  const labels = {};
  (text || '').split('\n').map(l => l.trim()).filter(Boolean).forEach(line => {
    const i = line.indexOf('=');
    if (i < 1) throw Object.assign(new Error('Labels are lines of key=value1,value2; "' + line + '" has no key.'), { error: 'BadInput' });
    labels[line.slice(0, i).trim()] = line.slice(i + 1).split(',').map(v => v.trim()).filter(Boolean);
  });
  return labels;
}

export function table(columns, rows, opts) {
  const o = opts || {};
  return h('table', { 'aria-label': o.label },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c.title)))),
    h('tbody', {}, rows.length ? rows.map(row => h('tr', { dataset: o.rowData ? o.rowData(row) : {} },
      columns.map(c => h('td', { class: c.class, dataset: c.field ? { field: c.field } : {} }, c.render(row)))))
      : h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, o.empty || 'Nothing here yet.'))));
}

export function copyButton(text, label) {
  const b = h('button', { type: 'button', 'aria-label': label || 'Copy' }, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch (e) {
      // Without clipboard permission: select the text for a manual copy.
      const sel = window.getSelection();
      const node = b.previousElementSibling;
      if (node) { const r = document.createRange(); r.selectNodeContents(node); sel.removeAllRanges(); sel.addRange(r); }
      b.textContent = 'Press Ctrl+C';
    }
    announce('Copied');
  });
  return b;
}

export const when = (ts) => ts ? new Date(ts).toLocaleString() : '';
export const stateClass = (s) => 'state-' + String(s || '').replace(/\s+/g, '-');

/**
 * A paged list with the API's token/max_items. `load(params)` returns {items, numItems, token};
 * `render(items)` the table. Keeps a stack of tokens for "Previous".
 */
export function pagedList(load, render, opts) {
  const el = h('div', { class: 'paged' });
  const slot = errorSlot();
  const size = h('select', { 'aria-label': 'Items per page' }, [10, 25, 50, 100, 200].map(n => h('option', { value: n, selected: n === ((opts && opts.size) || 25) }, n)));
  const info = h('span', {});
  const prev = h('button', { type: 'button' }, 'Previous');
  const next = h('button', { type: 'button' }, 'Next');
  const body = h('div', {});
  let stack = [], current;
  async function show(token) {
    slot.clear();
    try {
      const p = await load({ max_items: size.value, token });
      current = token;
      clear(body, render(p.items));
      const start = stack.length * Number(size.value);
      info.textContent = p.numItems === 0 ? '0 items' : (start + 1) + '–' + (start + p.items.length) + ' of ' + p.numItems;
      prev.disabled = stack.length === 0;
      next.disabled = !p.token;
      next.onclick = () => { stack.push(current); show(p.token); };
    } catch (err) {
      clear(body);
      slot.show(err);
    }
  }
  prev.onclick = () => show(stack.pop());
  size.onchange = () => { stack = []; show(undefined); };
  el.reload = () => show(current);
  el.first = () => { stack = []; return show(undefined); };
  clear(el, slot, body, h('div', { class: 'pager' }, prev, next, info, h('label', { class: 'hint' }, 'per page ', size)));
  el.first();
  return el;
}
