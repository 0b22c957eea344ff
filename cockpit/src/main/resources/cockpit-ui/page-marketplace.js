import { post, del, page, all, get } from './api.js';
import { h, clear, field, input, errorSlot, busy, table, labelsView, parseLabels, pagedList, announce } from './ui.js';

const q = (s) => "'" + String(s).replace(/'/g, "''") + "'";

export function marketplace(root) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const offeringField = input('offering_fieldQuery', { id: 'offering-fq', placeholder: "e.g. name eq 'postgres'", value: params.get('broker') ? 'broker_id eq ' + q(params.get('broker')) : '' });
  const offeringLabel = input('offering_labelQuery', { id: 'offering-lq', placeholder: "e.g. env in ('dev','test')" });
  const planField = input('plan_fieldQuery', { id: 'plan-fq', placeholder: 'e.g. free eq true' });
  const planLabel = input('plan_labelQuery', { id: 'plan-lq' });
  const filters = h('form', { class: 'panel', id: 'filters', 'aria-label': 'Filters' },
    h('p', { class: 'hint' }, 'Passed to the API as they are (the API\u2019s fieldQuery/labelQuery grammar); its errors are shown here.'),
    h('div', { class: 'row' }, field('Offerings: fieldQuery', offeringField), field('Offerings: labelQuery', offeringLabel)),
    h('div', { class: 'row' }, field('Plans: fieldQuery', planField), field('Plans: labelQuery', planLabel)),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply filters')));
  const offerings = h('div', { id: 'offerings' });
  const plans = h('div', { id: 'plans' });
  const visibility = h('div', { id: 'visibility' });
  let selectedOffering = null;
  let platformsCache = null;

  function showOfferings() {
    clear(offerings, pagedList(p => page('/v1/service_offerings', { ...p, fieldQuery: offeringField.value, labelQuery: offeringLabel.value }),
      items => table([
        { title: 'Offering', field: 'name', render: o => h('span', {}, h('strong', {}, (o.metadata && o.metadata.displayName) || o.name), ' ', h('code', {}, o.name)) },
        { title: 'Description', render: o => o.description },
        { title: 'Bindable', render: o => o.bindable ? 'yes' : 'no' },
        { title: 'Labels', render: o => labelsView(o.labels) },
        { title: '', class: 'actions', render: o => h('button', { type: 'button', 'aria-label': 'Plans of ' + o.name, onclick: () => { selectedOffering = o; showPlans(true); } }, 'Plans') },
      ], items, { label: 'Service offerings', rowData: o => ({ offering: o.name }), empty: 'No offering matches.' })));
  }

  function showPlans(focus) {
    const title = selectedOffering ? 'Plans of ' + selectedOffering.name : 'All plans';
    const fq = [selectedOffering ? 'service_offering_id eq ' + q(selectedOffering.id) : '', planField.value].filter(Boolean).join(' and '); // the grammar has no parentheses
    const heading = h('h2', { tabindex: '-1' }, title);
    if (focus) setTimeout(() => heading.focus(), 0);
    clear(plans, heading, selectedOffering ? h('button', { type: 'button', onclick: () => { selectedOffering = null; showPlans(); } }, 'Show all plans') : null,
      pagedList(p => page('/v1/service_plans', { ...p, fieldQuery: fq, labelQuery: planLabel.value }), items => table([
        { title: 'Plan', field: 'name', render: p => h('strong', {}, p.name) },
        { title: 'Description', render: p => p.description },
        { title: 'Free', render: p => p.free === false ? 'no' : 'yes' },
        { title: 'Parameters', render: p => p.schemas && p.schemas.service_instance ? 'schema' : '' },
        { title: 'Labels', render: p => labelsView(p.labels) },
        { title: '', class: 'actions', render: p => h('button', { type: 'button', 'aria-label': 'Visibilities of ' + p.name, onclick: () => showVisibilities(p) }, 'Visibilities') },
      ], items, { label: 'Service plans', rowData: p => ({ plan: p.name }), empty: 'No plan matches.' })));
  }

  async function showVisibilities(plan) {
    const slot = errorSlot();
    clear(visibility, h('p', { class: 'muted' }, 'Loading…'));
    try {
      platformsCache = platformsCache || await all('/v1/platforms');
      const visible = await all('/v1/visibilities', { fieldQuery: 'service_plan_id eq ' + q(plan.id) });
      const nameOf = (id) => { const p = platformsCache.find(x => x.id === id); return p ? p.name + ' (' + p.type + ')' : id; };
      const target = h('select', { name: 'platform_id', id: 'visibility-platform' },
        h('option', { value: '' }, 'Public (every platform)'),
        platformsCache.map(p => h('option', { value: p.id }, p.name + ' (' + p.type + ')')));
      const orgs = input('orgs', { id: 'visibility-orgs', placeholder: 'org guids, comma separated' });
      const form = h('form', { 'aria-label': 'Add a visibility' }, h('div', { class: 'row' }, field('Make visible to', target),
        field('Cloud Foundry orgs', orgs, 'Optional: the visibility\u2019s organization_guid label (Cloud Foundry platforms)')),
        h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary', id: 'add-visibility' }, 'Add visibility')));
      form.onsubmit = (e) => {
        e.preventDefault();
        busy(form.querySelector('button'), slot, async () => {
          const body = { service_plan_id: plan.id };
          if (target.value) body.platform_id = target.value;
          const list = orgs.value.split(',').map(s => s.trim()).filter(Boolean);
          if (list.length) body.labels = { organization_guid: list };
          await post('/v1/visibilities', body);
          announce('Visibility added');
          showVisibilities(plan);
        });
      };
      clear(visibility, h('section', { class: 'panel', 'aria-labelledby': 'vis-h' }, h('h2', { id: 'vis-h' }, 'Visibilities of plan ' + plan.name),
        slot, table([
          { title: 'Visible to', field: 'target', render: v => v.platform_id ? nameOf(v.platform_id) : 'Public' },
          { title: 'Labels', render: v => labelsView(v.labels) },
          { title: '', class: 'actions', render: v => {
            const b = h('button', { type: 'button', class: 'danger', 'aria-label': 'Remove visibility' }, 'Remove');
            b.onclick = () => busy(b, slot, async () => { await del('/v1/visibilities/' + encodeURIComponent(v.id)); showVisibilities(plan); });
            return b;
          } },
        ], visible, { label: 'Visibilities', empty: 'Visible nowhere.' }), form));
      target.focus();
    } catch (err) {
      clear(visibility, slot);
      slot.show(err);
    }
  }

  filters.onsubmit = (e) => { e.preventDefault(); showOfferings(); showPlans(); clear(visibility); };
  root.append(filters, h('h2', {}, 'Offerings'), offerings, plans, visibility);
  showOfferings();
  showPlans();
}
