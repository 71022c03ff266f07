/**
 * @concord/stats: model evaluation with rsatoolbox's semantics (bootstrap, tests on results, flexible models),
 * permutation and cluster-based permutation tests with MNE's semantics, and multiple-comparison corrections.
 */

export {
  type BootstrapDraw,
  type BootstrapKind,
  checkDraws,
  distinctCount,
  drawBootstrapSamples,
  type Grouping,
  groupingOf,
  itemMultiplicities,
  sampleItems,
} from './bootstrap-sample.ts';
export {
  type ClusterNullInput,
  type ClusterTestOptions,
  type ClusterTestPlan,
  type ClusterTestResult,
  checkDataMatrix,
  clusterNullChunk,
  clusterNullJob,
  type DataMatrix,
  defaultClusterThreshold,
  finishClusterTest,
  permutationCluster1sampTest,
  permutationCluster1sampTestParallel,
  planClusterTest,
  planPermutations,
} from './cluster-test.ts';
export {
  type Adjacency,
  ClusterFinder,
  type ClusterStructure,
  type ClusterThreshold,
  checkThreshold,
  graphStructure,
  gridAdjacency,
  latticeStructure,
  numpyArange,
  pairwiseSum,
  structureSize,
  type TfceOptions,
} from './clusters.ts';
export {
  type BootstrapCrossvalOptions,
  bootstrapCrossval,
  type CrossvalOptions,
  type CvFold,
  crossval,
  cvNoiseCeiling,
  defaultKPattern,
  defaultKRdm,
  evalDualBootstrapCrossval,
  type Fitter,
  type KFoldOptions,
  SampleRdms,
  setsKFold,
} from './crossval.ts';
export {
  type Alternative,
  chisquareCdf,
  chisquareQuantile,
  fCdf,
  fQuantile,
  normalCdf,
  normalQuantile,
  type TestResult,
  tCdf,
  tQuantile,
  tSf,
  ttest1Samp,
  ttestInd,
  ttestRel,
  wilcoxonSignedRank,
} from './distributions.ts';
export { STATS_ERRORS } from './errors.ts';
export {
  BOOTSTRAP_KINDS,
  type BootstrapOptions,
  type EvalOptions,
  evalBootstrap,
  evalBootstrapParallel,
  evalBootstrapPattern,
  evalBootstrapRdm,
  evalDualBootstrap,
  evalFixed,
} from './evaluate.ts';
export {
  EvaluationResult,
  type NdArray,
  type ResultInit,
  TEST_TYPES,
  type TestOptions,
  type TestType,
} from './evaluation-result.ts';
export {
  fitInterpolate,
  fitOptimize,
  fitRegress,
  fitRegressNn,
  fitSelect,
  ModelInterpolate,
  ModelSelect,
  ModelWeighted,
  predictionOver,
} from './flexible-models.ts';
export { asModels, type FitOptions, type Model, ModelFixed } from './models.ts';
export {
  bonferroni,
  CORRECTION_METHODS,
  type CorrectionMethod,
  type CorrectionResult,
  correctPValues,
  fdrBh,
  fdrBy,
  holm,
  maxStatisticCorrection,
} from './multiple-comparisons.ts';
export { oneSampleT } from './one-sample-t.ts';
export {
  type ChunkedJob,
  type ChunkFunction,
  type ChunkSpec,
  chunkRng,
  chunksOf,
  defaultThreads,
  type RunChunkedOptions,
  runChunked,
  runChunkedSync,
} from './parallel.ts';
export {
  type PermutationTTestOptions,
  type PermutationTTestResult,
  permutationTTest,
  signFlipTest,
} from './permutation-t-test.ts';
export {
  type RdmNullInput,
  type RdmPermutationOptions,
  type RdmPermutationResult,
  rdmNullJob,
  rdmPermutationTest,
  rdmPermutationTestParallel,
} from './rdm-permutation-test.ts';
export {
  checkNPermutations,
  checkTail,
  MAX_EXACT_PATTERNS,
  MAX_PERMUTATIONS,
  maxSignFlipPatterns,
  oneSampleSignFlips,
  type SignFlips,
  type Tail,
} from './sign-flips.ts';
