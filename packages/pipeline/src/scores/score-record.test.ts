/** The metric vocabulary and the score record: names from options, both studies' rows as records. */
import { describe, expect, it } from 'vitest';
import { METRIC_FAMILIES, metricFamily, metricName, metricSelects, parseMetricName } from './metrics.ts';
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
    expect(metricFamily('cka')).toBeUndefined();
  });

  it("names what only the service's compute routes produce in the same table", () => {
    expect(metricName({ type: 'rdm', method: 'crossnobis' })).toBe('rdm:crossnobis');
    expect(metricName({ type: 'noise-ceiling', compare: 'corr' })).toBe('noise-ceiling:corr');
    expect(metricName({ type: 'similarity', method: 'procrustes' })).toBe('similarity:procrustes');
    // the similarity package's cka, ridge and pls are the study's computations, so they get the study's names
    expect(metricName({ type: 'similarity', method: 'cka', kernel: 'rbf' })).toBe('cka:rbf');
    expect(metricName({ type: 'similarity', method: 'pls' })).toBe('encoding:pls');
    // every family's example is a name of that family that parses
    for (const f of METRIC_FAMILIES) {
      expect(metricFamily(f.example)).toBe(f.family);
      expect(parseMetricName(f.example)?.family).toBe(f.family);
    }
  });

  it('parses names back into their options', () => {
    expect(parseMetricName('rsa:euclidean/corr_cov')).toEqual({
      family: 'rsa',
      modelRdmMethod: 'euclidean',
      compare: 'corr_cov',
    });
    expect(parseMetricName('cka:rbf:debiased')).toEqual({ family: 'cka', kernel: 'rbf', debiased: true });
    expect(parseMetricName('cka:linear')).toEqual({ family: 'cka', kernel: 'linear', debiased: false });
    expect(parseMetricName('rdm:poisson_cv')).toEqual({ family: 'rdm', method: 'poisson_cv' });
    for (const bad of ['rsa:spearman', 'rsa:/spearman', 'cka:', 'cka::debiased', 'spearman', 'magic:x', ''])
      expect(parseMetricName(bad), bad).toBeUndefined();
  });

  it('bare names select into the vocabulary (the filter aliases of GET /v1/scores)', () => {
    const names = [
      'rsa:correlation/spearman',
      'rsa:unspecified/spearman',
      'rsa:euclidean/corr',
      'cka:linear',
      'cka:rbf:debiased',
      'encoding:ridge',
      'rdm:euclidean',
      'noise-ceiling:spearman',
      'similarity:procrustes',
      'spearman', // a row written before the vocabulary
    ];
    const selected = (filter: string) => names.filter((n) => metricSelects(filter, n));
    expect(selected('spearman')).toEqual(['rsa:correlation/spearman', 'rsa:unspecified/spearman', 'spearman']);
    expect(selected('cka')).toEqual(['cka:linear', 'cka:rbf:debiased']);
    expect(selected('rsa')).toEqual(['rsa:correlation/spearman', 'rsa:unspecified/spearman', 'rsa:euclidean/corr']);
    expect(selected('corr')).toEqual(['rsa:euclidean/corr']);
    expect(selected('ridge')).toEqual(['encoding:ridge']);
    expect(selected('euclidean')).toEqual(['rdm:euclidean']);
    expect(selected('procrustes')).toEqual(['similarity:procrustes']);
    expect(selected('noise-ceiling')).toEqual(['noise-ceiling:spearman']);
    // full names select exactly themselves
    expect(selected('cka:linear')).toEqual(['cka:linear']);
    expect(selected('rsa:correlation/spearman')).toEqual(['rsa:correlation/spearman']);
    expect(selected('linear')).toEqual([]);
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
