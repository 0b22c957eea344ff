import { get, page, all, query } from './api.js';
import { h, clear, errorBox, table, when, stateClass } from './ui.js';

const COUNTS = [
  ['service_brokers', 'Brokers', '#/brokers'], ['service_offerings', 'Offerings', '#/marketplace'],
  ['service_plans', 'Plans', '#/marketplace'], ['visibilities', 'Visibilities', '#/marketplace'],
  ['platforms', 'Platforms', '#/platforms'], ['service_instances', 'Instances', '#/instances'],
  ['service_bindings', 'Bindings', '#/instances'],
];

function opsTable(ops, label) {
  return table([
    { title: 'When', render: o => when(o.updated_at) },
    { title: 'Type', render: o => o.type },
    { title: 'Resource', render: o => h('span', {}, o.resource_type.replace('/v1/service_', ''), ' ', h('code', {}, o.resource_id)) },
    { title: 'State', field: 'state', render: o => h('span', { class: stateClass(o.state) }, o.state) },
    { title: 'Details', render: o => o.errors ? o.errors.error + ': ' + o.errors.description : (o.description || '') },
  ], ops, { label, empty: 'None.' });
}

export function overview(root) {
  const health = h('section', { class: 'panel', 'aria-labelledby': 'ov-health' }, h('h2', { id: 'ov-health' }, 'Health'), h('p', { class: 'muted' }, 'Loading…'));
  const counts = h('div', { class: 'grid', id: 'counts' });
  const recent = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const failed = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.append(health, h('h2', {}, 'Registry'), counts, h('h2', {}, 'Recent operations (last 24 h)'), recent,
    h('h2', {}, 'Failed operations'), failed);

  Promise.all([
    fetch('/v1/monitor/health').then(async r => ({ status: r.status, body: await r.json().catch(() => ({})) })),
    fetch('/v1/info').then(r => r.json()).catch(() => null),
  ]).then(([hl, info]) => {
    const up = hl.body.status === 'UP';
    const details = Object.entries(hl.body.details || {}).map(([k, v]) => h('li', {}, k + ': ', h('span', { class: v.status === 'UP' ? 'ok' : 'bad' }, v.status)));
    clear(health, h('h2', { id: 'ov-health' }, 'Health'),
      h('p', {}, 'Server: ', h('span', { id: 'health-status', class: up ? 'ok' : 'bad' }, hl.body.status || ('HTTP ' + hl.status))),
      details.length ? h('ul', {}, details) : null,
      info ? h('p', { class: 'muted' }, 'Token issuer: ', h('code', {}, info.token_issuer_url)) : null,
      h('p', { class: 'muted' }, 'API contract: ', h('a', { href: '/openapi/service-manager.yaml' }, 'openapi/service-manager.yaml')));
  });

  COUNTS.forEach(([collection, label, href]) => {
    const n = h('div', { class: 'n' }, '…');
    counts.append(h('a', { class: 'card count', href, dataset: { count: collection } }, n, h('div', { class: 'l' }, label)));
    page('/v1/' + collection, { max_items: 0 }).then(p => { n.textContent = p.numItems; }, err => { n.replaceWith(errorBox(err)); });
  });

  // Agents that hold a notification connection now (platforms' read-only "active").
  const agents = h('div', { class: 'n' }, '…');
  counts.append(h('a', { class: 'card count', href: '#/platforms', dataset: { count: 'agents' } }, agents,
    h('div', { class: 'l' }, 'Agents connected')));
  page('/v1/platforms', { max_items: 0, fieldQuery: 'active eq true' })
    .then(p => { agents.textContent = p.numItems; }, err => { agents.replaceWith(errorBox(err)); });

  const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  all('/v1/operations', { fieldQuery: "created_at gt '" + since + "'" }, 400)
    .then(ops => clear(recent, opsTable(ops.slice(-15).reverse(), 'Recent operations')), err => clear(recent, errorBox(err)));
  page('/v1/operations', { fieldQuery: "state eq 'failed'", max_items: 200 })
    .then(p => clear(failed, opsTable(p.items.slice(-15).reverse(), 'Failed operations'),
      p.numItems > 15 ? h('p', { class: 'muted' }, p.numItems + ' failed operations in all.') : null), err => clear(failed, errorBox(err)));
}
