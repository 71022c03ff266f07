/**
 * Request and response schemas, written once with TypeBox: Fastify validates requests with them (strictly: no
 * coercion of bodies, no unknown properties) and @fastify/swagger turns them into the OpenAPI 3 document at
 * /docs/json. Numeric array fields carry `x-concord-numeric`: the document shows them in full, but their elements
 * are checked by input.ts while they are converted (one typed loop instead of a schema union per element; see
 * body-validator.ts).
 */
import { type Static, type TSchema, Type } from 'typebox';

/** The annotation that marks a numeric array field (an OpenAPI specification extension). */
export const NUMERIC_FIELD = 'x-concord-numeric';

export function isNumericField(schema: TSchema): boolean {
  return (schema as Record<string, unknown>)[NUMERIC_FIELD] === true;
}

const ID_HEX = '^[0-9a-f]{64}$';

export const ArrayRef = Type.Object(
  { arrayId: Type.String({ pattern: ID_HEX, description: 'id (sha256) returned by POST /v1/arrays' }) },
  { additionalProperties: false, description: 'a reference to an uploaded .npy array' },
);

const NumberMatrix = Type.Array(Type.Array(Type.Number()), {
  description: 'rows of numbers (row-major), all rows of equal length',
});
/** RDM vectors may hold null for a missing entry (NaN in rsatoolbox; excluded from comparisons). */
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const RdmVectors = Type.Union([Type.Array(Type.Array(NullableNumber)), Type.Array(NullableNumber), ArrayRef], {
  description:
    'RDM vectors, one per row: upper triangle, row-major, i<j (scipy squareform order); a flat array is one RDM; null = missing',
  [NUMERIC_FIELD]: true,
});
export const MatrixInput = Type.Union([NumberMatrix, ArrayRef], { [NUMERIC_FIELD]: true });

const Label = Type.String({ minLength: 1, maxLength: 200 });
export const SaveRequest = Type.Object(
  {
    model: Type.Optional(Label),
    layer: Type.Optional(Label),
    dataset: Type.Optional(Label),
    subject: Type.Optional(Label),
    roi: Type.Optional(Label),
    tags: Type.Optional(Type.Array(Label, { maxItems: 64 })),
  },
  {
    additionalProperties: false,
    description: 'store the result as a score with these labels; the response then carries scoreId',
  },
);
export type SaveRequest = Static<typeof SaveRequest>;

const Method = Type.String({ minLength: 1, maxLength: 64 });
const Descriptor = Type.Array(Type.Union([Type.String({ maxLength: 200 }), Type.Number()]));

export const RdmBody = Type.Object(
  {
    data: MatrixInput,
    conditions: Descriptor,
    runs: Type.Optional(Descriptor),
    method: Method,
    noise: Type.Optional(MatrixInput),
    removeMean: Type.Optional(Type.Boolean()),
    priorLambda: Type.Optional(Type.Number({ description: 'poisson / poisson_cv prior (rsatoolbox prior_lambda)' })),
    priorWeight: Type.Optional(
      Type.Number({ description: 'poisson / poisson_cv prior weight (rsatoolbox prior_weight)' }),
    ),
    poissonCvFolds: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('last')], {
        description:
          "poisson_cv: 'all' averages every fold (default); 'last' reproduces rsatoolbox's last-fold-only result",
      }),
    ),
    save: Type.Optional(SaveRequest),
  },
  { additionalProperties: false },
);
export type RdmBody = Static<typeof RdmBody>;

export const CompareBody = Type.Object(
  {
    a: RdmVectors,
    b: RdmVectors,
    method: Method,
    sigmaK: Type.Optional(
      Type.Union([NumberMatrix, Type.Array(Type.Number()), ArrayRef], {
        description: 'pattern covariance for *_cov and neg_riem_dist: nCond × nCond, or per-condition variances',
        [NUMERIC_FIELD]: true,
      }),
    ),
    save: Type.Optional(SaveRequest),
  },
  { additionalProperties: false },
);
export type CompareBody = Static<typeof CompareBody>;

