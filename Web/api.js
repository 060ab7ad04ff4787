// The public API (API.md), same origin only. The token lives in sessionStorage (gone when the tab
// closes) and in memory; a 401 on an authenticated call signs the user out with a message.

const TOKEN_KEY = 'desk.token';
let token = sessionStorage.getItem(TOKEN_KEY);
let onSignedOut = () => {};

/** An answer that is not 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.type = problem.type || '';
    this.title = problem.title || '';
    this.retryAfter = retryAfter;
  }

  /** Whether the outcome is unknown (the request may or may not have been carried out). */
  get outcomeUnknown() {
    return this.status === 0 || this.status === 502 || this.status === 504 || this.status === 409;
  }
}

export function signedIn() { return token !== null; }

/** The user name from the token's claims (display only; the server checks the token). */
export function userName() {
  if (!token) return '';
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)).name || '';
  } catch {
    return '';
  }
}

export function setSignedOutHandler(handler) { onSignedOut = handler; }

export function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  onSignedOut(message);
}

/** A fresh Idempotency-Key: 128 random bits as hex (works outside secure contexts too). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Sends one request; resolves with the parsed JSON body, rejects with ApiError. */
export async function request(method, path, { body, auth = true, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, { title: 'No connection', detail: 'The server could not be reached.' });
  }
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch { json = {}; }
  if (response.ok) return json;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  const error = new ApiError(response.status, json, Number.isFinite(retryAfter) ? retryAfter : null);
  if (response.status === 401 && auth && token) signOut('Your session has ended. Please sign in again.');
  throw error;
}

export async function signIn(username, password) {
  const answer = await request('POST', '/auth/login', { body: { username, password }, auth: false });
  token = answer.access_token;
  sessionStorage.setItem(TOKEN_KEY, token);
}

export const register = (username, password) =>
  request('POST', '/auth/register', { body: { username, password }, auth: false });
export const stocks = () => request('GET', '/stocks', { auth: false });
export const quote = (symbol) => request('GET', `/stocks/${encodeURIComponent(symbol)}`, { auth: false });
export const history = (symbol, days) =>
  request('GET', `/stocks/${encodeURIComponent(symbol)}/history?days=${days}`, { auth: false });
export const account = () => request('GET', '/trade/account');
export const portfolio = () => request('GET', '/trade/portfolio');
export const transactions = (limit, before) =>
  request('GET', `/trade/transactions?limit=${limit}${before ? `&before=${before}` : ''}`);
export const order = (side, symbol, quantity, idempotencyKey) =>
  request('POST', `/trade/${side}`, { body: { symbol, quantity }, idempotencyKey });

/** A short sentence for an error a view does not handle itself. */
export function describe(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong.';
  if (error.status === 0) return 'The server could not be reached. Retrying…';
  if (error.status === 502 || error.status === 504) return 'A service is unavailable right now. Retrying…';
  if (error.status === 503) return 'No price can be had right now. Try again shortly.';
  if (error.status === 429) return `Too many requests; wait ${error.retryAfter || 1} s.`;
  return error.message;
}
