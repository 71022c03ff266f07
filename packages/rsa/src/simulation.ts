/**
 * Simulated datasets with a chosen representational geometry (rsatoolbox.simulation.sim make_design /
 * make_dataset): true patterns U (nCond × nChannels) with second moment U·Uᵀ/nChannels ≈ G = −½·H·D·H for the
 * model RDM D (squared-Euclidean semantics), observations = U of their condition × √signal + Gaussian noise ×
 * √noise. Seeded (core Rng); random streams differ from numpy's, so values are not those of rsatoolbox.
 */
import { cholesky, Dataset, eigh, Matrix, matmul, ParameterError, Rng } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { Rdms } from './rdms.ts';
import { checkedConditions } from './squareform.ts';

export interface Design {
  /** Condition of every observation (0..nCond-1), partitions in blocks. */
  condVec: number[];
  /** Partition (run) of every observation. */
  partVec: number[];
}

/** nCond conditions in each of nPart partitions (rsatoolbox make_design). */
export function makeDesign(nCond: number, nPart: number): Design {
  const condVec: number[] = [];
  const partVec: number[] = [];
  for (let p = 0; p < nPart; p++) {
    for (let c = 0; c < nCond; c++) {
      condVec.push(c);
      partVec.push(p);
    }
  }
  return { condVec, partVec };
}

export interface SimulationOptions {
  seed: number;
  /** Condition of every observation (values 0..nCond-1); default one observation per condition. */
  condVec?: number[];
  /** Partition of every observation, stored as obs descriptor 'part_vec' when given. */
  partVec?: number[];
  nChannel?: number;
  /** Number of datasets to simulate. */
  nSim?: number;
  /** Signal variance scale (default 1). */
  signal?: number;
  /** Noise variance (default 1). */
  noise?: number;
  /** Make U·Uᵀ/nChannel equal G exactly (rsatoolbox use_exact_signal). */
  exactSignal?: boolean;
  /** Reuse the same true patterns for every simulated dataset (rsatoolbox use_same_signal). */
  sameSignal?: boolean;
}

/** G = −½·H·D·H for the model RDM. */
export function secondMomentFromRdm(v: ArrayLike<number>): Matrix {
  const n = checkedConditions(v.length, 'model');
  const d = Matrix.zeros(n, n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      d.data[i * n + j] = -0.5 * v[k];
      d.data[j * n + i] = -0.5 * v[k++];
    }
  }
  const row = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) row[i] += d.data[i * n + j] / n;
    total += row[i] / n;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d.data[i * n + j] += total - row[i] - row[j];
  return d;
}

/** True patterns U (nCond × nChannel) with U·Uᵀ/nChannel ≈ G (exactly G with `exact`). */
export function makeSignal(g: Matrix, nChannel: number, rng: Rng, exact = false): Matrix {
  const n = g.rows;
  let z = Matrix.zeros(n, nChannel);
  rng.fillNormal(z.data);
  if (exact) {
    if (nChannel < n)
      throw new ParameterError(
        RSA_ERRORS.DOMAIN,
        'nChannel',
        `exactSignal needs at least as many channels as conditions (${n}), received ${nChannel}`,
      );
    // Orthonormalise the rows (Z·Zᵀ = nChannel·I): Z ← L⁻¹·Z·√nChannel with Z·Zᵀ = L·Lᵀ.
    const l = cholesky(matmul(z, z, { transB: true }));
    const out = Matrix.zeros(n, nChannel);
    for (let c = 0; c < nChannel; c++) {
      for (let i = 0; i < n; i++) {
        let s = z.data[i * nChannel + c];
        for (let k = 0; k < i; k++) s -= l.data[i * n + k] * out.data[k * nChannel + c];
        out.data[i * nChannel + c] = s / l.data[i * n + i];
      }
    }
    for (let k = 0; k < out.data.length; k++) out.data[k] *= Math.sqrt(nChannel);
    z = out;
  }
  const { values, vectors } = eigh(g);
  // G = V·diag(λ)·Vᵀ; keep positive eigenvalues only.
  const factor = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++)
      factor.data[i * n + k] = values[k] > 1e-12 ? vectors.data[i * n + k] * Math.sqrt(values[k]) : 0;
  return matmul(factor, z);
}

/** Simulated datasets (obs descriptor 'cond_vec', plus 'part_vec' when given) from a model RDM. */
export function simulateDatasets(model: Rdms | ArrayLike<number>, opts: SimulationOptions): Dataset[] {
  const v = model instanceof Rdms ? model.getVector(0) : model;
  const g = secondMomentFromRdm(v);
  const n = g.rows;
  const condVec = opts.condVec ?? Array.from({ length: n }, (_, i) => i);
  for (const c of condVec) {
    if (!(Number.isInteger(c) && c >= 0 && c < n))
      throw new ParameterError(
        RSA_ERRORS.DESCRIPTOR,
        'condVec',
        `entries must be condition indices 0..${n - 1}, received ${c}`,
      );
  }
  if (opts.partVec && opts.partVec.length !== condVec.length) {
    throw new ParameterError(
      RSA_ERRORS.DESCRIPTOR,
      'partVec',
      `has ${opts.partVec.length} entries but condVec has ${condVec.length}`,
    );
  }
  const nChannel = opts.nChannel ?? 30;
  const signal = opts.signal ?? 1;
  const noise = opts.noise ?? 1;
  const rng = new Rng(opts.seed);
  const out: Dataset[] = [];
  let u: Matrix | undefined;
  for (let s = 0; s < (opts.nSim ?? 1); s++) {
    if (!u || !opts.sameSignal) u = makeSignal(g, nChannel, rng, opts.exactSignal ?? false);
    const signalRows = u;
    const data = Matrix.zeros(condVec.length, nChannel);
    rng.fillNormal(data.data);
    const sn = Math.sqrt(noise);
    const ss = Math.sqrt(signal);
    condVec.forEach((c, i) => {
      for (let j = 0; j < nChannel; j++)
        data.data[i * nChannel + j] = signalRows.data[c * nChannel + j] * ss + data.data[i * nChannel + j] * sn;
    });
    out.push(
      new Dataset(data, {
        descriptors: { simulation: s, signal, noise },
        obsDescriptors: { cond_vec: condVec.slice(), ...(opts.partVec ? { part_vec: opts.partVec.slice() } : {}) },
      }),
    );
  }
  return out;
}
