import { post, del, get, page, all, call, pollOperation } from './api.js';
import { h, clear, field, input, errorSlot, busy, table, labelsView, parseLabels, pagedList, when, stateClass, announce } from './ui.js';
import { schemaForm } from './schema-form.js';

const q = (s) => "'" + String(s).replace(/'/g, "''") + "'";
const enc = encodeURIComponent;

/** Shows an operation live in `el` until it finishes; returns the final operation. */
async function watch(el, location, what) {
  const state = h('span', { id: 'operation-state' }, 'in progress');
  const detail = h('span', {});
  clear(el, h('div', { class: 'panel', id: 'operation', role: 'status', 'aria-live': 'polite' }, what, ': ', state, ' ', detail));
  const op = await pollOperation(location, (o) => {
    state.textContent = o.state;
    state.className = stateClass(o.state);
    detail.textContent = o.errors ? o.errors.error + ': ' + o.errors.description : (o.description || '');
  });
  announce(what + ' ' + op.state);
  return op;
}

/** POST, then follow the 202's Location (or take the 201's answer at once). */
async function createAndWatch(collection, body, el, what) {
  const r = await call('POST', collection, body);
  const location = r.headers.get('Location');
  if (r.status === 202 && location) return watch(el, location, what);
  clear(el, h('div', { class: 'panel', id: 'operation', role: 'status' }, what, ': ', h('span', { id: 'operation-state', class: 'state-succeeded' }, 'succeeded')));
  return { state: 'succeeded' };
}

async function deleteAndWatch(path, el, what) {
  const r = await call('DELETE', path);
  const location = r.headers.get('Location');
  if (r.status === 202 && location) return watch(el, location, what);
  clear(el, h('div', { class: 'panel', role: 'status' }, what, ': ', h('span', { class: 'state-succeeded' }, 'succeeded')));
  return { state: 'succeeded' };
}

export function instances(root) {
  const slot = errorSlot();
  const progress = h('div', {});
  const detail = h('div', { id: 'instance-detail' });
  const planNames = new Map();

  async function namePlans(items) {
    const missing = [...new Set(items.map(i => i.service_plan_id))].filter(id => !planNames.has(id));
    if (missing.length) {
      const plans = await all('/v1/service_plans', { fieldQuery: 'id in (' + missing.map(q).join(',') + ')' });
      plans.forEach(p => planNames.set(p.id, p));
    }
  }

  const list = pagedList(async p => {
    const r = await page('/v1/service_instances', { ...p, attach_last_operations: true });
    await namePlans(r.items);
    return r;
  }, items => table([
    { title: 'Name', field: 'name', render: i => h('strong', {}, i.name) },
    { title: 'Plan', render: i => planNames.has(i.service_plan_id) ? planNames.get(i.service_plan_id).name : i.service_plan_id },
    { title: 'Platform', render: i => i.platform_id },
    { title: 'Last operation', field: 'state', render: i => i.last_operation ? h('span', { class: stateClass(i.last_operation.state) }, i.last_operation.type + ' ' + i.last_operation.state) : '' },
    { title: 'Usable', render: i => i.usable ? 'yes' : 'no' },
    { title: 'Actions', class: 'actions', render: i => actions(i) },
  ], items, { label: 'Service instances', rowData: i => ({ instance: i.name }), empty: 'No instance yet.' }));

  function actions(i) {
    const bindings = h('button', { type: 'button', 'aria-label': 'Bindings of ' + i.name, onclick: () => showBindings(i) }, 'Bindings');
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + i.name }, 'Delete');
    remove.onclick = () => {
      if (!confirm('Delete instance ' + i.name + ' and all its bindings (cascade)?')) return;
      busy(remove, slot, async () => {
        await deleteAndWatch('/v1/service_instances/' + enc(i.id) + '?cascade=true', progress, 'Deleting ' + i.name);
        clear(detail); list.reload();
      });
    };
    return [bindings, ' ', remove];
  }

  function showBindings(instance) {
    const bslot = errorSlot();
    const bprogress = h('div', {});
    const plan = planNames.get(instance.service_plan_id);
    const schema = plan && plan.schemas && plan.schemas.service_binding && plan.schemas.service_binding.create ? plan.schemas.service_binding.create.parameters : null;
    const blist = pagedList(p => page('/v1/service_bindings', { ...p, fieldQuery: 'service_instance_id eq ' + q(instance.id), attach_last_operations: true }), items => table([
      { title: 'Binding', field: 'name', render: b => h('strong', {}, b.name) },
      { title: 'Last operation', render: b => b.last_operation ? h('span', { class: stateClass(b.last_operation.state) }, b.last_operation.type + ' ' + b.last_operation.state) : '' },
      { title: 'Created', render: b => when(b.created_at) },
      { title: 'Credentials', field: 'credentials', render: b => credentials(b, bslot) },
      { title: '', class: 'actions', render: b => {
        const remove = h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete binding ' + b.name }, 'Unbind');
        remove.onclick = () => busy(remove, bslot, async () => { await deleteAndWatch('/v1/service_bindings/' + enc(b.id), bprogress, 'Unbinding ' + b.name); blist.reload(); });
        return remove;
      } },
    ], items, { label: 'Bindings', rowData: b => ({ binding: b.name }), empty: 'No binding.' }));
    const name = input('name', { id: 'binding-name', required: true });
    const params = schemaForm(schema, 'bind');
    const form = h('form', { id: 'bind-form', 'aria-label': 'Bind' }, h('h3', {}, 'New binding'), field('Name', name), params,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Bind')));
    form.onsubmit = (e) => {
      e.preventDefault();
      busy(form.querySelector('button'), bslot, async () => {
        const body = { name: name.value.trim(), service_instance_id: instance.id };
        const p = params.read();
        if (p) body.parameters = p;
        await createAndWatch('/v1/service_bindings', body, bprogress, 'Binding ' + body.name);
        form.reset();
        blist.reload();
      });
    };
    clear(detail, h('section', { class: 'panel', 'aria-labelledby': 'bindings-h' }, h('h2', { id: 'bindings-h' }, 'Bindings of ' + instance.name),
      bslot, bprogress, blist, form));
    name.focus();
  }

  // Credentials only on demand: fetched by GET of the one binding, dropped again on Hide.
  function credentials(b, bslot) {
    const box = h('div', {});
    const show = h('button', { type: 'button', 'aria-label': 'Show credentials of ' + b.name, 'aria-expanded': 'false' }, 'Show');
    show.onclick = () => busy(show, bslot, async () => {
      if (show.getAttribute('aria-expanded') === 'true') {
        clear(box); show.textContent = 'Show'; show.setAttribute('aria-expanded', 'false'); return;
      }
      const full = await get('/v1/service_bindings/' + enc(b.id));
      clear(box, h('pre', { class: 'credentials', tabindex: '0' }, JSON.stringify(full.credentials || {}, null, 2)));
      show.textContent = 'Hide'; show.setAttribute('aria-expanded', 'true');
    });
    return h('div', {}, show, box);
  }

  // The create form: a plan picker and the plan's parameter schema as a form.
  const formSlot = errorSlot();
  const name = input('name', { id: 'instance-name', required: true });
  const planSelect = h('select', { id: 'instance-plan', name: 'service_plan_id', required: true }, h('option', { value: '' }, 'Loading plans…'));
  const planFilter = input('plan_filter', { id: 'plan-filter', placeholder: "fieldQuery, e.g. name eq 'small'" });
  const paramsSlot = h('div', { id: 'instance-parameters' });
  let params = schemaForm(null, 'inst');
  let plans = [];
  async function loadPlans() {
    formSlot.clear();
    try {
      const offerings = new Map((await all('/v1/service_offerings')).map(o => [o.id, o]));
      plans = await all('/v1/service_plans', { fieldQuery: planFilter.value }, 1000);
      plans.forEach(p => planNames.set(p.id, p));
      clear(planSelect, h('option', { value: '' }, plans.length ? 'Choose a plan' : 'No plan'),
        plans.map(p => h('option', { value: p.id }, (offerings.get(p.service_offering_id) || {}).name + ' / ' + p.name)));
    } catch (err) { formSlot.show(err); }
  }
  planSelect.onchange = () => {
    const p = plans.find(x => x.id === planSelect.value);
    const s = p && p.schemas && p.schemas.service_instance && p.schemas.service_instance.create ? p.schemas.service_instance.create.parameters : null;
    params = schemaForm(s, 'inst');
    clear(paramsSlot, params);
  };
  planFilter.onchange = loadPlans;
  clear(paramsSlot, params);
  const labels = h('textarea', { name: 'labels', rows: 2 });
  const form = h('form', { class: 'panel', id: 'create-instance', 'aria-labelledby': 'ci-h' }, h('h2', { id: 'ci-h' }, 'Create an instance'),
    h('p', { class: 'hint' }, 'The plan must be visible to the service-manager platform (or public): see the Marketplace.'),
    h('div', { class: 'row' }, field('Name', name), field('Plan', planSelect), field('Filter plans', planFilter)),
    paramsSlot, field('Labels', labels, 'One per line: key=value1,value2'), formSlot,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Create')));
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector('button[type=submit]'), formSlot, async () => {
      const body = { name: name.value.trim(), service_plan_id: planSelect.value };
      const p = params.read();
      if (p) body.parameters = p;
      const l = parseLabels(labels.value);
      if (Object.keys(l).length) body.labels = l;
      const promise = createAndWatch('/v1/service_instances', body, progress, 'Creating ' + body.name);
      setTimeout(() => list.reload(), 300);
      await promise;
      form.reset();
      planSelect.onchange();
      list.reload();
    });
  };
  root.append(slot, progress, list, detail, form);
  loadPlans();
}
