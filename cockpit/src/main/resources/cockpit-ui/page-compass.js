import { graphql } from './api.js';
import { h, clear, field, input, errorSlot, busy, table, copyButton, when, announce } from './ui.js';

const DIRECTOR = '/compass/graphql';
const TENANT_KEY = 'cockpit.tenant';

const APPS = `query($first: Int, $after: PageCursor) { applications(first: $first, after: $after) {
  totalCount pageInfo { endCursor hasNextPage }
  data { id name description providerName labels status { condition message }
    bundles { totalCount data { id name apiDefinitions { totalCount data { name targetURL } } eventDefinitions { totalCount data { name } } } }
    webhooks { id type url deliveries(first: 3) { status attempts lastStatusCode lastError createdAt } } } } }`;
const RUNTIMES = `query($first: Int, $after: PageCursor) { runtimes(first: $first, after: $after) {
  totalCount pageInfo { endCursor hasNextPage } data { id name description labels platformID status { condition timestamp } } } }`;

function scenariosOf(labels) { return (labels && Array.isArray(labels.scenarios)) ? labels.scenarios : []; }
const tags = (list) => list.map(s => h('span', { class: 'tag' }, s));

export function compass(root) {
  const slot = errorSlot();
  const tenant = input('tenant', { id: 'tenant', value: sessionStorage.getItem(TENANT_KEY) || 'default', required: true });
  const tenantForm = h('form', { class: 'panel', 'aria-label': 'Tenant' }, h('div', { class: 'row' },
    field('Tenant', tenant, 'Sent as the Tenant header on every Director call; an administrator may name any tenant.'),
    h('div', {}, h('button', { type: 'submit' }, 'Switch tenant'))));
  const director = (text, variables) => graphql(DIRECTOR, text, variables, { Tenant: tenant.value.trim() });
  const tokenBox = h('div', { id: 'one-time-token' });
  const scenarios = h('section', { class: 'panel', id: 'scenarios', 'aria-labelledby': 'sc-h' });
  const apps = h('div', { id: 'applications' });
  const runtimes = h('div', { id: 'runtimes' });
  let known = ['DEFAULT'];
  let definition = null;

  function cursorList(el, queryText, key, render) {
    const cursors = [];
    let after = null;
    async function show() {
      try {
        const page = (await director(queryText, { first: 20, after }))[key];
        const prev = h('button', { type: 'button', disabled: cursors.length === 0, onclick: () => { after = cursors.pop(); show(); } }, 'Previous');
        const next = h('button', { type: 'button', disabled: !page.pageInfo.hasNextPage, onclick: () => { cursors.push(after); after = page.pageInfo.endCursor; show(); } }, 'Next');
        clear(el, render(page.data), h('div', { class: 'pager' }, prev, next, h('span', {}, page.totalCount + ' in all')));
      } catch (err) { const s = errorSlot(); clear(el, s); s.show(err); }
    }
    el.reload = show;
    show();
  }

  function picker(kind, item) {
    const select = h('select', { multiple: true, size: Math.min(4, known.length), 'aria-label': 'Scenarios of ' + item.name, dataset: { scenarios: item.name } },
      known.map(s => h('option', { value: s, selected: scenariosOf(item.labels).includes(s) }, s)));
    const save = h('button', { type: 'button', 'aria-label': 'Save scenarios of ' + item.name }, 'Assign');
    save.onclick = () => busy(save, slot, async () => {
      const chosen = [...select.selectedOptions].map(o => o.value);
      const mutation = kind === 'app'
        ? 'mutation($id: ID!, $v: Any!) { setApplicationLabel(applicationID: $id, key: "scenarios", value: $v) { key } }'
        : 'mutation($id: ID!, $v: Any!) { setRuntimeLabel(runtimeID: $id, key: "scenarios", value: $v) { key } }';
      await director(mutation, { id: item.id, v: chosen });
      announce('Scenarios saved');
      (kind === 'app' ? apps : runtimes).reload();
    });
    return h('div', { class: 'row' }, h('div', {}, select), h('div', {}, save));
  }

  function tokenButton(kind, item) {
    const b = h('button', { type: 'button', 'aria-label': 'One-time token for ' + item.name }, 'One-time token');
    b.onclick = () => busy(b, slot, async () => {
      const field = kind === 'app' ? 'requestOneTimeTokenForApplication' : 'requestOneTimeTokenForRuntime';
      const t = (await director('mutation($id: ID!) { ' + field + '(id: $id) { token connectorURL expiresAt } }', { id: item.id }))[field];
      const left = h('span', { id: 'token-countdown' });
      const tick = () => {
        const s = Math.max(0, Math.round((new Date(t.expiresAt).getTime() - Date.now()) / 1000));
        left.textContent = s > 0 ? 'expires in ' + Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0') : 'expired';
        if (s > 0 && document.body.contains(left)) setTimeout(tick, 1000);
      };
      clear(tokenBox, h('section', { class: 'notice', role: 'status', 'aria-labelledby': 'ott-h' }, h('h2', { id: 'ott-h' }, 'One-time token for ' + item.name),
        h('p', {}, 'Works once, at the Connector (', h('code', {}, t.connectorURL), ', header ', h('code', {}, 'connector-token'), '). ', left),
        h('code', { class: 'mono', id: 'ott-value', tabindex: '0' }, t.token), ' ', copyButton(t.token, 'Copy token'),
        h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => clear(tokenBox) }, 'Close'))));
      tick();
    });
    return b;
  }

  function removeButton(kind, item) {
    const b = h('button', { type: 'button', class: 'danger', 'aria-label': 'Unregister ' + item.name }, 'Unregister');
    b.onclick = () => {
      if (!confirm('Unregister ' + item.name + '?')) return;
      busy(b, slot, async () => {
        await director(kind === 'app' ? 'mutation($id: ID!) { unregisterApplication(id: $id) { id } }' : 'mutation($id: ID!) { unregisterRuntime(id: $id) { id } }', { id: item.id });
        (kind === 'app' ? apps : runtimes).reload();
      });
    };
    return b;
  }

  function bundlesView(a) {
    if (!a.bundles || !a.bundles.totalCount) return h('span', { class: 'muted' }, 'none');
    return h('ul', {}, a.bundles.data.map(b => h('li', {}, h('strong', {}, b.name), ': ',
      b.apiDefinitions.totalCount + ' API', b.apiDefinitions.data.length ? ' (' + b.apiDefinitions.data.map(d => d.name).join(', ') + ')' : '', ', ',
      b.eventDefinitions.totalCount + ' event', b.eventDefinitions.data.length ? ' (' + b.eventDefinitions.data.map(d => d.name).join(', ') + ')' : '')));
  }

  function webhooksView(a) {
    if (!a.webhooks.length) return '';
    return h('ul', {}, a.webhooks.map(w => h('li', {}, h('code', {}, w.url), ' ',
      w.deliveries.length ? w.deliveries.map(d => h('span', { class: 'tag' }, d.status + (d.lastStatusCode ? ' ' + d.lastStatusCode : '') + (d.lastError ? ' ' + d.lastError : ''))) : h('span', { class: 'muted' }, 'no delivery'))));
  }

  function showApps() {
    cursorList(apps, APPS, 'applications', data => table([
      { title: 'Application', field: 'name', render: a => h('span', {}, h('strong', {}, a.name), a.providerName ? ' · ' + a.providerName : '', a.description ? h('div', { class: 'hint' }, a.description) : null) },
      { title: 'Status', render: a => a.status.condition + (a.status.message ? ' (' + a.status.message + ')' : '') },
      { title: 'Bundles', render: bundlesView },
      { title: 'Webhooks', render: webhooksView },
      { title: 'Scenarios', field: 'scenarios', render: a => tags(scenariosOf(a.labels)) },
      { title: 'Assign scenarios', render: a => picker('app', a) },
      { title: '', class: 'actions', render: a => [tokenButton('app', a), ' ', removeButton('app', a)] },
    ], data, { label: 'Applications', rowData: a => ({ application: a.name }), empty: 'No application in this tenant.' }));
  }

  function showRuntimes() {
    cursorList(runtimes, RUNTIMES, 'runtimes', data => table([
      { title: 'Runtime', field: 'name', render: r => h('span', {}, h('strong', {}, r.name), r.description ? h('div', { class: 'hint' }, r.description) : null) },
      { title: 'Status', render: r => r.status.condition + ' since ' + when(r.status.timestamp) },
      { title: 'Platform', render: r => h('code', {}, r.platformID) },
      { title: 'Scenarios', field: 'scenarios', render: r => tags(scenariosOf(r.labels)) },
      { title: 'Assign scenarios', render: r => picker('runtime', r) },
      { title: '', class: 'actions', render: r => [tokenButton('runtime', r), ' ', removeButton('runtime', r)] },
    ], data, { label: 'Runtimes', rowData: r => ({ runtime: r.name }), empty: 'No runtime in this tenant.' }));
  }

  async function showScenarios() {
    const sslot = errorSlot();
    try {
      definition = (await director('{ labelDefinition(key: "scenarios") { key schema } }')).labelDefinition;
      const schema = definition && definition.schema ? JSON.parse(definition.schema) : null;
      known = schema && schema.items && Array.isArray(schema.items.enum) ? schema.items.enum : ['DEFAULT'];
    } catch (err) { sslot.show(err); }
    const name = input('scenario', { id: 'scenario-name', required: true, placeholder: 'e.g. PROD' });
    const form = h('form', { 'aria-label': 'Add a scenario' }, h('div', { class: 'row' }, field('New scenario', name), h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Add scenario'))));
    form.onsubmit = (e) => {
      e.preventDefault();
      busy(form.querySelector('button'), sslot, async () => {
        const schema = definition && definition.schema ? JSON.parse(definition.schema) : { type: 'array', items: { type: 'string', enum: ['DEFAULT'] } };
        schema.items = schema.items || { type: 'string' };
        schema.items.enum = [...new Set([...(schema.items.enum || ['DEFAULT']), name.value.trim()])];
        await director('mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key } }', { in: { key: 'scenarios', schema: JSON.stringify(schema) } });
        announce('Scenario added');
        await showScenarios();
        showApps(); showRuntimes();
      });
    };
    clear(scenarios, h('h2', { id: 'sc-h' }, 'Scenarios'), h('p', {}, tags(known)), sslot, form);
  }

  function registerForm(kind) {
    const fslot = errorSlot();
    const name = input('name', { id: kind + '-name', required: true });
    const description = input('description', { id: kind + '-description' });
    const extra = kind === 'app' ? input('providerName', { id: 'app-provider' }) : input('runtimeType', { id: 'runtime-type', value: 'kubernetes' });
    const form = h('form', { class: 'panel', id: 'register-' + kind, 'aria-labelledby': kind + '-h' },
      h('h2', { id: kind + '-h' }, kind === 'app' ? 'Register an application' : 'Register a runtime'),
      h('div', { class: 'row' }, field('Name', name, kind === 'app' ? 'lower-case letters, digits, - and .' : null), field('Description', description),
        field(kind === 'app' ? 'Provider' : 'Runtime type', extra, kind === 'app' ? null : 'the type of its Service Manager platform')),
      fslot, h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Register')));
    form.onsubmit = (e) => {
      e.preventDefault();
      busy(form.querySelector('button'), fslot, async () => {
        const inp = { name: name.value.trim() };
        if (description.value.trim()) inp.description = description.value.trim();
        if (kind === 'app') {
          if (extra.value.trim()) inp.providerName = extra.value.trim();
          await director('mutation($in: ApplicationRegisterInput!) { registerApplication(in: $in) { id } }', { in: inp });
          showApps();
        } else {
          if (extra.value.trim()) inp.labels = { runtimeType: extra.value.trim() };
          await director('mutation($in: RuntimeRegisterInput!) { registerRuntime(in: $in) { id } }', { in: inp });
          showRuntimes();
        }
        form.reset();
        announce('Registered');
      });
    };
    return form;
  }

  tenantForm.onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(TENANT_KEY, tenant.value.trim());
    refresh();
  };
  async function refresh() { await showScenarios(); showApps(); showRuntimes(); }
  root.append(tenantForm, slot, tokenBox, scenarios, h('h2', {}, 'Applications'), apps, h('h2', {}, 'Runtimes'), runtimes,
    h('div', { class: 'split' }, registerForm('app'), registerForm('runtime')));
  refresh();
}
