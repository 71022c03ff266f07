/**
 * @concord/similarity: representational similarity beyond RDMs — the CKA family, the CCA family, shape metrics,
 * nearest-neighbour alignment and encoding models, all returning `{metric, value, details}`.
 */

export { type Basis, centeredBasis, firstColumns } from './basis.ts';
export { keptDimensions, meanCca, pwcca, svcca } from './cca.ts';
export { CKA_KERNELS, type CkaKernel, type CkaOptions, cka } from './cka.ts';
export {
  centerWithMeans,
  columnPearson,
  type FoldOptions,
  kFoldSplits,
  subtractMeans,
  summarize,
  trainIndices,
} from './cross-validation.ts';
export {
  badOption,
  constantFeatures,
  nonFiniteIntermediate,
  SIMILARITY_ERROR_CODES,
  tooFewExamples,
} from './errors.ts';
export {
  frobeniusInner,
  fullMatrixMedian,
  hsicUnbiased,
  kthSmallest,
  linearKernel,
  median,
  RBF_MEDIANS,
  type RbfMedian,
  rbfKernel,
  rbfSigma,
  symmetricInnerTriplet,
  unbiasedTripletSymmetric,
} from './kernels.ts';
export { cknna, mutualKnn, topKNeighbours } from './knn.ts';
export { MinibatchCka, type MinibatchCkaOptions, minibatchCka } from './minibatch-cka.ts';
export { fitPls, type PlsModel, type PlsOptions, plsEncoding, predictPls } from './pls.ts';
export {
  asMatrix,
  booleanOption,
  checkFinite,
  checkPair,
  checkVariance,
  integerOption,
  positiveNumber,
  type Representation,
  type SimilarityResult,
  unitInterval,
} from './result.ts';
export { DEFAULT_RIDGE_ALPHAS, type RidgeOptions, ridgeEncoding, totalLooErrors } from './ridge.ts';
export { angularShapeMetric, procrustesDistance, whitenedSingularValues } from './shape-metrics.ts';
export { SIMILARITY_METRICS, type SimilarityMetric, type SimilarityOptions, similarity } from './similarity.ts';
