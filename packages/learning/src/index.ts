/**
 * @concord/learning: a float32 training engine on core's kernels, learning rules (each declaring the three
 * plausibility criteria of Lv et al. 2024), image datasets, and ONNX export of trained networks.
 */

export { buildNetwork, DEFAULT_MLP_HIDDEN } from './architectures.ts';
export type { ImageDataset, ImageSet } from './dataset.ts';
export { decodeCifar } from './datasets/cifar.ts';
export { decodeIdx, readIdx } from './datasets/idx.ts';
export { type ImageFolderOptions, isImageFolder, loadImageFolder } from './datasets/image-folder.ts';
export { DATASET_NAMES, debianFashionMnistDir, type LoadDatasetOptions, loadDataset } from './datasets/load.ts';
export { createOps } from './engine/ops.ts';
export {
  checkArchitecture,
  ENGINE_DEFAULTS,
  evaluateAccuracy,
  resolveHyper,
  resolveTraining,
  type TrainOptions,
  type TrainResult,
  trainNetwork,
} from './engine/train.ts';
export { LEARNING_ERROR_CODES } from './errors.ts';
export { encodeOnnx, exportedLayerNames, ONNX_INPUT_NAME, ONNX_OPSET } from './export/onnx.ts';
export { parseHyperText } from './hyper-text.ts';
export {
  ACTIVATION_NAMES,
  type ActivationLayer,
  type ActivationName,
  ARCHITECTURE_NAMES,
  type ArchitectureName,
  type Block,
  blocks,
  type Conv2dLayer,
  createParam,
  type DenseLayer,
  type FlattenLayer,
  type ForwardState,
  isParametric,
  type Layer,
  layerInput,
  logitsOf,
  type Network,
  networkParams,
  type Param,
  type ParametricLayer,
  type PoolLayer,
} from './network.ts';
export type {
  Batch,
  CustomRule,
  CustomTrainContext,
  CustomTrainResult,
  EngineOps,
  Hyper,
  HyperParameterSpec,
  HyperValue,
  LearningRule,
  LossName,
  OptimizerName,
  RuleCriteria,
  RuleDeclaration,
  RuleInstance,
  RuleSetupContext,
  RuleStepContext,
  StepResult,
  TrainingDefaults,
  UpdateRule,
} from './rule.ts';
export { getRule, RULES, ruleNames } from './rules/index.ts';
export { stdpOutputPaths } from './rules/stdp.ts';
export { type StdpResponseOptions, stdpSpikeCounts } from './rules/stdp-responses.ts';
export { defaultCheckpointPath, type RunOptions, type RunSummary, runTraining, sidecarPath } from './run.ts';
export { dtypeOfTensor, rowsOf, sizeOf, type Tensor, tensor, zerosTensor } from './tensor.ts';
export { runTrainingInWorker } from './worker.ts';
