/**
 * POST /v1/rdm, /v1/compare, /v1/noise-ceiling, /v1/cka, /v1/similarity: validate (schema), convert the numeric
 * fields (ragged arrays, limits, uploads), run the task in the pool, optionally store the score, reply.
 * Bodies: JSON, application/x-npy or multipart/form-data with .npy parts (binary-body.ts); 415 for anything else.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TObject, TSchema } from 'typebox';
import { MULTIPART_TYPE, NPY_TYPE, RawBinaryBody, toBody } from '../binary-body.ts';
import { compileBodyValidator } from '../body-validator.ts';
import type { Task, TaskResult } from '../compute.ts';
import { API_ERRORS, ApiError, type ErrorBody } from '../errors.ts';
import { type MatrixRef, matrixField, type NumericField } from '../input.ts';
import { vocabularyMetric } from '../metric-names.ts';
import {
  CkaBody,
  CkaReply,
  CompareBody,
  CompareReply,
  ErrorReply,
  NoiseCeilingBody,
  NoiseCeilingReply,
  RdmBody,
  RdmReply,
  type SaveRequest,
  SimilarityBody,
  SimilarityReply,
} from '../schemas.ts';
import type { ScoreLabels } from '../store/scores.ts';

interface ComputeSpec<B> {
  url: string;
  operationId: string;
  summary: string;
  /** The array fields in the order an application/x-npy body fills them. */
  arrays: readonly string[];
  /** A small JSON body for the OpenAPI document (binary bodies carry the same fields). */
  example: Record<string, unknown>;
  body: TObject;
  reply: TSchema;
  /** Request → task; numeric fields converted here (throws 4xx on bad shapes). */
  task(
    body: B,
    field: (value: NumericField, name: string, opts?: { allowNull?: boolean; vectorAsRow?: boolean }) => MatrixRef,
  ): Task;
  /** The route's own name for what it computed (a stored score's routeMetric; its metric is the vocabulary's). */
  routeMetric(body: B): string;
  /** The number stored as a score's `value`: the result itself or its scalar summary (README: stored scores). */
  value(result: TaskResult): number | null;
  /** Request fields recorded as provenance parameters (numeric inputs are recorded by hash instead). */
  parameters(body: B): Record<string, unknown>;
}

const MATRIX_KEYS = new Set(['data', 'noise', 'a', 'b', 'sigmaK', 'rdms', 'x', 'y']);

function hashRef(ref: MatrixRef): string {
  if (ref.kind === 'file') return ref.id;
  const h = createHash('sha256');
  h.update(`${ref.rows}x${ref.cols}:float64:`);
  h.update(new Uint8Array(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength));
  return h.digest('hex');
}

function inputHashes(task: Task): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(task)) {
    if (MATRIX_KEYS.has(k) && v && typeof v === 'object' && 'kind' in v) out[k] = hashRef(v as MatrixRef);
  }
  return out;
}

function plainParameters(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!MATRIX_KEYS.has(k) && k !== 'save') out[k] = v;
  return out;
}

