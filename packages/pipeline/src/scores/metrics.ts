/**
 * One metric vocabulary for the study, the API and the CLI: a metric is named `<family>:<options>` —
 * `rsa:<model RDM method>/<comparator>` (rsa:correlation/spearman), `cka:<kernel>[:debiased]` (cka:linear),
 * `encoding:<model>` (encoding:ridge) — and, for what only the HTTP service's compute routes produce,
 * `rdm:<method>`, `noise-ceiling:<comparator>` and `similarity:<metric>`. Scores computed by any route carry these
 * names, so they can be stored, queried and joined together.
 */
export interface MetricFamily {
  family: 'rsa' | 'cka' | 'encoding' | 'rdm' | 'noise-ceiling' | 'similarity';
  /** The name pattern. */
  pattern: string;
  description: string;
  /** The family's defaults, as the name spells them. */
  example: string;
  /** Who computes metrics of this family: the study pipeline and/or the service's compute routes. */
  producedBy: readonly string[];
}

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  {
    family: 'rsa',
    pattern: 'rsa:<rdmMethod>/<comparator>',
    description:
      'representational similarity: an RDM per layer, compared with the brain RDM (rsatoolbox); POST /v1/compare names the RDM method of `a` with modelRdmMethod, else `unspecified`',
    example: 'rsa:correlation/spearman',
    producedBy: ['study', 'POST /v1/compare'],
  },
  {
    family: 'cka',
    pattern: 'cka:<kernel>[:debiased]',
    description: 'centered kernel alignment (Kornblith et al. 2019); kernel linear or rbf',
    example: 'cka:linear',
    producedBy: ['study', 'POST /v1/cka', 'POST /v1/similarity (metric cka)'],
  },
  {
    family: 'encoding',
    pattern: 'encoding:<model>',
    description: 'cross-validated encoding model from layer to brain responses; ridge or pls',
    example: 'encoding:ridge',
    producedBy: ['study', 'POST /v1/similarity (metric ridge or pls)'],
  },
  {
    family: 'rdm',
    pattern: 'rdm:<method>',
    description: 'an RDM on its own (rsatoolbox calc_rdm); its stored value is the mean dissimilarity',
    example: 'rdm:euclidean',
    producedBy: ['POST /v1/rdm'],
  },
  {
    family: 'noise-ceiling',
    pattern: 'noise-ceiling:<comparator>',
    description: 'noise ceiling of subject RDMs (rsatoolbox boot_noise_ceiling); its stored value is the lower bound',
    example: 'noise-ceiling:spearman',
    producedBy: ['POST /v1/noise-ceiling'],
  },
  {
    family: 'similarity',
    pattern: 'similarity:<metric>',
    description: 'the other metrics of @concord/similarity (svcca, pwcca, cca, procrustes, angular, mutual_knn, cknna)',
    example: 'similarity:procrustes',
    producedBy: ['POST /v1/similarity'],
  },
];

/** The RDM method of a comparison whose request did not say how its RDMs were computed. */
export const UNSPECIFIED_RDM_METHOD = 'unspecified';

/**
 * The name of a metric from its options (the study file's metric entry, the API's method/kernel fields). `method`
 * is the RDM method (rdm) or the similarity package's metric (similarity: `cka`, `ridge` and `pls` are named as
 * their own families, since they are the same computations as the study's).
 */
export function metricName(m: {
  type: MetricFamily['family'];
  modelRdmMethod?: string;
  compare?: string;
  kernel?: string;
  debiased?: boolean;
  model?: string;
  method?: string;
}): string {
  switch (m.type) {
    case 'rsa':
      return `rsa:${m.modelRdmMethod ?? 'correlation'}/${m.compare ?? 'spearman'}`;
    case 'cka':
      return `cka:${m.kernel ?? 'linear'}${m.debiased ? ':debiased' : ''}`;
    case 'encoding':
      return `encoding:${m.model ?? 'ridge'}`;
    case 'rdm':
      return `rdm:${m.method ?? 'euclidean'}`;
    case 'noise-ceiling':
      return `noise-ceiling:${m.compare ?? 'spearman'}`;
    case 'similarity': {
      const method = m.method ?? 'cka';
      if (method === 'cka') return metricName({ type: 'cka', kernel: m.kernel, debiased: m.debiased });
      if (method === 'ridge' || method === 'pls') return metricName({ type: 'encoding', model: method });
      return `similarity:${method}`;
    }
  }
}

/** The family of a metric name ('rsa:correlation/spearman' → 'rsa'); undefined for a name outside the table. */
export function metricFamily(name: string): MetricFamily['family'] | undefined {
  const i = name.indexOf(':');
  if (i <= 0) return undefined;
  const f = name.slice(0, i);
  return METRIC_FAMILIES.find((m) => m.family === f)?.family;
}

/** A metric name split into its options. */
export type ParsedMetric =
  | { family: 'rsa'; modelRdmMethod: string; compare: string }
  | { family: 'cka'; kernel: string; debiased: boolean }
  | { family: 'encoding'; model: string }
  | { family: 'rdm' | 'similarity'; method: string }
  | { family: 'noise-ceiling'; compare: string };

/** A metric name split into its options; undefined for a name outside the table. */
export function parseMetricName(name: string): ParsedMetric | undefined {
  const family = metricFamily(name);
  if (family === undefined) return undefined;
  const rest = name.slice(family.length + 1);
  if (rest === '') return undefined;
  switch (family) {
    case 'rsa': {
      const slash = rest.lastIndexOf('/');
      if (slash <= 0 || slash === rest.length - 1) return undefined;
      return { family, modelRdmMethod: rest.slice(0, slash), compare: rest.slice(slash + 1) };
    }
    case 'cka': {
      const debiased = rest.endsWith(':debiased');
      const kernel = debiased ? rest.slice(0, -':debiased'.length) : rest;
      return kernel === '' || kernel.includes(':') ? undefined : { family, kernel, debiased };
    }
    case 'encoding':
      return { family, model: rest };
    case 'noise-ceiling':
      return { family, compare: rest };
    default:
      return { family, method: rest };
  }
}

/**
 * Does a `metric` filter select the metric `name`? A full name selects itself. A bare name (no colon) is an alias
 * into the vocabulary — the names the API stored before it, and the short names people use:
 * a family (`cka` → every `cka:…`, `rsa` → every `rsa:…`), an RSA comparator (`spearman` → every `rsa:…/spearman`),
 * an encoding model (`ridge` → `encoding:ridge`), an RDM method (`euclidean` → `rdm:euclidean`) or another
 * similarity metric (`procrustes` → `similarity:procrustes`). A name outside the table is selected only by itself.
 */
export function metricSelects(filter: string, name: string): boolean {
  if (filter === name) return true;
  if (filter.includes(':')) return false;
  const p = parseMetricName(name);
  if (p === undefined) return false;
  if (p.family === filter) return true;
  switch (p.family) {
    case 'rsa':
      return p.compare === filter;
    case 'encoding':
      return p.model === filter;
    case 'rdm':
    case 'similarity':
      return p.method === filter;
    default:
      return false;
  }
}
