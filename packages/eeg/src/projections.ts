/**
 * SSP projections as MNE applies them (raw.apply_proj(), mne.io.proj._make_projector): every projection vector is
 * restricted to the recording's good channels and scaled to unit length; the vectors are orthogonalised by an SVD
 * whose singular values below 1% of the largest are dropped; the data are multiplied by P = I − U·Uᵀ. Channels
 * no projection names pass through unchanged.
 */
import { Matrix, matmul, ParameterError, svd } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';
import { type Projection, Raw } from './raw.ts';

/** P = I − U·Uᵀ over `chNames` (nChannels × nChannels), or null when no projection touches a good channel. */
export function makeProjector(
  projs: readonly Projection[],
  chNames: readonly string[],
  bads: readonly string[] = [],
): Matrix | null {
  const nch = chNames.length;
  const bad = new Set(bads);
  const columns: Float64Array[] = [];
  for (const [k, p] of projs.entries()) {
    if (new Set(p.channels).size !== p.channels.length)
      throw new ParameterError(EEG_ERRORS.badParameter, 'projs', `projection item ${k} names a channel twice`);
    const at = new Map(p.channels.map((c, i) => [c, i]));
    for (let v = 0; v < p.nVectors; v++) {
      const col = new Float64Array(nch);
      chNames.forEach((name, c) => {
        const i = at.get(name);
        if (i !== undefined && !bad.has(name)) col[c] = p.vectors[v * p.channels.length + i];
      });
      let norm = 0;
      for (const x of col) norm += x * x;
      norm = Math.sqrt(norm);
      if (norm > 0) {
        for (let c = 0; c < nch; c++) col[c] /= norm;
        columns.push(col);
      }
    }
  }
  if (columns.length === 0) return null;
  const vecs = Matrix.zeros(nch, columns.length);
  columns.forEach((col, j) => {
    for (let c = 0; c < nch; c++) vecs.data[c * columns.length + j] = col[c];
  });
  const { u, s } = svd(vecs);
  let keep = 0;
  while (keep < s.length && s[keep] / s[0] > 1e-2) keep++;
  if (keep >= nch)
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'projs',
      `applying ${keep} projection vectors to ${nch} channels would leave no components`,
    );
  const projector = Matrix.identity(nch);
  for (let i = 0; i < nch; i++)
    for (let j = 0; j < nch; j++) {
      let d = 0;
      for (let k = 0; k < keep; k++) d += u.data[i * u.cols + k] * u.data[j * u.cols + k];
      projector.data[i * nch + j] -= d;
    }
  return projector;
}

/** raw.apply_proj(): the data projected by every projection of raw.info.projs (then marked active). */
export function applyProj(raw: Raw): Raw {
  const projs = raw.info.projs ?? [];
  const projector = makeProjector(projs, raw.info.chNames, raw.info.bads);
  if (!projector) return raw;
  const projected = matmul(projector, raw.getData());
  return Raw.fromArray(projected, { ...raw.info, projs: projs.map((p) => ({ ...p, active: true })) }, raw.annotations);
}
