/**
 * One entry point for every metric: `similarity(x, y, {metric, ...options})`, dispatched through a table so an
 * unknown metric's error lists the valid ones.
 */
import { checkChoice, type Matrix } from '@concord/core';
import { meanCca, pwcca, svcca } from './cca.ts';
import { type CkaOptions, cka } from './cka.ts';
import { SIMILARITY_ERROR_CODES } from './errors.ts';
import { cknna, mutualKnn } from './knn.ts';
import { type PlsOptions, plsEncoding } from './pls.ts';
import { asMatrix, type Representation, type SimilarityResult } from './result.ts';
import { type RidgeOptions, ridgeEncoding } from './ridge.ts';
import { angularShapeMetric, procrustesDistance } from './shape-metrics.ts';

type MetricFn = (x: Matrix, y: Matrix, opts: Record<string, unknown>) => SimilarityResult;

const METRICS: Record<string, MetricFn> = {
  cka: (x, y, o) => cka(x, y, o as CkaOptions),
  svcca: (x, y, o) => svcca(x, y, o),
  pwcca: (x, y) => pwcca(x, y),
  cca: (x, y) => meanCca(x, y),
  procrustes: (x, y, o) => procrustesDistance(x, y, o),
  angular: (x, y, o) => angularShapeMetric(x, y, o),
  mutual_knn: (x, y, o) => mutualKnn(x, y, o),
  cknna: (x, y, o) => cknna(x, y, o),
  ridge: (x, y, o) => ridgeEncoding(x, y, o as RidgeOptions),
  pls: (x, y, o) => plsEncoding(x, y, o as PlsOptions),
};

/** Every metric name `similarity()` accepts. */
export const SIMILARITY_METRICS: readonly string[] = Object.keys(METRICS);

export type SimilarityMetric =
  | 'cka'
  | 'svcca'
  | 'pwcca'
  | 'cca'
  | 'procrustes'
  | 'angular'
  | 'mutual_knn'
  | 'cknna'
  | 'ridge'
  | 'pls';

export interface SimilarityOptions {
  metric: SimilarityMetric;
  [option: string]: unknown;
}

/**
 * Compare X (n×p) with Y (n×q) by the named metric; the other options go to that metric's function. X and Y may be
 * Matrices or Datasets (their measurements; rows = observations must correspond).
 */
export function similarity(x: Representation, y: Representation, opts: SimilarityOptions): SimilarityResult {
  const metric = checkChoice('metric', opts?.metric, SIMILARITY_METRICS, SIMILARITY_ERROR_CODES.unknownMetric);
  const { metric: _m, ...rest } = opts;
  const r = METRICS[metric](asMatrix(x, 'X'), asMatrix(y, 'Y'), rest);
  return { ...r, metric };
}
