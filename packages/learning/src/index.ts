/**
 * @concord/learning: a float32 training engine on core's kernels, learning rules (each declaring the three
 * plausibility criteria of Lv et al. 2024), image datasets, and ONNX export of trained networks.
 */
export * from './dataset.ts';
export * from './network.ts';
export * from './rule.ts';
export { getRule, RULES, ruleNames } from './rules/index.ts';
export * from './tensor.ts';
