import { post, patch, del, page } from './api.js';
import { h, clear, field, input, errorSlot, busy, table, labelsView, parseLabels, pagedList, copyButton, when, announce } from './ui.js';

/** Credentials are shown once, here, with copy buttons; nothing keeps them after the panel closes. */
function credentialsPanel(platform, onClose) {
  const basic = platform.credentials.basic;
  const row = (label, value, id) => h('div', {}, h('label', { for: id }, label),
    h('code', { id, class: 'mono', tabindex: '0' }, value), ' ', copyButton(value, 'Copy ' + label.toLowerCase()));
  const close = h('button', { type: 'button', onclick: onClose }, 'I have stored them, close');
  const panel = h('section', { class: 'notice', id: 'platform-credentials', role: 'alert', 'aria-labelledby': 'pc-h' },
    h('h2', { id: 'pc-h' }, 'Credentials of ' + platform.name),
    h('p', {}, h('strong', {}, 'Shown only now.'), ' The Service Manager keeps only a hash of the password: copy both values into the platform\u2019s agent configuration before you close this. Lost credentials can only be regenerated, which breaks the agent until it gets the new ones.'),
    row('Username', basic.username, 'pc-user'), row('Password', basic.password, 'pc-password'),
    h('div', { class: 'buttons' }, close));
  setTimeout(() => close.focus(), 0);
  return panel;
}

export function platforms(root) {
  const slot = errorSlot();
  const shown = h('div', {});
  const hide = () => clear(shown);
  const list = pagedList(p => page('/v1/platforms', p), items => table([
    { title: 'Name', field: 'name', render: p => h('strong', {}, p.name) },
    { title: 'Type', render: p => p.type },
    { title: 'State', field: 'state', render: p => p.suspended ? h('span', { class: 'bad' }, 'suspended') : 'active' },
    { title: 'Agent', field: 'agent', render: p => p.active ? h('span', { class: 'ok' }, 'connected')
      : h('span', { class: 'muted' }, p.last_active ? 'last seen ' + when(p.last_active) : 'never connected') },
    { title: 'Labels', render: p => labelsView(p.labels) },
    { title: 'Created', render: p => when(p.created_at) },
    { title: 'Actions', class: 'actions', render: p => p.type === 'service-manager' ? h('span', { class: 'muted' }, 'built-in') : actions(p) },
  ], items, { label: 'Platforms', rowData: p => ({ platform: p.name }) }));

  function actions(p) {
    const regen = h('button', { type: 'button', 'aria-label': 'Regenerate credentials of ' + p.name }, 'Regenerate credentials');
    regen.onclick = () => {
      if (!confirm('Regenerate the credentials of ' + p.name + '? Its agent stops working until it gets the new ones.')) return;
      busy(regen, slot, async () => {
        const updated = await patch('/v1/platforms/' + encodeURIComponent(p.id) + '?regenerateCredentials=true', {});
        clear(shown, credentialsPanel(updated, hide));
      });
    };
    const suspend = h('button', { type: 'button' }, p.suspended ? 'Resume' : 'Suspend');
    suspend.onclick = () => busy(suspend, slot, async () => { await patch('/v1/platforms/' + encodeURIComponent(p.id), { suspended: !p.suspended }); list.reload(); });
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + p.name }, 'Delete');
    remove.onclick = () => {
      if (!confirm('Delete platform ' + p.name + '?')) return;
      busy(remove, slot, async () => { await del('/v1/platforms/' + encodeURIComponent(p.id)); announce('Platform deleted'); list.reload(); });
    };
    return [regen, ' ', suspend, ' ', remove];
  }

  const name = input('name', { required: true, id: 'platform-name' });
  const type = h('input', { name: 'type', id: 'platform-type', required: true, list: 'platform-types', value: 'kubernetes' });
  const types = h('datalist', { id: 'platform-types' }, ['kubernetes', 'cloudfoundry'].map(t => h('option', { value: t })));
  const description = input('description');
  const labels = h('textarea', { name: 'labels', rows: 2 });
  const formSlot = errorSlot();
  const form = h('form', { class: 'panel', id: 'register-platform', 'aria-labelledby': 'rp-h' }, h('h2', { id: 'rp-h' }, 'Register a platform'),
    types, h('div', { class: 'row' }, field('Name', name), field('Type', type, 'e.g. kubernetes, cloudfoundry')),
    h('div', { class: 'row' }, field('Description', description), field('Labels', labels, 'One per line: key=value1,value2')),
    formSlot, h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Register')));
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector('button[type=submit]'), formSlot, async () => {
      const body = { name: name.value.trim(), type: type.value.trim() };
      if (description.value.trim()) body.description = description.value.trim();
      const l = parseLabels(labels.value);
      if (Object.keys(l).length) body.labels = l;
      const r = await post('/v1/platforms', body);
      form.reset();
      clear(shown, credentialsPanel(r.body, hide));
      list.first();
    });
  };
  root.append(h('p', { class: 'muted' }, 'Agents (broker proxies) authenticate with a platform\u2019s basic credentials. The REST API does not expose whether an agent is connected or its last ping, so this page cannot show it.'),
    slot, shown, list, form);
}
