/**
 * @concord/learning: a float32 training engine on core's kernels, learning rules (each declaring the three
 * plausibility criteria of Lv et al. 2024), image datasets, and ONNX export of trained networks.
 */
export {};
