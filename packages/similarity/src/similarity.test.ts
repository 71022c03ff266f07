import { Dataset, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { angularShapeMetric, cka, meanCca, SIMILARITY_METRICS, similarity } from './index.ts';
import { mix, randn } from './test-data.ts';

describe('similarity() dispatch', () => {
  const rng = new Rng(71);
  const x = randn(rng, 30, 5);
  const y = mix(x, randn(rng, 30, 4), 1);
  it('lists every metric of the issue', () => {
    expect([...SIMILARITY_METRICS].sort()).toEqual([
      'angular',
      'cca',
      'cka',
      'cknna',
      'mutual_knn',
      'pls',
      'procrustes',
      'pwcca',
      'ridge',
      'svcca',
    ]);
  });
  it('forwards options and returns {metric, value, details} under the requested name', () => {
    const r = similarity(x, y, { metric: 'cka', kernel: 'rbf', debiased: true });
    expect(r.metric).toBe('cka');
    expect(r.value).toBe(cka(x, y, { kernel: 'rbf', debiased: true }).value);
    expect(r.details).toMatchObject({ kernel: 'rbf', debiased: true });
    expect(similarity(x, y, { metric: 'cca' }).value).toBe(meanCca(x, y).value);
    expect(similarity(x, y, { metric: 'angular', alpha: 0.5 }).value).toBe(
      angularShapeMetric(x, y, { alpha: 0.5 }).value,
    );
    for (const metric of SIMILARITY_METRICS) {
      const res = similarity(x, y, { metric: metric as never });
      expect(res.metric).toBe(metric);
      expect(Number.isFinite(res.value)).toBe(true);
    }
  });
  it('accepts Datasets (their measurements) and rejects other inputs with a typed error', () => {
    const ds = new Dataset(x);
    expect(similarity(ds, y, { metric: 'cka' }).value).toBe(cka(x, y).value);
    expect(cka(ds, new Dataset(y)).value).toBe(cka(x, y).value);
    expect(() => similarity([[1, 2]] as never, y, { metric: 'cka' })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_INPUT' }),
    );
    expect(() => cka(x, undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_INPUT', message: expect.stringContaining('Y') }),
    );
  });
  it("an unknown metric's error lists the valid ones", () => {
    expect(() => similarity(x, y, { metric: 'rsa' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_UNKNOWN_METRIC', message: expect.stringContaining("'svcca'") }),
    );
  });
});
