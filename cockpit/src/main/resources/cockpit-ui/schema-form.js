// A form generated from a plan's JSON schema (schemas.service_instance.create.parameters and the like).
// Handles object/string/number/integer/boolean/enum and nested objects; anything else is a JSON field.
// `read()` returns the parameters object or throws an Error naming the field that is wrong.
import { h, field, uid } from './ui.js';

export function schemaForm(schema, prefix) {
  if (!schema || typeof schema !== 'object' || (schema.type && schema.type !== 'object') || !schema.properties) {
    const raw = h('textarea', { name: 'parameters', id: uid((prefix || 'p') + '-json'), rows: 4, spellcheck: 'false', placeholder: '{}' });
    const el = field('Parameters (JSON object)', raw, schema ? 'The plan\u2019s schema is not a flat object; give the parameters as JSON.' : 'The plan has no parameter schema.');
    el.read = () => {
      if (!raw.value.trim()) return undefined;
      let v;
      try { v = JSON.parse(raw.value); } catch (e) { throw new Error('Parameters: not valid JSON (' + e.message + ')'); }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('Parameters: must be a JSON object');
      return v;
    };
    return el;
  }
  const build = objectFields(schema, prefix || 'param', '');
  const el = h('fieldset', { class: 'schema-form' }, h('legend', {}, schema.title || 'Parameters'), build.nodes);
  el.read = () => { const v = build.read(); return Object.keys(v).length ? v : undefined; };
  return el;
}

function objectFields(schema, prefix, path) {
  const required = new Set(schema.required || []);
  const readers = [];
  const nodes = Object.entries(schema.properties || {}).map(([name, prop]) => {
    const p = prop || {};
    const label = (p.title || name) + (required.has(name) ? ' (required)' : '');
    const full = path ? path + '.' + name : name;
    const id = uid(prefix + '-' + name);
    let control, read;
    if (p.type === 'object' && p.properties) {
      const nested = objectFields(p, prefix, full);
      readers.push([name, () => { const v = nested.read(); return Object.keys(v).length ? v : undefined; }, false]);
      return h('fieldset', {}, h('legend', {}, label), nested.nodes);
    }
    if (Array.isArray(p.enum)) {
      control = h('select', { id, name: full }, required.has(name) ? null : h('option', { value: '' }, '—'),
        p.enum.map(v => h('option', { value: JSON.stringify(v), selected: JSON.stringify(p.default) === JSON.stringify(v) }, String(v))));
      read = () => control.value === '' ? undefined : JSON.parse(control.value);
    } else if (p.type === 'boolean') {
      control = h('input', { id, name: full, type: 'checkbox', checked: p.default === true });
      read = () => control.checked;
    } else if (p.type === 'integer' || p.type === 'number') {
      control = h('input', { id, name: full, type: 'number', step: p.type === 'integer' ? '1' : 'any', min: p.minimum, max: p.maximum, value: p.default });
      read = () => {
        if (control.value === '') return undefined;
        const n = Number(control.value);
        if (!Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) throw new Error(full + ': must be ' + (p.type === 'integer' ? 'an integer' : 'a number'));
        return n;
      };
    } else if (p.type === 'string' || !p.type) {
      control = h('input', { id, name: full, type: p.format === 'password' ? 'password' : 'text', value: p.default, maxlength: p.maxLength, pattern: p.pattern });
      read = () => control.value === '' ? undefined : control.value;
    } else {
      control = h('textarea', { id, name: full, rows: 2, spellcheck: 'false', placeholder: p.type === 'array' ? '[]' : 'JSON' });
      read = () => {
        if (!control.value.trim()) return undefined;
        try { return JSON.parse(control.value); } catch (e) { throw new Error(full + ': not valid JSON'); }
      };
    }
    if (required.has(name)) control.setAttribute('aria-required', 'true');
    readers.push([name, read, required.has(name)]);
    return field(label, control, p.description);
  });
  return {
    nodes,
    read() {
      const out = {};
      readers.forEach(([name, read, req]) => {
        const v = read();
        if (v === undefined) { if (req) throw new Error((path ? path + '.' : '') + name + ': required'); return; }
        out[name] = v;
      });
      return out;
    },
  };
}
