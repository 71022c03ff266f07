/** The metric vocabulary and the score record: names from options, both studies' rows as records. */
import { describe, expect, it } from 'vitest';
import { metricFamily, metricName } from './metrics.ts';
import { SCORE_FIELDS, scoreRecordOf } from './score-record.ts';

describe('metric vocabulary', () => {
  it('names metrics <family>:<options> with the libraries’ defaults', () => {
    expect(metricName({ type: 'rsa' })).toBe('rsa:correlation/spearman');
    expect(metricName({ type: 'rsa', modelRdmMethod: 'euclidean', compare: 'corr_cov' })).toBe(
      'rsa:euclidean/corr_cov',
    );
    expect(metricName({ type: 'cka', kernel: 'rbf', debiased: true })).toBe('cka:rbf:debiased');
    expect(metricName({ type: 'encoding', model: 'pls' })).toBe('encoding:pls');
    expect(metricFamily('cka:linear')).toBe('cka');
    expect(metricFamily('magic')).toBeUndefined();
  });
});

describe('score record', () => {
  it('reads a comparison-study row and a learning-rule-study row into the same fields', () => {
    const comparison = scoreRecordOf({
      network: 'mnv2',
      layer: 'block_5_add',
      layerIndex: 1,
      dataset: 'eeg',
      modality: 'eeg',
      region: 'all',
      time: 0.12,
      metric: 'rsa:euclidean/spearman',
      value: 0.3,
      sem: 0.05,
      nSubjects: 3,
      ceilingLower: 0.4,
      ceilingUpper: 0.6,
    });
    expect(comparison).toEqual({
      network: 'mnv2',
      layer: 'block_5_add',
      dataset: 'eeg',
      region: 'all',
      time: 0.12,
      metric: 'rsa:euclidean/spearman',
      value: 0.3,
      sem: 0.05,
      ciLower: null,
      ciUpper: null,
      nSubjects: 3,
      ceilingLower: 0.4,
      ceilingUpper: 0.6,
    });
    const learning = scoreRecordOf({
      network: 'bp-seed-0',
      rule: 'bp',
      layer: 'h1',
      dataset: 'hIT',
      subjectCount: 4,
      metric: 'rsa:correlation/spearman',
      value: 0.1,
      ciLower: 0.02,
      ciUpper: 0.18,
      ceilingLower: null,
      ceilingUpper: 0.5,
    });
    expect(learning).toMatchObject({ nSubjects: 4, ciLower: 0.02, ciUpper: 0.18, region: null, time: null });
    expect(Object.keys(learning)).toEqual([...SCORE_FIELDS]);
  });
});