/** JSON has no NaN: non-finite numbers are written as null. */
function jsonNumbers(a: ArrayLike<number>): (number | null)[] {
  const out: (number | null)[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number.isFinite(a[i]) ? a[i] : null;
  return out;
}

/** A library error as an HTTP error; a library parameter that is a body field is named as `body.<field>`. */
function libraryError(error: ErrorBody, body: Record<string, unknown>): ApiError {
  let { message, field } = error;
  if (field && !field.startsWith('body') && Object.hasOwn(body, field.split(/[.[]/)[0])) {
    if (message.startsWith(`${field}:`)) message = `body.${message}`;
    field = `body.${field}`;
  }
  return new ApiError(error.statusCode, error.code, message, field ? { field } : undefined);
}

/** The labels of `save` under the study's names; model/network and roi/region are one label each. */
function saveLabels(save: SaveRequest): ScoreLabels {
  const one = (first: string | undefined, second: string | undefined, names: [string, string]) => {
    if (first !== undefined && second !== undefined && first !== second)
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `body.save.${names[1]}: ${JSON.stringify(second.slice(0, 100))} differs from body.save.${names[0]} ${JSON.stringify(first.slice(0, 100))}; they name one label, give one of them`,
        { field: `body.save.${names[1]}` },
      );
    return first ?? second;
  };
  const network = one(save.model, save.network, ['model', 'network']);
  const region = one(save.roi, save.region, ['roi', 'region']);
  return {
    ...(network !== undefined ? { network } : {}),
    ...(save.layer !== undefined ? { layer: save.layer } : {}),
    ...(save.dataset !== undefined ? { dataset: save.dataset } : {}),
    ...(save.subject !== undefined ? { subject: save.subject } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(save.time !== undefined ? { time: save.time } : {}),
    ...(save.tags !== undefined ? { tags: save.tags } : {}),
  };
}

const single = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

/** Mean of all entries; null when any is missing or non-finite (a summary over fewer entries would mislead). */
function meanOfAll(values: ArrayLike<number | null>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    sum += v;
  }
  return single(sum / values.length);
}

const SPECS: ComputeSpec<never>[] = [
  {
    url: '/v1/rdm',
    operationId: 'computeRdm',
    arrays: ['data', 'noise'],
    example: {
      data: [
        [0.1, 0.5, 0.9],
        [0.2, 0.4, 1.1],
        [0.9, 0.1, 0.3],
      ],
      conditions: ['face', 'house', 'tool'],
      method: 'euclidean',
    },
    summary: 'representational dissimilarity matrix of data (rsatoolbox calc_rdm); identical to `concord rdm`',
    body: RdmBody,
    reply: RdmReply,
    task: (b: RdmBody, field) => {
      const data = field(b.data, 'body.data');
      if (b.conditions.length !== data.rows) {
        throw new ApiError(
          422,
          'ERR_API_SHAPE',
          `body.conditions: has ${b.conditions.length} entries, body.data has ${data.rows} rows (one condition per row)`,
          { field: 'body.conditions' },
        );
      }
      if (b.runs && b.runs.length !== data.rows) {
        throw new ApiError(
          422,
          'ERR_API_SHAPE',
          `body.runs: has ${b.runs.length} entries, body.data has ${data.rows} rows (one run per row)`,
          { field: 'body.runs' },
        );
      }
      return {
        op: 'rdm',
        data,
        conditions: b.conditions,
        method: b.method,
        ...(b.runs ? { runs: b.runs } : {}),
        ...(b.noise ? { noise: field(b.noise, 'body.noise') } : {}),
        ...(b.removeMean !== undefined ? { removeMean: b.removeMean } : {}),
        ...(b.priorLambda !== undefined ? { priorLambda: b.priorLambda } : {}),
        ...(b.priorWeight !== undefined ? { priorWeight: b.priorWeight } : {}),
        ...(b.poissonCvFolds !== undefined ? { poissonCvFolds: b.poissonCvFolds } : {}),
      };
    },
    routeMetric: (b: RdmBody) => b.method,
    // The mean dissimilarity: how distinct the conditions' patterns are overall (for crossnobis, the average
    // cross-validated distance of Walther et al. 2016).
    value: (r) => meanOfAll((r as { dissimilarities: Float64Array }).dissimilarities),
    parameters: (b: RdmBody) => plainParameters(b),
  } as ComputeSpec<RdmBody>,
  {
    url: '/v1/compare',
    operationId: 'compareRdms',
    arrays: ['a', 'b', 'sigmaK'],
    example: { a: [[0.2, 0.5, 0.4]], b: [[0.1, 0.6, 0.5]], method: 'spearman' },
    summary: 'compare two sets of RDM vectors (rsatoolbox compare); values are nA × nB; identical to `concord compare`',
    body: CompareBody,
    reply: CompareReply,
    task: (b: CompareBody, field) => ({
      op: 'compare',
      a: field(b.a, 'body.a', { allowNull: true, vectorAsRow: true }),
      b: field(b.b, 'body.b', { allowNull: true, vectorAsRow: true }),
      method: b.method,
      ...(b.sigmaK ? { sigmaK: field(b.sigmaK, 'body.sigmaK', { vectorAsRow: true }) } : {}),
    }),
    routeMetric: (b: CompareBody) => b.method,
    // The comparison itself for one pair; the mean over the nA × nB pairs otherwise (rsatoolbox's model
    // evaluation averages a model's comparisons over the data RDMs in the same way).
    value: (r) => meanOfAll((r as { values: (number | null)[][] }).values.flat()),
    parameters: (b: CompareBody) => plainParameters(b),
  } as ComputeSpec<CompareBody>,
  {
    url: '/v1/noise-ceiling',
    operationId: 'noiseCeiling',
    arrays: ['rdms'],
    example: {
      rdms: [
        [0.2, 0.5, 0.4],
        [0.3, 0.6, 0.4],
        [0.1, 0.5, 0.5],
      ],
      method: 'corr',
    },
    summary:
      'noise ceiling (lower: leave-one-out, upper: all) of subject RDMs (rsatoolbox boot_noise_ceiling); identical to `concord noise-ceiling`',
    body: NoiseCeilingBody,
    reply: NoiseCeilingReply,
    task: (b: NoiseCeilingBody, field) => ({
      op: 'noiseCeiling',
      rdms: field(b.rdms, 'body.rdms', { allowNull: true, vectorAsRow: true }),
      method: b.method,
    }),
    routeMetric: (b: NoiseCeilingBody) => `noise-ceiling:${b.method}`,
    value: (r) => single((r as { lower: number | null }).lower),
    parameters: (b: NoiseCeilingBody) => plainParameters(b),
  } as ComputeSpec<NoiseCeilingBody>,
  {
    url: '/v1/cka',
    operationId: 'cka',
    arrays: ['x', 'y'],
    example: {
      x: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      y: [
        [2, 0.5],
        [0.1, 1],
        [1, 2],
      ],
    },
    summary: 'centred kernel alignment of x and y (rows = examples); identical to `concord cka`',
    body: CkaBody,
    reply: CkaReply,
    task: (b: CkaBody, field) => ({
      op: 'cka',
      x: field(b.x, 'body.x'),
      y: field(b.y, 'body.y'),
      kernel: b.kernel ?? 'linear',
      debiased: b.debiased ?? false,
      ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
      ...(b.sigma !== undefined ? { sigma: b.sigma } : {}),
      ...(b.median !== undefined ? { median: b.median } : {}),
    }),
    routeMetric: () => 'cka',
    value: (r) => single((r as { value: number | null }).value),
    parameters: (b: CkaBody) => ({ kernel: 'linear', debiased: false, ...plainParameters(b) }),
  } as ComputeSpec<CkaBody>,
  {
    url: '/v1/similarity',
    operationId: 'similarity',
    arrays: ['x', 'y'],
    example: {
      x: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      y: [
        [2, 0.5],
        [0.1, 1],
        [1, 2],
      ],
      metric: 'procrustes',
    },
    summary:
      'any metric of the similarity package (CKA family, CCA family, Procrustes, ...); identical to `concord similarity`',
    body: SimilarityBody,
    reply: SimilarityReply,
    task: (b: SimilarityBody, field) => ({
      op: 'similarity',
      x: field(b.x, 'body.x'),
      y: field(b.y, 'body.y'),
      metric: b.metric,
      options: b.options ?? {},
    }),
    routeMetric: (b: SimilarityBody) => b.metric,
    value: (r) => single((r as { value: number | null }).value),
    parameters: (b: SimilarityBody) => plainParameters(b),
  } as ComputeSpec<SimilarityBody>,
];

function shapeReply(result: TaskResult): Record<string, unknown> {
  if ('dissimilarities' in result) return { ...result, dissimilarities: jsonNumbers(result.dissimilarities) };
  return { ...result };
}

/** The binary request bodies of a compute route, for the OpenAPI document (see binaryBodyDocs in app.ts). */
export interface ComputeDoc {
  url: string;
  arrays: readonly string[];
  fields: Record<string, TSchema>;
  example: Record<string, unknown>;
}
export const COMPUTE_DOCS: ComputeDoc[] = (SPECS as ComputeSpec<Record<string, unknown>>[]).map((s) => ({
  url: s.url,
  arrays: s.arrays,
  fields: s.body.properties as Record<string, TSchema>,
  example: s.example,
}));

export async function computeRoutes(app: FastifyInstance): Promise<void> {
  // JSON and binary bodies only: without the text/plain parser a wrong content type is a 415, not a confusing
  // schema error. Binary bodies are kept as bytes here and become a body object in preValidation, where the route
  // (its array fields, its schema) is known.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([NPY_TYPE, MULTIPART_TYPE], { parseAs: 'buffer' }, (request, body, done) => {
    const type = request.headers['content-type'] ?? '';
    done(null, new RawBinaryBody(type.toLowerCase().startsWith(NPY_TYPE) ? 'npy' : 'multipart', body as Buffer, type));
  });
  for (const spec of SPECS as ComputeSpec<Record<string, unknown>>[]) {
    const validateBody = compileBodyValidator(spec.body);
    app.post(
      spec.url,
      {
        validatorCompiler: () => validateBody,
        preValidation: async (request) => {
          if (request.body instanceof RawBinaryBody) {
            request.body = toBody(
              request.body,
              request.query as Record<string, unknown>,
              spec.body,
              spec.arrays,
              app.concord.limits.maxHeaderBytes,
            );
          }
        },
        schema: {
          summary: spec.summary,
          operationId: spec.operationId,
          tags: ['compute'],
          security: [{ bearer: [] }],
          consumes: ['application/json', NPY_TYPE, MULTIPART_TYPE],
          body: spec.body,
          response: { 200: spec.reply, '4xx': ErrorReply, '5xx': ErrorReply },
        },
      },
      async (request: FastifyRequest) => {
        const ctx = app.concord;
        const body = request.body as Record<string, unknown> & { save?: SaveRequest };
        const labels = body.save ? saveLabels(body.save) : undefined;
        const task = spec.task(body, (value, name, opts) =>
          matrixField(value, name, ctx.arrays, ctx.limits, { ...opts, viewer: request.viewer }),
        );
        // Hash before the run: inline buffers are moved to the worker.
        const hashes = body.save ? inputHashes(task) : undefined;
        const outcome = await ctx.pool.run(task);
        if (!outcome.ok) {
          if (outcome.error.statusCode >= 500) request.log.error({ error: outcome.error }, 'task failed');
          throw libraryError(outcome.error, body);
        }
        const reply = shapeReply(outcome.result);
        if (labels) {
          const parameters = spec.parameters(body);
          const routeMetric = spec.routeMetric(body);
          const saved = ctx.scores.insert({
            ...labels,
            endpoint: spec.url,
            metric: vocabularyMetric(spec.url, parameters) ?? routeMetric,
            routeMetric,
            value: spec.value(outcome.result),
            result: reply,
            parameters,
            inputHashes: hashes ?? {},
            concordVersion: outcome.version,
            apiKeyId: request.apiKeyId,
          });
          reply.scoreId = saved.id;
        }
        return reply;
      },
    );
  }
}
