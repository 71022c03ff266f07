/**
 * @concord/activations: run trained networks (ONNX, TensorFlow.js) on stimuli and turn every layer into a Dataset;
 * read activation files other tools wrote.
 */

export {
  type ActivationManifest,
  type LayerEntry,
  layerKeys,
  type Provenance,
  provenancePath,
  readActivations,
  writeActivations,
} from './activation-files.ts';
export { BUNDLED_MODELS, type BundledModelName, writeBundledModel } from './bundled-models.ts';
export { cacheKey, type ExtractOutcome, type ExtractToOptions, extractToFile, extractWithProvenance } from './cache.ts';
export { ACTIVATIONS_ERRORS } from './errors.ts';
export { type ExtractOptions, type ExtractResult, extractActivations, type LayerRecord } from './extract.ts';
export type { ImageOptions } from './images.ts';
export { IncrementalPca } from './incremental-pca.ts';
export { type LoadModelOptions, loadModel, type Model } from './load-model.ts';
export {
  type ActivationModel,
  arrayDtype,
  checkInputBatch,
  checkLayerNames,
  formatShape,
  type InputBatch,
  type LayerOutput,
  type ModelFormat,
  singleInput,
} from './model.ts';
export type { Dim, LayerInfo, OnnxGraphInfo, TensorInfo } from './onnx-graph.ts';
export { decodeOnnxModel, describeOnnxGraph, withExtraOutputs } from './onnx-graph.ts';
export { loadOnnxModel, ONNX_RUNTIME, OnnxModel, type OnnxModelOptions } from './onnx-model.ts';
export {
  LAYOUTS,
  type Layout,
  type PixelOptions,
  type ResolvedPixelOptions,
  resolvePixelOptions,
  writePixels,
} from './preprocess.ts';
export {
  checkReduceSpec,
  globalAveragePool,
  REDUCE_KINDS,
  type ReduceSpec,
  type RowTransform,
  randomProjection,
  randomProjectionMatrix,
} from './reductions.ts';
export {
  type LoadStimuliOptions,
  loadStimuli,
  type Stimuli,
  sliceStimuli,
  stimuliFromArray,
  stimuliFromGenerator,
} from './stimuli.ts';
export { loadTfjsModel, TFJS_RUNTIME, TfjsModel, tfjsBackend } from './tfjs-model.ts';
