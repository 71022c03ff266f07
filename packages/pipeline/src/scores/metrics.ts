/**
 * One metric vocabulary for the study, the API and the CLI: a metric is named `<family>:<options>` —
 * `rsa:<model RDM method>/<comparator>` (rsa:correlation/spearman), `cka:<kernel>[:debiased]` (cka:linear),
 * `encoding:<model>` (encoding:ridge). Scores computed by any route carry these names, so they can be stored,
 * queried and joined together.
 */
export interface MetricFamily {
  family: 'rsa' | 'cka' | 'encoding';
  /** The name pattern. */
  pattern: string;
  description: string;
  /** The family's defaults, as the name spells them. */
  example: string;
}

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  {
    family: 'rsa',
    pattern: 'rsa:<rdmMethod>/<comparator>',
    description: 'representational similarity: an RDM per layer, compared with the brain RDM (rsatoolbox)',
    example: 'rsa:correlation/spearman',
  },
  {
    family: 'cka',
    pattern: 'cka:<kernel>[:debiased]',
    description: 'centered kernel alignment (Kornblith et al. 2019); kernel linear or rbf',
    example: 'cka:linear',
  },
  {
    family: 'encoding',
    pattern: 'encoding:<model>',
    description: 'cross-validated encoding model from layer to brain responses; ridge or pls',
    example: 'encoding:ridge',
  },
];

/** The name of a metric from its options (the study file's metric entry, the API's method/kernel fields). */
export function metricName(m: {
  type: 'rsa' | 'cka' | 'encoding';
  modelRdmMethod?: string;
  compare?: string;
  kernel?: string;
  debiased?: boolean;
  model?: string;
}): string {
  if (m.type === 'rsa') return `rsa:${m.modelRdmMethod ?? 'correlation'}/${m.compare ?? 'spearman'}`;
  if (m.type === 'cka') return `cka:${m.kernel ?? 'linear'}${m.debiased ? ':debiased' : ''}`;
  return `encoding:${m.model ?? 'ridge'}`;
}

/** The family of a metric name ('rsa:correlation/spearman' → 'rsa'); undefined for a name outside the table. */
export function metricFamily(name: string): MetricFamily['family'] | undefined {
  const f = name.split(':')[0];
  return METRIC_FAMILIES.find((m) => m.family === f)?.family;
}
