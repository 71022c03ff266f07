/**
 * The body validator of the compute routes: TypeBox, as everywhere, on the route's body schema, except that the
 * numeric array fields (marked `x-concord-numeric` in schemas.ts) are left open here: input.ts checks their
 * elements while converting them, with the same kind of 400 naming the element. A schema union per element cost
 * more than the comparison it guarded (~40 ns × 8,372 entries for two 92-condition RDMs).
 * The JSON parser (json-body.ts) may have turned a long numeric list outside those fields (e.g. `conditions`) into
 * a Float64Array; such lists become plain arrays again first, so every other field is validated exactly as written.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaValidationError } from 'fastify';
import { type TObject, type TSchema, Type } from 'typebox';
import { isNumericField } from './schemas.ts';

type Validate = (data: unknown) => { value?: unknown; error?: FastifySchemaValidationError[] };

/** Typed arrays anywhere inside `value` as plain arrays (in place where possible). */
function plainArrays(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as Float64Array);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v !== null && typeof v === 'object') value[i] = plainArrays(v);
    }
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) if (o[k] !== null && typeof o[k] === 'object') o[k] = plainArrays(o[k]);
  }
  return value;
}

export function compileBodyValidator(schema: TObject): Validate {
  const required = new Set(schema.required ?? []);
  const numeric = new Set<string>();
  const properties: Record<string, TSchema> = {};
  for (const [key, s] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (isNumericField(s)) {
      numeric.add(key);
      properties[key] = required.has(key) ? Type.Unknown() : Type.Optional(Type.Unknown());
    } else {
      properties[key] = s;
    }
  }
  // The compute bodies all refuse unknown properties.
  const open = Type.Object(properties, { additionalProperties: false });
  const check = TypeBoxValidatorCompiler({ schema: open, httpPart: 'body' } as never) as Validate;
  return (data) => {
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data)) {
      const body = data as Record<string, unknown>;
      for (const key of Object.keys(body)) if (!numeric.has(key)) body[key] = plainArrays(body[key]);
    }
    return check(data);
  };
}
