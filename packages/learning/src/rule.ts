/**
 * The learning-rule contract. A rule is a module exporting one `LearningRule`: its declaration as data (family,
 * variant, reference, plausibility criteria, architectures, hyper-parameters with defaults) and the code that turns
 * the forward state of a batch into weight updates. The engine (src/engine/) owns everything else: data, batching
 * and seeded shuffling, the optimiser, schedules, checkpoints, NaN checks, progress, export.
 *
 * Two kinds:
 * - 'update' rules (BP, FA, DFA, sign symmetry, DTP, local losses, FF, perturbation, predictive coding, EqProp,
 *   Hebbian + readout): `create()` once per run gives a `RuleInstance`; for every batch the engine runs the standard
 *   forward pass, zeroes every `Param.grad`, calls `step()`, checks the loss, and lets the optimiser apply the grads.
 *   A rule writes the DESCENT direction into `grad` (what a loss gradient would be; a Hebbian "increase" is written
 *   negated). Rules with settle loops or several phases run them inside `step()` through `ctx.ops`; state that
 *   persists across batches lives in the instance (checkpointed through `saveState`/`loadState`); extra learned
 *   arrays (feedback weights, inverses, local classifiers, readouts) are `auxParams`, which the optimiser updates
 *   and checkpoints like the network's own.
 * - 'custom' rules (STDP) bring their own network and loop: `train()` gets the data and writes its own outputs
 *   (an activations file instead of ONNX) and returns the same summary the CLI prints.
 */
import type { DType, FloatArray, ProgressCallback, Rng } from '@concord/core';
import type { ImageDataset } from './dataset.ts';
import type { ActivationName, ArchitectureName, ForwardState, Network, Param } from './network.ts';
import type { Tensor } from './tensor.ts';

/** The three plausibility criteria of Lv et al. 2024 (true = the rule satisfies it). */
export interface RuleCriteria {
  /** C1: forward and backward (feedback) weights are not the same (transposed) matrices. */
  asymmetricWeights: boolean;
  /** C2: each layer learns from a local error signal; no global error carried back through the network. */
  localErrors: boolean;
  /** C3: one pass, no separate phases (forward then backward, free then nudged). */
  singlePhase: boolean;
}

export type HyperValue = number | boolean | string;
export type Hyper = Readonly<Record<string, HyperValue>>;

