// Session and HTTP: every call goes to the public APIs of this origin (no CORS) with the bearer token.
// The token lives in sessionStorage only (gone with the tab); the client secret is never stored.

const KEY = 'cockpit.session';
const listeners = new Set();

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (s && s.token && (!s.expiresAt || s.expiresAt > Date.now())) return s;
  } catch (e) { /* unreadable: signed out */ }
  return null;
}

export function onSessionChange(fn) { listeners.add(fn); }

function setSession(s, reason) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
  listeners.forEach(fn => fn(s, reason));
}

export function signOut(reason) { setSession(null, reason); }

/** An error as the API words it: {error, description}, with the HTTP status. */
export class ApiError extends Error {
  constructor(status, error, description, detail) {
    super(description || error);
    this.status = status;
    this.error = error;
    this.description = description;
    this.detail = detail;
  }
}

function jwtExpiry(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part));
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch (e) { return null; }
}

/** Built-in issuer: client credentials grant. The secret is used for this one request only. */
export async function signInWithClient(clientId, secret) {
  const basic = btoa(unescape(encodeURIComponent(clientId + ':' + secret)));
  const r = await fetch('/oauth/token', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Authorization': 'Basic ' + basic, 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
    body: 'grant_type=client_credentials',
  });
  const body = await readBody(r);
  if (!r.ok) throw toError(r.status, body);
  const expiresAt = body.expires_in ? Date.now() + body.expires_in * 1000 : jwtExpiry(body.access_token);
  setSession({ token: body.access_token, expiresAt, subject: clientId, source: 'issuer' });
}

/** A bearer token from an external issuer, pasted. Checked against the API before it is kept. */
export async function signInWithToken(token) {
  token = token.trim().replace(/^Bearer\s+/i, '');
  if (!token) throw new ApiError(0, 'BadRequest', 'Paste a bearer token.');
  const r = await fetch('/v1/service_brokers?max_items=0', { credentials: 'omit', headers: { 'Authorization': 'Bearer ' + token, 'Accept': 'application/json' } });
  if (!r.ok) throw toError(r.status, await readBody(r));
  setSession({ token, expiresAt: jwtExpiry(token), subject: 'bearer token', source: 'pasted' });
}

async function readBody(r) {
  const text = await r.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) { return text; }
}

function toError(status, body) {
  if (body && typeof body === 'object' && body.error) {
    return new ApiError(status, body.error, body.description || body.error_description || '', body);
  }
  if (body && typeof body === 'object' && Array.isArray(body.errors) && body.errors.length) {
    return graphqlError(status, body.errors);
  }
  return new ApiError(status, 'HTTP ' + status, typeof body === 'string' ? body.slice(0, 300) : '');
}

function graphqlError(status, errors) {
  const first = errors[0];
  const code = (first.extensions && (first.extensions.error || first.extensions.classification)) || 'GraphQLError';
  return new ApiError(status, String(code), errors.map(e => e.message).join('; '), errors);
}

let expiryTimer;
function watchExpiry(s) {
  clearTimeout(expiryTimer);
  if (s && s.expiresAt) {
    expiryTimer = setTimeout(() => signOut('Your session expired. Sign in again.'), Math.max(0, s.expiresAt - Date.now()));
  }
}
onSessionChange(watchExpiry);
watchExpiry(session());

/**
 * One API call. Resolves to {status, body, headers}; rejects with ApiError for any non-2xx answer.
 * A 401 ends the session (the token expired or was revoked).
 */
export async function call(method, path, body, extraHeaders) {
  const s = session();
  if (!s) { signOut('Your session expired. Sign in again.'); throw new ApiError(401, 'Unauthorized', 'Not signed in.'); }
  const headers = { 'Authorization': 'Bearer ' + s.token, 'Accept': 'application/json', ...(extraHeaders || {}) };
  // 'omit': no cookies are needed, and it keeps the browser from answering a 401's
  // WWW-Authenticate challenge with its own login dialog.
  const init = { method, headers, credentials: 'omit' };
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'NetworkError', 'The server cannot be reached: ' + e.message);
  }
  const parsed = await readBody(r);
  if (r.status === 401) {
    const err = toError(401, parsed);
    signOut('The server refused the token (' + err.error + ': ' + err.description + '). Sign in again.');
    throw err;
  }
  if (!r.ok) throw toError(r.status, parsed);
  return { status: r.status, body: parsed, headers: r.headers };
}

export const get = (path) => call('GET', path).then(r => r.body);
export const post = (path, body) => call('POST', path, body);
export const patch = (path, body) => call('PATCH', path, body).then(r => r.body);
export const del = (path) => call('DELETE', path).then(r => r.body);

/** A query string from an object, leaving out empty values; fieldQuery/labelQuery pass as typed. */
export function query(params) {
  const q = new URLSearchParams();
  Object.entries(params).forEach(([k, v]) => { if (v !== undefined && v !== null && v !== '') q.set(k, v); });
  const s = q.toString();
  return s ? '?' + s : '';
}

/** One page of a list: {items, num_items, token}. */
export async function page(collection, params) {
  const body = await get(collection + query(params || {}));
  return { items: body.items || [], numItems: body.num_items, token: body.token };
}

/** Every item of a list (follows tokens), for pickers; stops at `limit`. */
export async function all(collection, params, limit = 1000) {
  const items = [];
  let token;
  do {
    const p = await page(collection, { ...(params || {}), max_items: 200, token });
    items.push(...p.items);
    token = p.token;
  } while (token && items.length < limit);
  return items;
}

/** A GraphQL call (Director: Tenant header). GraphQL errors (HTTP 200) reject like API errors. */
export async function graphql(path, queryText, variables, headers) {
  const r = await call('POST', path, { query: queryText, variables: variables || {} }, headers);
  const body = r.body || {};
  if (Array.isArray(body.errors) && body.errors.length) throw graphqlError(r.status, body.errors);
  return body.data;
}

/** Polls an operation URI until it is no longer in progress; onUpdate sees every state. */
export async function pollOperation(location, onUpdate, intervalMs = 700) {
  for (;;) {
    const op = await get(location);
    onUpdate(op);
    if (op.state !== 'in progress') return op;
    await new Promise(res => setTimeout(res, intervalMs));
  }
}
