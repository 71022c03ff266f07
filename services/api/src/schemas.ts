/**
 * Request and response schemas, written once with TypeBox: Fastify validates requests with them (strictly: no
 * coercion of bodies, no unknown properties) and @fastify/swagger turns them into the OpenAPI 3 document at
 * /docs/json. Numeric array fields carry `x-concord-numeric`: the document shows them in full, but their elements
 * are checked by input.ts while they are converted (one typed loop instead of a schema union per element; see
 * body-validator.ts).
 */
import { RDM_METHODS } from '@concord/rsa';
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
const labelAs = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
export const SaveRequest = Type.Object(
  {
    model: Type.Optional(labelAs('the network (the same label as `network`)')),
    network: Type.Optional(labelAs("the network, as the study's score record names it (= model)")),
    layer: Type.Optional(Label),
    dataset: Type.Optional(Label),
    subject: Type.Optional(Label),
    roi: Type.Optional(labelAs('the region of interest (the same label as `region`)')),
    region: Type.Optional(labelAs("the region, as the study's score record names it (= roi)")),
    time: Type.Optional(Type.Number({ description: 'seconds, for a time-resolved score' })),
    tags: Type.Optional(Type.Array(Label, { maxItems: 64 })),
  },
  {
    additionalProperties: false,
    description:
      'store the result as a score with these labels; the response then carries scoreId. model/network and roi/region are two names of one label: give either (both only when equal)',
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

/** rsatoolbox's RDM methods (@concord/rsa RDM_METHODS). */
const RdmMethod = Type.Union(
  RDM_METHODS.map((m) => Type.Literal(m)),
  {
    description:
      "how the RDMs in `a` (the model's) were computed; names a stored score's metric rsa:<modelRdmMethod>/<method> (rsa:unspecified/<method> without it), as the study's metrics are named",
  },
);

export const CompareBody = Type.Object(
  {
    a: RdmVectors,
    b: RdmVectors,
    method: Method,
    modelRdmMethod: Type.Optional(RdmMethod),
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
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description }) as T;

/**
 * The score record every route shares (@concord/pipeline scores/score-record.ts), at the top level of every stored
 * score: a study's row fills it, a compute route's score has its labels, metric and value (the rest null).
 */
const ScoreRecordFields = {
  network: described(NullableString, 'the network (labels.model)'),
  layer: NullableString,
  dataset: NullableString,
  region: described(NullableString, "region of interest ('all' for sensor-level EEG; labels.roi)"),
  time: described(NullableNumber, 'seconds, for time-resolved scores'),
  sem: NullableNumber,
  ciLower: NullableNumber,
  ciUpper: NullableNumber,
  nSubjects: described(NullableNumber, "subjects scored (a learning-rule study's row calls it subjectCount)"),
  ceilingLower: NullableNumber,
  ceilingUpper: NullableNumber,
};

/**
 * The fields results.json rows have beyond the score record, at the top level of an imported score under the same
 * names and values (listed for the documentation; any other field of a row is passed through too).
 */
const StudyRowFields = {
  layerIndex: Type.Optional(
    described(Type.Integer(), 'depth order of the layer within its network (comparison study)'),
  ),
  modality: Type.Optional(described(Type.String(), 'eeg, fmri or rdms (comparison study)')),
  rule: Type.Optional(described(Type.String(), 'learning rule (learning-rule study)')),
  family: Type.Optional(described(Type.String(), "the rule's family (learning-rule study)")),
  seed: Type.Optional(NullableInteger),
  arch: Type.Optional(NullableString),
  testAccuracy: Type.Optional(NullableNumber),
  criteria: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: "the rule's biological-plausibility criteria (learning-rule study)",
    }),
  ),
  subjectCount: Type.Optional(NullableNumber),
  p: Type.Optional(described(NullableNumber, 'p value (learning-rule study)')),
  pCorrected: Type.Optional(described(NullableNumber, 'p value corrected for multiple comparisons')),
};

export const ScoreReply = Type.Object(
  {
    id: Type.String(),
    createdAt: Type.String(),
    endpoint: Type.String({
      description:
        "the compute route that stored it, 'jobs' (a job's results.json) or 'studies' (a --studies folder's)",
    }),
    metric: Type.String({
      description:
        "a name of the metric vocabulary: rsa:<rdmMethod>/<comparator>, cka:<kernel>[:debiased], encoding:<model>, rdm:<method>, noise-ceiling:<comparator>, similarity:<metric> (a study's row: its own metric string)",
    }),
    routeMetric: described(
      NullableString,
      "the name a compute route gave the metric before the vocabulary ('spearman', 'cka', 'euclidean'); null for study rows",
    ),
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
    ...ScoreRecordFields,
    ...StudyRowFields,
  },
  {
    additionalProperties: true,
    description:
      "a stored score: its labels and provenance, the score record's fields at the top level, and for a score imported from a study every field of its results.json row under the row's names (the fields above keep their meaning where a row has a field of the same name)",
  },
);
const MetricFilter = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'a vocabulary name (exact), or a bare name as an alias: a family (cka → every cka:…), an RSA comparator (spearman → every rsa:…/spearman), an encoding model (ridge → encoding:ridge), an RDM method (euclidean → rdm:euclidean), another similarity metric (procrustes → similarity:procrustes)',
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
    metric: Type.Optional(MetricFilter),
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
