/**
 * The one-sample t statistic per column of a subjects × tests matrix, with numpy's operation order (as MNE's
 * `ttest_1samp_no_p`: mean over subjects summed row by row, variance by the two-pass formula with ddof 1), so the
 * values equal MNE's bit for bit and permutation statistics tie exactly where MNE's do. Optional per-subject signs
 * give the statistic of a sign-flipped data set without copying it.
 */
export function oneSampleT(
  data: Float64Array,
  nSubjects: number,
  nTests: number,
  out: Float64Array,
  signs?: Int8Array,
  signOffset = 0,
  mean: Float64Array = new Float64Array(nTests),
  sq: Float64Array = new Float64Array(nTests),
): Float64Array {
  const n = nSubjects;
  mean.fill(0);
  for (let i = 0; i < n; i++) {
    const s = signs ? signs[signOffset + i] : 1;
    const row = i * nTests;
    if (s > 0) for (let j = 0; j < nTests; j++) mean[j] += data[row + j];
    else for (let j = 0; j < nTests; j++) mean[j] += -data[row + j];
  }
  for (let j = 0; j < nTests; j++) mean[j] /= n;
  sq.fill(0);
  for (let i = 0; i < n; i++) {
    const s = signs ? signs[signOffset + i] : 1;
    const row = i * nTests;
    if (s > 0) {
      for (let j = 0; j < nTests; j++) {
        const d = data[row + j] - mean[j];
        sq[j] += d * d;
      }
    } else {
      for (let j = 0; j < nTests; j++) {
        const d = -data[row + j] - mean[j];
        sq[j] += d * d;
      }
    }
  }
  for (let j = 0; j < nTests; j++) out[j] = mean[j] / Math.sqrt(sq[j] / (n - 1) / n);
  return out;
}
