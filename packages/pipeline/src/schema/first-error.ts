/**
 * TypeBox errors as Concord messages: the entry (networks[0] (alexnet).layers), what was expected, what was
 * received. The first error of the deepest failing path is reported (one clear message, not a cascade).
 */
import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';

function received(v: unknown): string {
  if (v === undefined) return 'nothing';
  // YAML's .inf and .nan: JSON would print them as null
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** '/networks/0/layers' → 'networks[0] (name).layers', naming list entries by their `name` when they have one. */
export function entryOf(pointer: string, root: unknown): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  let node: unknown = root;
  for (const p of parts) {
    const next = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
    if (Array.isArray(node)) {
      const name = next !== null && typeof next === 'object' ? (next as { name?: unknown }).name : undefined;
      out += `[${p}]${typeof name === 'string' ? ` (${name})` : ''}`;
    } else out += out ? `.${p}` : p;
    node = next;
  }
  return out || 'study';
}

function messageOf(e: ValueError): string {
  const custom = (e.schema as { errorMessage?: unknown }).errorMessage;
  if (typeof custom === 'string') return custom.replace('{received}', received(e.value));
  if (e.value === undefined) return 'missing';
  const description = (e.schema as { description?: unknown }).description;
  const expected = typeof description === 'string' ? description : e.message.replace(/^Expected /, '').toLowerCase();
  return `expected ${expected}, received ${received(e.value)}`;
}

/**
 * The branch of a union an object means: the one whose required fields it has (a network with `train` is a trained
 * network, one with `model` a model); undefined when none or several fit equally.
 */
function branchFor(union: TSchema, value: unknown): TSchema | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const branches = ((union as { anyOf?: TSchema[] }).anyOf ?? []).filter((b) =>
    ((b as { required?: string[] }).required ?? []).every((k) => k in value),
  );
  const keys = (b: TSchema) => Object.keys((b as { properties?: object }).properties ?? {});
  const distinctive = branches.filter((b) => keys(b).some((k) => k !== 'name' && k in value));
  return distinctive.length === 1 ? distinctive[0] : undefined;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const p of pointer.split('/').slice(1))
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
  return node;
}

export function firstSchemaError(schema: TSchema, value: unknown): { entry: string; message: string } | undefined {
  const errors = [...Value.Errors(schema, value)];
  if (errors.length === 0) return undefined;
  // A union entry whose branch is clear from its fields: that branch's own first error, at its real path.
  for (const e of errors) {
    if (!(e.schema as { anyOf?: unknown }).anyOf) continue;
    const branch = branchFor(e.schema, e.value);
    if (!branch) continue;
    const inner = [...Value.Errors(branch, e.value)];
    if (inner.length === 0) continue;
    const deepest = inner.reduce((a, x) => (x.path.split('/').length > a.path.split('/').length ? x : a), inner[0]);
    const path = `${e.path}${deepest.path}`;
    return { entry: entryOf(path, value), message: messageOf({ ...deepest, path, value: valueAt(value, path) }) };
  }
  // The deepest path first: a wrong field inside an entry says more than "the entry does not match".
  const depth = (e: ValueError) => e.path.split('/').length;
  const best = errors.reduce((a, e) => (depth(e) > depth(a) ? e : a), errors[0]);
  // A union (stimuli, a network) failing on a field of one branch is reported at the union with its description.
  const union = errors.find(
    (e) => best.path.startsWith(`${e.path}/`) && (e.schema as { anyOf?: unknown }).anyOf && e.schema.description,
  );
  const chosen = union && !('errorMessage' in best.schema) ? union : best;
  return { entry: entryOf(chosen.path, value), message: messageOf(chosen) };
}
