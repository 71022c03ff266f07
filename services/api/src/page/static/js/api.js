/**
 * Calls to the service. The API key (when the service requires one) is asked for on the first 401 and kept in this
 * tab's sessionStorage only; it goes out as "Authorization: Bearer <key>", the way the service expects it.
 */
import { askForKey } from './key-dialog.js';

const KEY = 'concord.apiKey';

export function getKey() {
  return sessionStorage.getItem(KEY);
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  document.dispatchEvent(new CustomEvent('concord:key'));
}

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message ? `${body.message} (HTTP ${status}${body.code ? `, ${body.code}` : ''})` : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * fetch with the key; `body` objects are sent as JSON; `raw` returns the Response (streams, downloads).
 * A 401 asks for a key once and retries.
 */
export async function api(path, { method = 'GET', body, headers = {}, raw = false, signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const sent = { ...headers };
    const key = getKey();
    if (key) sent.authorization = `Bearer ${key}`;
    let payload = body;
    if (body !== undefined && typeof body !== 'string') {
      sent['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(path, { method, headers: sent, body: payload, signal });
    if (res.status === 401 && attempt === 0) {
      const reply = await res.json().catch(() => ({}));
      const given = await askForKey(key ? `The key was refused: ${reply.message ?? 'unauthorized'}` : undefined);
      if (given) {
        setKey(given);
        continue;
      }
      throw new ApiFailure(401, reply);
    }
    if (!res.ok) {
      const reply = await res.json().catch(() => ({ message: res.statusText }));
      throw new ApiFailure(res.status, reply);
    }
    if (raw) return res;
    return res.status === 204 ? null : res.json();
  }
}

/** Download (or open) a protected file: fetched with the key, handed to the browser as a blob URL. */
export async function fileUrl(path) {
  const res = await api(path, { raw: true });
  return URL.createObjectURL(await res.blob());
}
