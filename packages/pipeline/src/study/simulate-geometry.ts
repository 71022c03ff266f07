/**
 * Brain patterns with a known representational geometry: the condition patterns of a network layer, embedded
 * exactly (up to an orthogonal rotation, so every Euclidean distance is kept) into a number of channels or
 * voxels. With n conditions the centred patterns span at most n − 1 dimensions, so any channel count ≥ n − 1
 * keeps the geometry exactly; fewer channels keep the leading principal components.
 */
import { centerColumns, Matrix, type Rng, svd } from '@concord/core';

/** A random matrix with orthonormal rows (r × p, r ≤ p), by Gram–Schmidt on Gaussian rows. */
export function randomOrthonormalRows(r: number, p: number, rng: Rng): Matrix {
  const q = Matrix.zeros(r, p);
  for (let i = 0; i < r; i++) {
    const row = q.row(i);
    for (;;) {
      rng.fillNormal(row as Float64Array);
      for (let k = 0; k < i; k++) {
        const prev = q.row(k);
        let dot = 0;
        for (let j = 0; j < p; j++) dot += row[j] * prev[j];
        for (let j = 0; j < p; j++) row[j] -= dot * prev[j];
      }
      let norm = 0;
      for (let j = 0; j < p; j++) norm += row[j] * row[j];
      norm = Math.sqrt(norm);
      if (norm > 1e-8) {
        for (let j = 0; j < p; j++) row[j] /= norm;
        break;
      }
    }
  }
  return q;
}

/**
 * The layer's centred patterns in the basis of their principal axes (n × rank): the same pairwise distances and the
 * same centred Gram matrix as the layer itself, in at most n − 1 columns. Linear/RBF CKA, Euclidean RDMs and
 * kernel-form ridge regression depend on a layer only through these, so they can run on the scores instead of
 * on hundreds of thousands of units.
 */
export function principalScores(layer: Matrix, maxComponents = Infinity): Matrix {
  const centred = centerColumns(layer, 'float64');
  const { u, s } = svd(centred);
  const tol = (s[0] ?? 0) * 1e-10;
  let rank = 0;
  while (rank < s.length && s[rank] > tol) rank++;
  const r = Math.min(rank, maxComponents);
  const n = layer.rows;
  const scores = Matrix.zeros(n, r);
  for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) scores.data[i * r + k] = u.data[i * u.cols + k] * s[k];
  return scores;
}

/**
 * n × channels patterns whose Euclidean geometry equals that of the layer's centred patterns (n × units), scaled
 * so the patterns' mean squared value is 1 (unit signal power per channel).
 */
export function embedGeometry(layer: Matrix, channels: number, rng: Rng): Matrix {
  const scores = principalScores(layer, channels);
  const r = scores.cols;
  const n = layer.rows;
  const q = randomOrthonormalRows(r, channels, rng);
  const out = Matrix.zeros(n, channels);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < r; k++) {
      const a = scores.data[i * r + k];
      const qk = q.row(k);
      for (let j = 0; j < channels; j++) out.data[i * channels + j] += a * qk[j];
    }
  }
  let power = 0;
  for (let i = 0; i < out.data.length; i++) power += out.data[i] ** 2;
  const scale = power > 0 ? 1 / Math.sqrt(power / out.data.length) : 1;
  for (let i = 0; i < out.data.length; i++) out.data[i] *= scale;
  return out;
}
