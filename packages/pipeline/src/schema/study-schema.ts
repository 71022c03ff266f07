/**
 * The study file as ONE TypeBox schema: what `concord compare-models`, `concord jobs submit`, POST /v1/jobs and
 * the docs (GET /v1/schema/study) check against. Structure lives here; what a schema cannot say (a file exists, a
 * simulation names a listed layer, names are unique) is checked in study/config.ts after it.
 * `errorMessage` (with {received}) words a failure where "expected X" alone would say too little.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TrainedNetworkSchema } from '../learning-study/schema.ts';

const Name = Type.String({ minLength: 1, description: 'a non-empty name' });
const Path = Type.String({ minLength: 1, description: 'a file path (relative to the study file)' });

export const StimuliSchema = Type.Union(
  [
    Type.Object({
      generate: Type.Object({
        categories: Type.Optional(Type.Array(Type.String())),
        perCategory: Type.Optional(Type.Integer({ minimum: 1 })),
        size: Type.Optional(Type.Integer({ minimum: 1 })),
        seed: Type.Optional(Type.Integer()),
      }),
    }),
    Type.Object({ dir: Path, list: Type.Optional(Path) }),
    Type.Object({
      file: Path,
      variable: Type.Optional(Type.String()),
      labels: Type.Optional(Type.Array(Type.String())),
    }),
  ],
  { description: 'one of generate: {...}, dir: FOLDER, file: FILE (.npy or .mat)' },
);

/** A network given as a model file or ready activations (the comparison study's own entry). */
export const ModelNetworkSchema = Type.Object({
  name: Name,
  model: Type.Optional(Type.String({ description: 'an .onnx file, a TF.js model.json, or builtin:mobilenet_v2' })),
  activations: Type.Optional(Type.String({ description: 'ready activations: an .npz with one entry per layer' })),
  layers: Type.Array(Type.String(), { minItems: 1, description: 'a non-empty list of layer names' }),
  preprocess: Type.Optional(
    Type.Object({
      size: Type.Optional(Type.Integer({ minimum: 1 })),
      mean: Type.Optional(Type.Array(Type.Number())),
      std: Type.Optional(Type.Array(Type.Number())),
      layout: Type.Optional(Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')])),
    }),
  ),
  reduce: Type.Optional(Type.Unknown({ description: "'none', 'gap' or a reduction spec of @concord/activations" })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** A network entry: a model / activations, or a network trained by a learning rule (the learning-rule study). */
export const NetworkSchema = Type.Union([ModelNetworkSchema, TrainedNetworkSchema], {
  description: '{name, model | activations, layers} or {name, train: {...}} (a trained network)',
});

const SimulationSchema = Type.Object({
  network: Type.String(),
  layer: Type.String(),
  subjects: Type.Optional(Type.Integer({ minimum: 1 })),
  seed: Type.Optional(Type.Integer()),
  noise: Type.Optional(Type.Number({ minimum: 0 })),
  sfreq: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  channels: Type.Optional(Type.Integer({ minimum: 1 })),
  repetitions: Type.Optional(Type.Integer({ minimum: 1 })),
  runs: Type.Optional(Type.Integer({ minimum: 1 })),
  tr: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});

export const BRAIN_TYPES = ['eeg', 'fmri', 'rdms'] as const;
export const METRIC_TYPES = ['rsa', 'cka', 'encoding'] as const;

export const BrainSchema = Type.Object({
  name: Name,
  type: Type.Union(
    BRAIN_TYPES.map((t) => Type.Literal(t)),
    { errorMessage: `expected one of ${BRAIN_TYPES.join(', ')}, received {received}` },
  ),
  simulate: Type.Optional(SimulationSchema),
  // eeg
  files: Type.Optional(Type.Array(Path)),
  tmin: Type.Optional(Type.Number()),
  tmax: Type.Optional(Type.Number()),
  binWidth: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  window: Type.Optional(
    Type.Tuple([Type.Number(), Type.Number()], { description: '[from, to] in seconds with from ≤ to' }),
  ),
  rdmMethod: Type.Optional(Type.String()),
  // fmri: subjects [{runs, mask, tr}]; rdms: subjects [labels] or {field, pattern}
  subjects: Type.Optional(Type.Unknown()),
  // rdms
  file: Type.Optional(Path),
  variable: Type.Optional(Type.String()),
});

export const MetricSchema = Type.Object({
  type: Type.Union(
    METRIC_TYPES.map((t) => Type.Literal(t)),
    { errorMessage: `unknown metric {received}; expected one of ${METRIC_TYPES.join(', ')}` },
  ),
  modelRdmMethod: Type.Optional(Type.String()),
  compare: Type.Optional(Type.String()),
  kernel: Type.Optional(Type.Union([Type.Literal('linear'), Type.Literal('rbf')])),
  debiased: Type.Optional(Type.Boolean()),
  model: Type.Optional(Type.Union([Type.Literal('ridge'), Type.Literal('pls')])),
  folds: Type.Optional(Type.Integer({ minimum: 2 })),
});

export const StudySchema = Type.Object(
  {
    name: Type.Optional(Name),
    output: Type.Optional(Type.String({ description: 'output folder (default out/<name>)' })),
    cache: Type.Optional(Type.String({ description: 'activation cache folder' })),
    seed: Type.Optional(Type.Integer()),
    stimuli: StimuliSchema,
    networks: Type.Array(NetworkSchema, { minItems: 1, description: 'a non-empty list of networks' }),
    brain: Type.Array(BrainSchema, { minItems: 1, description: 'a non-empty list of brain datasets' }),
    metrics: Type.Array(MetricSchema, { minItems: 1, description: 'a non-empty list of metrics' }),
  },
  { $id: 'https://concord.dev/schemas/study.json', title: 'Concord comparison study' },
);
export type StudyFile = Static<typeof StudySchema>;
