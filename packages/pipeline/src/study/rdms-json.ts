/**
 * rdms.json beside the results: the RDMs a reader wants to look at (learning-rule study: the subjects' mean hIT RDM
 * and each rule's cross-validated best layer, first seed; comparison study: each brain dataset's mean RDM and the
 * RDMs of its best and true layers) as square matrices with the stimulus labels, in the format the web page
 * draws as heatmaps (services/api README: `{"rdms": [{"title", "labels", "rdm", "dataset"?}]}`). Values are
 * rounded to 5 significant digits: this file is for viewing; results.json and the store hold the exact values.
 */
import { vectorToMatrix } from '@concord/rsa';

export interface RdmEntry {
  title: string;
  /** Upper triangle, row-major (scipy squareform order). */
  vector: ArrayLike<number>;
  dataset?: string;
  /** This RDM's condition labels when they differ from the document's (e.g. brain datasets with other conditions). */
  labels?: string[];
}

function square(v: ArrayLike<number>, n: number): number[][] {
  return vectorToMatrix(v, n)
    .toArray()
    .map((row) => row.map((x) => Number(x.toPrecision(5))));
}

/** The document; entries whose vector does not fit their labels, or holds a non-finite value, are left out. */
export function rdmsDocument(labels: string[], entries: RdmEntry[]): { rdms: unknown[] } {
  const rdms = entries.flatMap((e) => {
    const own = e.labels ?? labels;
    const n = own.length;
    if (e.vector.length !== (n * (n - 1)) / 2 || !Array.from(e.vector).every(Number.isFinite)) return [];
    return [{ title: e.title, labels: own, rdm: square(e.vector, n), ...(e.dataset ? { dataset: e.dataset } : {}) }];
  });
  return { rdms };
}
