/**
 * Model RDMs: categorical models (rsatoolbox.rdm.get_categorical_rdm): dissimilarity 0 within a category, 1
 * between categories. Entries may be arrays (several category labels per condition): 1 when any label differs.
 */
import { type DescriptorValue, Matrix } from '@concord/core';
import { Rdms } from './rdms.ts';

export function categoricalRdm(
  categories: readonly (DescriptorValue | readonly DescriptorValue[])[],
  categoryName = 'category',
): Rdms {
  const n = categories.length;
  const v = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = categories[i];
      const b = categories[j];
      v[k++] = Array.isArray(a) && Array.isArray(b) ? (a.some((x, t) => x !== b[t]) ? 1 : 0) : a !== b ? 1 : 0;
    }
  }
  const labels = categories.map((c) => (Array.isArray(c) ? c.join('|') : (c as DescriptorValue)));
  return new Rdms(Matrix.fromVector(v, true), {
    dissimilarityMeasure: 'categorical',
    patternDescriptors: { [categoryName]: labels },
  });
}