export interface HyperParameterSpec {
  readonly default: HyperValue;
  readonly description: string;
  /** Allowed values for string parameters. */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

export type OptimizerName = 'adam' | 'sgd';
export type LossName = 'cross-entropy' | 'mse';

/** Engine settings a rule's reference recipe fixes; the CLI's flags override them. */
export interface TrainingDefaults {
  optimizer: OptimizerName;
  lr: number;
  epochs: number;
  batch: number;
  momentum: number;
  weightDecay: number;
  loss: LossName;
  labelSmoothing: number;
  /** 'constant', 'step' (×0.1 at 50 % and 75 % of the epochs) or 'cosine'. */
  schedule: 'constant' | 'step' | 'cosine';
  /** Hidden activation of the architectures (the study's default MLP uses tanh). */
  activation: ActivationName;
  /** Hidden sizes of the MLP. */
  hidden: readonly number[];
}

export interface RuleDeclaration {
  /** CLI name: 'bp', 'fa', 'dfa', 'sign-symmetry', ... */
  readonly name: string;
  /** Family of the study: 'backpropagation', 'feedback alignment', 'target propagation', 'local losses', ... */
  readonly family: string;
  /** Variant within the family: 'uSF', 'DRL', 'predsim', ... ('' when the family has one). */
  readonly variant: string;
  /** The paper whose update is implemented (authors year, title, arXiv/DOI). */
  readonly reference: string;
  readonly criteria: RuleCriteria;
  readonly architectures: readonly ArchitectureName[];
  /** The rule's own hyper-parameters. */
  readonly hyperParameters: Readonly<Record<string, HyperParameterSpec>>;
  /** Engine settings that differ from the engine's defaults for this rule. */
  readonly training?: Partial<TrainingDefaults>;
  /** For rules whose accuracy is not the network's own logits: how it is read out (e.g. 'linear readout on frozen hidden layer'). */
  readonly readout?: string;
  /** What the run writes: an ONNX network (default) or an activations file (spiking networks). */
  readonly output?: 'onnx' | 'activations';
}

/** The engine's operations a rule may use (implemented in src/engine/ops.ts, on core's kernel backends). */
export interface EngineOps {
  /** The standard forward pass of layers [from, to] (default: all); `input` is the input of layer `from`. */
  forward(network: Network, input: Tensor, range?: { from?: number; to?: number }): ForwardState;
  /**
   * Backward through layer i: given dL/d(output of layer i) accumulate (+=) its parameters' grads (parametric layers,
   * unless `params: false`) and return dL/d(input of layer i) (unless `input: false`). `feedback`, when given,
   * replaces the layer's weight in the input gradient (FA's B, sign(W)); it has the weight's shape and layout.
   * `state` must hold layer i's input and output (a full or partial forward state from `forward`).
   */
  backwardLayer(
    network: Network,
    i: number,
    state: ForwardState,
    gradOutput: Tensor,
    opts?: { feedback?: FloatArray; params?: boolean; input?: boolean },
  ): Tensor | undefined;
  /**
   * backwardLayer chained from layer `from` (default: last) down to `to` (default 0); returns dL/d(input of `to`)
   * when `input` is true (default: true when `to` > 0; the network input's gradient is rarely wanted).
   */
  backward(
    network: Network,
    state: ForwardState,
    gradOutput: Tensor,
    opts?: {
      from?: number;
      to?: number;
      feedback?: (layer: number) => FloatArray | undefined;
      params?: boolean;
      input?: boolean;
    },
  ): Tensor | undefined;
  /** Mean loss over the batch and its gradient with respect to the logits. */
  loss(
    name: LossName,
    logits: Tensor,
    labels: Int32Array,
    opts?: { labelSmoothing?: number },
  ): { value: number; grad: Tensor };
  /** C = alpha·op(A)·op(B) + beta·C (row-major; A is m×k or k×m transposed, B k×n or n×k) on the run's backend. */
  gemm(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    alpha?: number,
    beta?: number,
  ): void;
  /** y = f(x) elementwise (softmax: per row). */
  activate(fn: ActivationName, x: Tensor, slope?: number): Tensor;
  /** dL/dx from dL/dy for y = f(x) (softmax: the full row Jacobian). */
  activationBackward(fn: ActivationName, x: Tensor, y: Tensor, gradOutput: Tensor, slope?: number): Tensor;
}

export interface RuleSetupContext {
  readonly network: Network;
  readonly hyper: Hyper;
  /** The run's settings after defaults and flags. */
  readonly training: TrainingDefaults;
  /** Seeded for this rule's own initialisation (feedback matrices, ...). */
  readonly rng: Rng;
  readonly ops: EngineOps;
  readonly dtype: DType;
}

export interface Batch {
  /** [N, ...inputShape], values in [0, 1]. */
  readonly x: Tensor;
  readonly labels: Int32Array;
}

export interface RuleStepContext {
  readonly network: Network;
  readonly batch: Batch;
  /** The engine's standard forward pass of this batch (already computed). */
  readonly forward: ForwardState;
  readonly nClasses: number;
  readonly hyper: Hyper;
  readonly training: TrainingDefaults;
  /** 0-based epoch and batch within the epoch, and their totals (for rules that change phase by epoch). */
  readonly epoch: number;
  readonly epochs: number;
  readonly batchIndex: number;
  /** Seeded per batch from (seed, epoch, batch): perturbations, negative labels, noise. */
  readonly rng: Rng;
  readonly ops: EngineOps;
}

export interface StepResult {
  /** The batch's loss (the rule's own objective when it has no global one); NaN/Inf stops the run. */
  readonly loss: number;
  /** Class scores of the batch for the training accuracy (default: the forward logits). */
  readonly scores?: Tensor;
}

/**
 * Layers whose input a rule's forward pass divides, row by row, by (its Euclidean length + epsilon) — forward-forward
 * does so above its first block — so that the exported graph computes what the trained network computes.
 */
export interface InputNormalization {
  /** Indices (into network.layers) of the layers whose input is length-normalised. */
  readonly layers: readonly number[];
  readonly epsilon: number;
}

export interface RuleInstance {
  /** Learned arrays beside the network's (updated by the optimiser, saved in checkpoints). */
  readonly auxParams: readonly Param[];
  /** Write the descent direction into the grads of the network's params and `auxParams` (they arrive zeroed). */
  step(ctx: RuleStepContext): StepResult;
  /** Class scores for evaluation (default: the network's logits), e.g. forward-forward's goodness per label. */
  /**
   * Length normalisations inside the rule's forward pass that the plain layer stack does not have (exported into the
   * ONNX graph so its activations equal the trained network's); default none.
   */
  inputNormalization?(network: Network): InputNormalization | undefined;
  predict?(network: Network, x: Tensor, ops: EngineOps): Tensor;
  /** Non-parameter state to checkpoint (fixed random matrices are regenerated from the seed; no need to save them). */
  saveState?(): Record<string, FloatArray>;
  loadState?(state: Record<string, FloatArray>): void;
  /**
   * Counters a rule reports about its run (issue 16: settle loops that continue after not converging count those
   * batches), e.g. {batches, freePhaseNotConverged}. Optional; the CLI/sidecar may print them.
   */
  diagnostics?(): Record<string, number>;
}

export interface UpdateRule {
  readonly kind: 'update';
  readonly declaration: RuleDeclaration;
  create(ctx: RuleSetupContext): RuleInstance;
}

export interface CustomTrainContext {
  readonly dataset: ImageDataset;
  readonly hyper: Hyper;
  readonly training: TrainingDefaults;
  readonly seed: number;
  /** Output path given by the user (`--out`); the rule writes its files beside/at it (temp file + rename). */
  readonly out: string;
  readonly onProgress?: ProgressCallback;
}

export interface CustomTrainResult {
  readonly testAccuracy: number;
  readonly trainLoss: readonly number[];
  readonly secondsPerEpoch: readonly number[];
  /** Names of the exported activations, in order. */
  readonly layers: readonly string[];
  /** Files written (the first is the main output). */
  readonly files: readonly string[];
}

export interface CustomRule {
  readonly kind: 'custom';
  readonly declaration: RuleDeclaration;
  train(ctx: CustomTrainContext): Promise<CustomTrainResult>;
}

export type LearningRule = UpdateRule | CustomRule;