export const NoiseCeilingBody = Type.Object(
  { rdms: RdmVectors, method: Method, save: Type.Optional(SaveRequest) },
  { additionalProperties: false },
);
export type NoiseCeilingBody = Static<typeof NoiseCeilingBody>;

export const CkaBody = Type.Object(
  {
    x: MatrixInput,
    y: MatrixInput,
    kernel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    debiased: Type.Optional(Type.Boolean()),
    threshold: Type.Optional(Type.Number()),
    sigma: Type.Optional(Type.Number()),
    median: Type.Optional(
      Type.Union([Type.Literal('full'), Type.Literal('pairs')], {
        description: 'RBF median convention (default full)',
      }),
    ),
    save: Type.Optional(SaveRequest),
  },
  { additionalProperties: false },
);
export type CkaBody = Static<typeof CkaBody>;

export const SimilarityBody = Type.Object(
  {
    x: MatrixInput,
    y: MatrixInput,
    metric: Method,
    options: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
        description: "the metric's options (camelCase, as in the library)",
      }),
    ),
    save: Type.Optional(SaveRequest),
  },
  { additionalProperties: false },
);
export type SimilarityBody = Static<typeof SimilarityBody>;

const ScoreId = Type.Optional(Type.String({ description: 'id of the stored score, when `save` was given' }));
const NullableValues = Type.Array(NullableNumber);

export const RdmReply = Type.Object({
  method: Type.String(),
  conditions: Descriptor,
  dissimilarities: Type.Array(NullableNumber, {
    description: 'upper triangle, row-major, i<j; conditions sorted as rsatoolbox sorts them',
  }),
  scoreId: ScoreId,
});
export const CompareReply = Type.Object({
  method: Type.String(),
  values: Type.Array(NullableValues, { description: 'nA × nB' }),
  scoreId: ScoreId,
});
export const NoiseCeilingReply = Type.Object({
  method: Type.String(),
  lower: NullableNumber,
  upper: NullableNumber,
  scoreId: ScoreId,
});
export const CkaReply = Type.Object({
  metric: Type.Literal('cka'),
  kernel: Type.String(),
  debiased: Type.Boolean(),
  value: NullableNumber,
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  scoreId: ScoreId,
});
export const SimilarityReply = Type.Object({
  metric: Type.String(),
  value: NullableNumber,
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  scoreId: ScoreId,
});

export const ArrayInfoReply = Type.Object({
  id: Type.String(),
  shape: Type.Array(Type.Integer()),
  dtype: Type.String(),
  sha256: Type.String(),
  bytes: Type.Integer(),
});
export const ArrayIdParams = Type.Object({ id: Type.String({ pattern: ID_HEX }) });

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
});

const NullableString = Type.Union([Type.String(), Type.Null()]);
export const ScoreReply = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  endpoint: Type.String(),
  metric: Type.String(),
  value: NullableNumber,
  labels: Type.Object({
    model: NullableString,
    layer: NullableString,
    dataset: NullableString,
    subject: NullableString,
    roi: NullableString,
  }),
  tags: Type.Array(Type.String()),
  result: Type.Unknown(),
  /** The score as the shared score record (pipeline/scores: network, layer, dataset, region, time, metric, ...). */
  record: Type.Optional(Type.Unknown()),
  provenance: Type.Object({
    parameters: Type.Record(Type.String(), Type.Unknown()),
    inputHashes: Type.Record(Type.String(), Type.String()),
    concordVersion: Type.String(),
  }),
});
export const ScoresQuery = Type.Object(
  {
    model: Type.Optional(Label),
    layer: Type.Optional(Label),
    dataset: Type.Optional(Label),
    subject: Type.Optional(Label),
    roi: Type.Optional(Label),
    network: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the same as model' })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the same as roi' })),
    metric: Type.Optional(Label),
    endpoint: Type.Optional(Label),
    tag: Type.Optional(
      Type.Union([Label, Type.Array(Label, { maxItems: 16 })], {
        description: 'repeat for several; all must be present',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ScoresQuery = Static<typeof ScoresQuery>;
export const ScoresPage = Type.Object({ items: Type.Array(ScoreReply), nextCursor: NullableString });
export const ScoreIdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9]{1,15}$', description: 'a score id (decimal digits)' }),
});
