/**
 * The metric name a compute route stores, in the pipeline's vocabulary (@concord/pipeline scores/metrics.ts), from
 * the request parameters it records as provenance. One function for the routes and for migration 4, which renames
 * the scores stored before the vocabulary ('cka' for every kernel, bare method names such as 'spearman').
 */
import { metricName, UNSPECIFIED_RDM_METHOD } from '@concord/pipeline';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The vocabulary name of what `endpoint` computed with `parameters`; undefined for a route that stores no score. */
export function vocabularyMetric(endpoint: string, parameters: Record<string, unknown>): string | undefined {
  const p = parameters;
  switch (endpoint) {
    case '/v1/rdm':
      return metricName({ type: 'rdm', method: str(p.method) });
    case '/v1/compare':
      return metricName({
        type: 'rsa',
        modelRdmMethod: str(p.modelRdmMethod) ?? UNSPECIFIED_RDM_METHOD,
        compare: str(p.method),
      });
    case '/v1/noise-ceiling':
      return metricName({ type: 'noise-ceiling', compare: str(p.method) });
    case '/v1/cka':
      return metricName({ type: 'cka', kernel: str(p.kernel), debiased: p.debiased === true });
    case '/v1/similarity': {
      const o = (typeof p.options === 'object' && p.options !== null ? p.options : {}) as Record<string, unknown>;
      return metricName({
        type: 'similarity',
        method: str(p.metric),
        kernel: str(o.kernel),
        debiased: o.debiased === true,
      });
    }
    default:
      return undefined;
  }
}
