/**
 * The OpenAPI entries of the binary bodies of the compute routes. @fastify/swagger documents one schema per route
 * body; the application/x-npy and multipart/form-data forms of the same fields are written here, with the query
 * parameters the x-npy form takes and an example of each form.
 */
import type { TSchema } from 'typebox';
import { MULTIPART_TYPE, NPY_TYPE } from './binary-body.ts';
import type { ComputeDoc } from './routes/compute.ts';

type Json = Record<string, unknown>;

/** A field's schema as a text value (query parameter or form field): lists and objects are written as JSON. */
function textSchema(schema: TSchema): Json {
  const s = schema as Json & { type?: string; anyOf?: { type?: string }[] };
  const simple =
    s.type === 'string' ||
    s.type === 'number' ||
    s.type === 'integer' ||
    s.type === 'boolean' ||
    (s.anyOf?.every((b) => b.type === 'string') ?? false);
  if (simple) return s;
  return { type: 'string', description: `JSON text of: ${String(s.description ?? s.type ?? 'the JSON field')}` };
}

function pythonExample(doc: ComputeDoc, textFields: string[]): string {
  const arrays = doc.arrays.filter((a) => a in doc.example);
  const query = textFields
    .filter((f) => f in doc.example)
    .map(
      (f) =>
        `${f}=${typeof doc.example[f] === 'string' ? doc.example[f] : encodeURIComponent(JSON.stringify(doc.example[f]))}`,
    )
    .join('&');
  return [
    'import io, numpy as np, requests',
    'buf = io.BytesIO()',
    ...arrays.map((a) => `np.save(buf, ${a})`),
    `requests.post(URL + "${doc.url}?${query}", data=buf.getvalue(), headers={"Content-Type": "${NPY_TYPE}"})`,
  ].join('\n');
}

export function patchBinaryBodies(openapi: Json, docs: readonly ComputeDoc[]): Json {
  const paths = openapi.paths as Record<string, { post?: Json }> | undefined;
  for (const doc of docs) {
    const op = paths?.[doc.url]?.post;
    const body = op?.requestBody as { content?: Record<string, Json>; required?: boolean } | undefined;
    if (!op || !body?.content) continue;
    const jsonSchema = body.content['application/json']?.schema as { required?: string[] } | undefined;
    const required = new Set(jsonSchema?.required ?? []);
    const textFields = Object.keys(doc.fields).filter((f) => !doc.arrays.includes(f));
    body.content['application/json'] = { ...body.content['application/json'], example: doc.example };
    body.content[NPY_TYPE] = {
      schema: {
        type: 'string',
        format: 'binary',
        description: `One or more .npy files back to back (as repeated np.save(f, ...) writes them), filling ${doc.arrays.join(', ')} in that order (1-D or 2-D; float64, float32, integer or bool dtypes; NaN = missing in RDM vectors). The other fields are query parameters.`,
      },
      example: pythonExample(doc, textFields),
    };
    const properties: Json = {};
    const encoding: Json = {};
    for (const [name, schema] of Object.entries(doc.fields)) {
      if (doc.arrays.includes(name)) {
        properties[name] = { type: 'string', format: 'binary', description: `${name} as a .npy file` };
        encoding[name] = { contentType: `${NPY_TYPE}, application/octet-stream` };
      } else properties[name] = textSchema(schema);
    }
    body.content[MULTIPART_TYPE] = {
      schema: { type: 'object', properties, required: [...required] },
      encoding,
      example: `curl ${doc.url} ${doc.arrays
        .filter((a) => a in doc.example)
        .map((a) => `-F ${a}=@${a}.npy`)
        .join(' ')} ${textFields
        .filter((f) => f in doc.example)
        .map((f) => `-F '${f}=${typeof doc.example[f] === 'string' ? doc.example[f] : JSON.stringify(doc.example[f])}'`)
        .join(' ')}`,
    };
    const parameters = (op.parameters as Json[] | undefined) ?? [];
    for (const name of textFields) {
      parameters.push({
        in: 'query',
        name,
        required: false,
        description: `with ${NPY_TYPE} bodies only (required there when the JSON field is required)${required.has(name) ? '; required' : ''}`,
        schema: textSchema(doc.fields[name]),
      });
    }
    op.parameters = parameters;
  }
  return openapi;
}
