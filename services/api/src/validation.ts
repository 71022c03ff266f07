/**
 * Turn schema-validation failures into one message that names the field, in the request's own terms
 * (`body.a[3][1]: expected number, received the string "NaN"`). TypeBox reports every failing branch of a union;
 * the deepest path is the most specific, so that one is reported.
 */
import type { FastifySchemaValidationError } from 'fastify';
import { API_ERRORS, ApiError } from './errors.ts';

function pathOf(part: string, instancePath: string): string {
  let out = part;
  for (const seg of instancePath.split('/').slice(1)) {
    const s = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
  }
  return out;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const seg of instancePath.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function received(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `an array of length ${(v as ArrayLike<unknown>).length}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function describeError(
  e: FastifySchemaValidationError,
  part: string,
  root: unknown,
): { field: string; message: string } {
  const params = (e.params ?? {}) as Record<string, unknown>;
  const field = pathOf(part, e.instancePath);
  const value = valueAt(root, e.instancePath);
  // TypeBox reports an unknown property as the boolean schema `additionalProperties: false` failing at its path.
  if (e.keyword === 'boolean' && /additionalProperties$/.test(e.schemaPath ?? '')) {
    const parent = e.instancePath.split('/').slice(0, -1).join('/');
    return {
      field,
      message: `${pathOf(part, parent)}: unknown property ${JSON.stringify(e.instancePath.split('/').pop())} (not allowed)`,
    };
  }
  switch (e.keyword) {
    case 'required': {
      const missing = (params.requiredProperties ?? params.missingProperty ?? []) as string[] | string;
      const name = Array.isArray(missing) ? missing[0] : missing;
      return { field: `${field}.${name}`, message: `${field}.${name}: required property is missing` };
    }
    case 'additionalProperties': {
      const extra = (params.additionalProperties ?? params.additionalProperty ?? []) as string[] | string;
      const name = Array.isArray(extra) ? extra.join(', ') : extra;
      return {
        field: `${field}.${Array.isArray(extra) ? extra[0] : extra}`,
        message: `${field}: unknown property ${name} (not allowed)`,
      };
    }
    case 'type':
      return { field, message: `${field}: expected ${String(params.type)}, received ${received(value)}` };
    default:
      return { field, message: `${field}: ${e.message ?? 'invalid'}; received ${received(value)}` };
  }
}

/** Rank: the deepest path first; among equals, concrete keywords before union/boolean-schema summaries. */
function score(e: FastifySchemaValidationError): number {
  const depth = e.instancePath.split('/').length;
  const generic = e.keyword === 'anyOf' || e.keyword === 'boolean' || e.keyword === 'union' ? 0 : 1;
  return depth * 2 + generic;
}

export function validationError(errors: FastifySchemaValidationError[], part: string, root: unknown): ApiError {
  const best = [...errors].sort((a, b) => score(b) - score(a))[0];
  const { field, message } = best ? describeError(best, part, root) : { field: part, message: `${part}: invalid` };
  return new ApiError(400, API_ERRORS.VALIDATION, message, { field });
}
