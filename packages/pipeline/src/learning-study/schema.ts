/**
 * The learning-rule study file (issue 17) as TypeBox schemas: a trained network entry, the grid form (rules × seeds),
 * profiles and the stimulus transform. The project's single study schema composes these.
 */
import { type Static, Type } from '@sinclair/typebox';

const Hyper = Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]));

/** How the 92 object images become network inputs (see the package README, "Learning-rule study"). */
export const StimulusTransformSchema = Type.Object(
  {
    /** Output side in pixels (28 for Fashion-MNIST nets, 32 for CIFAR nets). */
    size: Type.Optional(Type.Integer({ minimum: 4, maximum: 175 })),
    /** 1 = grey (luminance), 3 = RGB. */
    channels: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)])),
    /** Resampling: 'area' (box average over the source pixels each output pixel covers), 'bilinear', 'nearest'. */
    resize: Type.Optional(Type.Union([Type.Literal('area'), Type.Literal('bilinear'), Type.Literal('nearest')])),
    /** Grey from RGB: ITU-R BT.601 luma weights or the plain channel mean. */
    luminance: Type.Optional(Type.Union([Type.Literal('rec601'), Type.Literal('mean')])),
    /**
     * The grey background: 'black' sets pixels equal to the border's grey (within `backgroundTolerance`) to 0 so
     * objects sit on black as in Fashion-MNIST; 'keep' leaves it grey.
     */
    background: Type.Optional(Type.Union([Type.Literal('black'), Type.Literal('keep')])),
    /** Tolerance of the background match, in 0..255 grey levels. */
    backgroundTolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 255 })),
    /** 'training' rescales the stimuli's pixel mean and SD to the training set's; 'none' keeps [0, 1]. */
    normalise: Type.Optional(Type.Union([Type.Literal('training'), Type.Literal('none')])),
  },
  { additionalProperties: false },
);
export type StimulusTransform = Static<typeof StimulusTransformSchema>;

/** `train:` of a network entry: the rule, the architecture, the data, seeds and hyper-parameters. */
export const TrainSpecSchema = Type.Object(
  {
    rule: Type.String(),
    arch: Type.Optional(Type.String()),
    /** A dataset name ('fashion-mnist', 'mnist', 'cifar10', ...) or a folder (relative to the study file). */
    dataset: Type.Optional(Type.String()),
    dataDir: Type.Optional(Type.String()),
    epochs: Type.Optional(Type.Integer({ minimum: 1 })),
    seeds: Type.Optional(Type.Array(Type.Unknown())),
    lr: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    optimizer: Type.Optional(Type.Union([Type.Literal('adam'), Type.Literal('sgd')])),
    /** Learning-rate schedule over the epochs: 'constant', 'step' (×0.1 at 50 % and 75 %) or 'cosine'. */
    schedule: Type.Optional(Type.Union([Type.Literal('constant'), Type.Literal('step'), Type.Literal('cosine')])),
    batch: Type.Optional(Type.Integer({ minimum: 1 })),
    hidden: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
    limitTrain: Type.Optional(Type.Integer({ minimum: 1 })),
    limitTest: Type.Optional(Type.Integer({ minimum: 1 })),
    hyper: Type.Optional(Hyper),
  },
  { additionalProperties: false },
);
export type TrainSpec = Static<typeof TrainSpecSchema>;

export const TrainedNetworkSchema = Type.Object(
  { name: Type.String({ minLength: 1 }), train: TrainSpecSchema },
  { additionalProperties: false },
);
export type TrainedNetworkEntry = Static<typeof TrainedNetworkSchema>;

/** The grid form: every rule × every seed with shared settings (`defaults`) and per-rule overrides. */
export const RuleGridSchema = Type.Object({
  rules: Type.Optional(Type.Array(Type.String())),
  seeds: Type.Optional(Type.Array(Type.Unknown())),
  /** Settings shared by every network of the profile (a train spec without the rule). */
  defaults: Type.Optional(Type.Omit(TrainSpecSchema, ['rule'])),
  /** Per-rule settings over the defaults. */
  overrides: Type.Optional(Type.Record(Type.String(), Type.Omit(TrainSpecSchema, ['rule']))),
  networks: Type.Optional(Type.Array(TrainedNetworkSchema)),
});

export const ProfileSchema = Type.Composite([
  RuleGridSchema,
  Type.Object({
    /** Random-weights baselines: seeds of the untrained networks of each architecture. */
    randomSeeds: Type.Optional(Type.Array(Type.Integer())),
    /** Bootstrap samples of the statistics. */
    bootstrapSamples: Type.Optional(Type.Integer({ minimum: 10 })),
    /** Alternative stimulus transforms scored as sensitivity rows (fields over the default transform). */
    sensitivity: Type.Optional(Type.Array(StimulusTransformSchema)),
  }),
]);
export type Profile = Static<typeof ProfileSchema>;

export const LearningStudySchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  kind: Type.Optional(Type.Literal('learning-rules')),
  output: Type.Optional(Type.String()),
  /** The artifact store (content-addressed cache of trained networks, RDMs ...). */
  store: Type.Optional(Type.String()),
  stimuli: Type.Object({
    file: Type.String(),
    variable: Type.Optional(Type.String()),
    transform: Type.Optional(StimulusTransformSchema),
  }),
  brain: Type.Object({
    file: Type.String(),
    variable: Type.Optional(Type.String()),
    /** Subject label pattern over each RDM's `name` field (named group `subject`). */
    subjectPattern: Type.Optional(Type.String()),
    /** Model RDMs shipped with the data (categorical models; monkey IT). */
    models: Type.Optional(Type.String()),
    /** Names of the categorical model RDMs used as baselines. */
    categoricalModels: Type.Optional(Type.Array(Type.String())),
    /** Name of the monkey IT RDM in the model file (scored as a second brain dataset, one RDM). */
    monkeyIt: Type.Optional(Type.String()),
  }),
  /** Comparator of model and brain RDMs: spearman (default), corr or corr_cov. */
  metric: Type.Optional(Type.Union([Type.Literal('spearman'), Type.Literal('corr'), Type.Literal('corr_cov')])),
  seed: Type.Optional(Type.Integer()),
  /** The profile run when the caller names none (the CLI's --profile wins; default 'quick'). */
  profile: Type.Optional(Type.String({ minLength: 1 })),
  profiles: Type.Record(Type.String(), ProfileSchema),
});
export type LearningStudyFile = Static<typeof LearningStudySchema>;
