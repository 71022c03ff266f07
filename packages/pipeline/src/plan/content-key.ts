/** Content keys: sha256 over an item's kind, version, params and its dependencies' keys (canonical JSON). */
import { createHash } from 'node:crypto';
import type { Json } from './types.ts';

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as Json)}`).join(',')}}`;
}

export function contentKey(kind: string, version: string, params: Json, depKeys: readonly string[]): string {
  return createHash('sha256')
    .update(canonicalJson({ kind, version, params, deps: [...depKeys] }))
    .digest('hex');
}
