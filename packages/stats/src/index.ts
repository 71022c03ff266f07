/**
 * @concord/stats: model evaluation with rsatoolbox's semantics (bootstrap, tests on results, flexible models),
 * permutation and cluster-based permutation tests with MNE's semantics, and multiple-comparison corrections.
 */

export * from './bootstrap-sample.ts';
export * from './cluster-test.ts';
export * from './clusters.ts';
export * from './crossval.ts';
export * from './distributions.ts';
export * from './errors.ts';
export * from './evaluate.ts';
export * from './evaluation-result.ts';
export * from './flexible-models.ts';
export * from './models.ts';
export * from './multiple-comparisons.ts';
export * from './one-sample-t.ts';
export * from './parallel.ts';
export * from './permutation-t-test.ts';
export * from './rdm-permutation-test.ts';
export * from './sign-flips.ts';
