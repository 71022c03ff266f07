/**
 * rdms.json beside the results: the RDMs a reader wants to look at (the subjects' mean hIT RDM and each rule's
 * cross-validated best layer, first seed) as square matrices with the stimulus labels, in the format the web page
 * draws as heatmaps (services/api README: `{"rdms": [{"title", "labels", "rdm", "dataset"?}]}`). Values are
 * rounded to 5 significant digits: this file is for viewing; results.json and the store hold the exact values.
 */
import { vectorToMatrix } from '@concord/rsa';

export interface RdmEntry {
  title: string;
  /** Upper triangle, row-major (scipy squareform order). */
  vector: ArrayLike<number>;
  dataset?: string;
}

function square(v: ArrayLike<number>, n: number): number[][] {
  return vectorToMatrix(v, n)
    .toArray()
    .map((row) => row.map((x) => Number(x.toPrecision(5))));
}

/** The document; entries whose vector does not fit the labels, or holds a non-finite value, are left out. */
export function rdmsDocument(labels: string[], entries: RdmEntry[]): { rdms: unknown[] } {
  const n = labels.length;
  const pairs = (n * (n - 1)) / 2;
  const rdms = entries
    .filter((e) => e.vector.length === pairs && Array.from(e.vector).every(Number.isFinite))
    .map((e) => ({
      title: e.title,
      labels,
      rdm: square(e.vector, n),
      ...(e.dataset ? { dataset: e.dataset } : {}),
    }));
  return { rdms };
}
