/**
 * @concord/learning: a float32 training engine on core's kernels, learning rules (each declaring the three
 * plausibility criteria of Lv et al. 2024), image datasets, and ONNX export of trained networks.
 */

export { buildNetwork, DEFAULT_MLP_HIDDEN } from './architectures.ts';
export * from './dataset.ts';
export { decodeCifar } from './datasets/cifar.ts';
export { decodeIdx, readIdx } from './datasets/idx.ts';
export { DATASET_NAMES, debianFashionMnistDir, loadDataset } from './datasets/load.ts';
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
export * from './network.ts';
export * from './rule.ts';
export { getRule, RULES, ruleNames } from './rules/index.ts';
export { type RunOptions, type RunSummary, runTraining, sidecarPath } from './run.ts';
export * from './tensor.ts';
export { runTrainingInWorker } from './worker.ts';
