import { post, patch, del, page, all, query } from './api.js';
import { h, clear, field, input, errorSlot, busy, table, labelsView, parseLabels, pagedList, when, announce } from './ui.js';

// What the catalog holds for one broker: offering and plan names, to show what a refresh changed.
async function catalogOf(brokerId) {
  const offerings = await all('/v1/service_offerings', { fieldQuery: "broker_id eq '" + brokerId + "'" });
  const plans = offerings.length ? await all('/v1/service_plans', { fieldQuery: 'service_offering_id in (' + offerings.map(o => "'" + o.id + "'").join(',') + ')' }) : [];
  const byOffering = Object.fromEntries(offerings.map(o => [o.id, o.name]));
  return new Set([...offerings.map(o => 'offering ' + o.name), ...plans.map(p => 'plan ' + byOffering[p.service_offering_id] + '/' + p.name)]);
}

function diff(before, after) {
  const added = [...after].filter(x => !before.has(x));
  const removed = [...before].filter(x => !after.has(x));
  if (!added.length && !removed.length) return h('p', { role: 'status' }, 'Catalog refreshed: no offering or plan changed.');
  return h('div', { role: 'status' }, h('p', {}, 'Catalog refreshed:'), h('ul', {},
    added.map(a => h('li', { class: 'ok' }, '+ ' + a)), removed.map(r => h('li', { class: 'bad' }, '− ' + r))));
}

export function brokers(root) {
  const slot = errorSlot();
  const result = h('div', { id: 'broker-result' });
  const list = pagedList(p => page('/v1/service_brokers', p), items => table([
    { title: 'Name', field: 'name', render: b => b.name },
    { title: 'URL', render: b => h('code', {}, b.broker_url) },
    { title: 'Labels', render: b => labelsView(b.labels) },
    { title: 'Updated', render: b => when(b.updated_at) },
    { title: 'Actions', class: 'actions', render: b => actions(b) },
  ], items, { label: 'Brokers', rowData: b => ({ broker: b.name }), empty: 'No broker registered yet.' }));

  function actions(b) {
    const refresh = h('button', { type: 'button', 'aria-label': 'Refresh catalog of ' + b.name }, 'Refresh');
    refresh.onclick = () => busy(refresh, slot, async () => {
      clear(result, h('p', { class: 'muted' }, 'Fetching the catalog of ' + b.name + '…'));
      const before = await catalogOf(b.id);
      try { await patch('/v1/service_brokers/' + encodeURIComponent(b.id), {}); } catch (e) { clear(result); throw e; }
      clear(result, diff(before, await catalogOf(b.id)));
      list.reload();
    });
    const label = h('button', { type: 'button', 'aria-label': 'Edit labels of ' + b.name }, 'Labels');
    label.onclick = () => labelEditor(b);
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + b.name }, 'Delete');
    remove.onclick = () => {
      if (!confirm('Delete broker ' + b.name + '? Its offerings and plans go with it.')) return;
      busy(remove, slot, async () => { await del('/v1/service_brokers/' + encodeURIComponent(b.id)); announce('Broker deleted'); list.reload(); });
    };
    return [refresh, ' ', label, ' ', remove];
  }

  function labelEditor(b) {
    const key = input('key', { required: true }), values = input('values', { placeholder: 'v1,v2' });
    const op = h('select', { name: 'op' }, h('option', { value: 'add' }, 'add values'), h('option', { value: 'remove' }, 'remove values (none: the key)'));
    const form = h('form', { class: 'panel', 'aria-label': 'Labels of ' + b.name }, h('h2', {}, 'Labels of ' + b.name),
      h('div', {}, labelsView(b.labels)), h('div', { class: 'row' }, field('Key', key), field('Values', values, 'comma separated'), field('Change', op)),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'), h('button', { type: 'button', onclick: () => clear(result) }, 'Close')));
    form.onsubmit = (e) => {
      e.preventDefault();
      busy(form.querySelector('button'), slot, async () => {
        const vs = values.value.split(',').map(v => v.trim()).filter(Boolean);
        const change = { op: op.value, key: key.value.trim() };
        if (vs.length) change.values = vs;
        const updated = await patch('/v1/service_brokers/' + encodeURIComponent(b.id), { labels: [change] });
        clear(result); labelEditor(updated); list.reload();
      });
    };
    clear(result, form);
    key.focus();
  }

  const name = input('name', { required: true, id: 'broker-name' });
  const url = input('broker_url', { type: 'url', required: true, id: 'broker-url', placeholder: 'https://broker.example' });
  const user = input('username', { required: true, id: 'broker-user', autocomplete: 'off' });
  const pass = input('password', { type: 'password', required: true, id: 'broker-password', autocomplete: 'new-password' });
  const description = input('description');
  const labels = h('textarea', { name: 'labels', rows: 2 });
  const form = h('form', { class: 'panel', id: 'register-broker', 'aria-labelledby': 'rb-h' }, h('h2', { id: 'rb-h' }, 'Register a broker'),
    h('div', { class: 'row' }, field('Name', name), field('Broker URL', url, 'The catalog is fetched from {url}/v2/catalog.')),
    h('div', { class: 'row' }, field('Username', user), field('Password', pass)),
    h('div', { class: 'row' }, field('Description', description), field('Labels', labels, 'One per line: key=value1,value2')),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Register')));
  const formSlot = errorSlot();
  form.append(formSlot);
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector('button[type=submit]'), formSlot, async () => {
      const body = { name: name.value.trim(), broker_url: url.value.trim(), credentials: { basic: { username: user.value, password: pass.value } } };
      if (description.value.trim()) body.description = description.value.trim();
      const l = parseLabels(labels.value);
      if (Object.keys(l).length) body.labels = l;
      const r = await post('/v1/service_brokers', body);
      pass.value = '';
      clear(result, h('p', { role: 'status', class: 'ok' }, 'Registered ' + r.body.name + '. ', h('a', { href: '#/marketplace?broker=' + encodeURIComponent(r.body.id) }, 'See its offerings')));
      form.reset();
      list.first();
    });
  };
  root.append(slot, result, h('h2', {}, 'Registered brokers'), list, form);
}
