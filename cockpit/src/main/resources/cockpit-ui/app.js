import { session, signOut, onSessionChange, signInWithClient, signInWithToken } from './api.js';
import { h, clear, field, input, errorSlot, busy } from './ui.js';
import { overview } from './page-overview.js';
import { brokers } from './page-brokers.js';
import { marketplace } from './page-marketplace.js';
import { platforms } from './page-platforms.js';
import { instances } from './page-instances.js';
import { compass } from './page-compass.js';

const PAGES = {
  overview: { title: 'Overview', render: overview },
  brokers: { title: 'Brokers', render: brokers },
  marketplace: { title: 'Marketplace', render: marketplace },
  platforms: { title: 'Platforms', render: platforms },
  instances: { title: 'Instances and bindings', render: instances },
  compass: { title: 'Compass', render: compass },
  'control-plane': { title: 'Control plane', render: controlPlane },
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const sessionBox = document.getElementById('session');
let signOutReason = '';

function controlPlane(root) {
  root.append(h('p', {}, 'The control plane has its own view of runtime state, served by the control-plane plugin: ',
    h('a', { href: '/control-plane/' }, 'open the control plane'), '. It asks for the same bearer token.'));
}

function signIn() {
  nav.hidden = true;
  clear(sessionBox);
  const slot = errorSlot();
  const clientId = input('client_id', { value: 'admin', autocomplete: 'username', required: true });
  const secret = input('client_secret', { type: 'password', autocomplete: 'current-password', required: true });
  const formA = h('form', { class: 'panel', id: 'signin-client', 'aria-labelledby': 'signin-client-h' },
    h('h2', { id: 'signin-client-h' }, 'Built-in issuer'),
    field('Client id', clientId), field('Client secret', secret, 'Used once for the token request, never stored.'),
    h('div', { class: 'buttons' }, h('button', { class: 'primary', type: 'submit' }, 'Sign in')));
  formA.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(formA.querySelector('button'), slot, async () => {
      try { await signInWithClient(clientId.value, secret.value); } finally { secret.value = ''; }
    });
  });
  const token = h('textarea', { name: 'token', id: 'bearer-token', rows: 3, spellcheck: 'false' });
  const formB = h('form', { class: 'panel', id: 'signin-token', 'aria-labelledby': 'signin-token-h' },
    h('h2', { id: 'signin-token-h' }, 'Bearer token'),
    field('Token from an external issuer', token, 'Kept in this tab\u2019s session storage until it expires.'),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Use token')));
  formB.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(formB.querySelector('button'), slot, async () => { await signInWithToken(token.value); token.value = ''; });
  });
  clear(main, h('div', { class: 'signin' }, h('h1', {}, 'Sign in to the Service Manager'),
    signOutReason ? h('div', { class: 'notice', role: 'status' }, signOutReason) : null, slot, formA, formB));
  document.title = 'Sign in · Cockpit';
  clientId.focus();
}

function route() {
  const s = session();
  if (!s) { signIn(); return; }
  signOutReason = '';
  nav.hidden = false;
  const name = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || 'overview';
  const page = PAGES[name] || PAGES.overview;
  nav.querySelectorAll('a').forEach(a => {
    if (a.getAttribute('href') === '#/' + (PAGES[name] ? name : 'overview')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const expires = s.expiresAt ? 'until ' + new Date(s.expiresAt).toLocaleTimeString() : '';
  clear(sessionBox, h('span', {}, 'Signed in as ', s.subject, ' ', expires),
    h('button', { type: 'button', id: 'signout', onclick: () => signOut('Signed out.') }, 'Sign out'));
  const root = h('div', { id: 'page-' + (PAGES[name] ? name : 'overview') }, h('h1', {}, page.title));
  clear(main, root);
  document.title = page.title + ' · Cockpit';
  page.render(root);
}

onSessionChange((s, reason) => { if (!s) signOutReason = reason || ''; route(); });
window.addEventListener('hashchange', () => { route(); main.focus(); });
route();
