/**
 * @concord/activations: run trained networks (ONNX, TensorFlow.js) on stimuli and turn every layer into a Dataset;
 * read activation files other tools wrote.
 */

export * from './activation-files.ts';
export { BUNDLED_MODELS, type BundledModelName, writeBundledModel } from './bundled-models.ts';
export * from './cache.ts';
export * from './errors.ts';
export { type ExtractOptions, type ExtractResult, extractActivations, type LayerRecord } from './extract.ts';
export type { ImageOptions } from './images.ts';
export { IncrementalPca } from './incremental-pca.ts';
export { type LoadModelOptions, loadModel, type Model } from './load-model.ts';
export * from './model.ts';
export type { Dim, LayerInfo, OnnxGraphInfo, TensorInfo } from './onnx-graph.ts';
export { decodeOnnxModel, describeOnnxGraph, withExtraOutputs } from './onnx-graph.ts';
export { loadOnnxModel, ONNX_RUNTIME, OnnxModel, type OnnxModelOptions } from './onnx-model.ts';
export * from './preprocess.ts';
export * from './reductions.ts';
export * from './stimuli.ts';
export { loadTfjsModel, TFJS_RUNTIME, TfjsModel, tfjsBackend } from './tfjs-model.ts';
