/**
 * Scoring and statistics of a learning-rule study: every model RDM (network layer, random-weights network layer,
 * pixels, categorical models) against each subject's hIT RDM and the monkey IT RDM; dual-bootstrap CIs and tests
 * against zero (Schütt et al. 2023, @concord/stats); best layer per rule chosen by leave-one-subject-out
 * cross-validation; pairwise tests between rules (and against the random baseline) on the held-out subject scores,
 * FDR (Benjamini–Hochberg) over all pairs.
 */
import type { Matrix } from '@concord/core';
import { compareRdms, Rdms } from '@concord/rsa';
import { evalBootstrapPattern, evalDualBootstrap, fdrBh, ModelFixed, ttest1Samp } from '@concord/stats';

export interface ModelRdm {
  /** Unique model id: '<network id>:<layer>'. */
  id: string;
  group: string;
  layer: string;
  vector: Float64Array;
}

export interface ModelScore {
  value: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  p: number | null;
  /** Per subject (hIT) comparison values. */
  perSubject: number[];
}

export interface DatasetScores {
  dataset: string;
  subjectCount: number;
  ceiling: { lower: number; upper: number } | null;
  scores: Map<string, ModelScore>;
}

const finiteVector = (v: Float64Array) => v.every((x) => Number.isFinite(x));

function compare(a: Float64Array, b: Float64Array, method: string): number {
  return compareRdms(a, b, { method }).get(0, 0);
}

const Z95 = 1.959963984540054;

/** Scores of every model against the subjects' RDMs (several subjects: dual bootstrap + noise ceiling). */
export function scoreModels(
  models: ModelRdm[],
  subjects: Float64Array[],
  dataset: string,
  opts: { method: string; nSamples: number; seed: number },
): DatasetScores {
  const usable = models.filter((m) => finiteVector(m.vector));
  const scores = new Map<string, ModelScore>();
  for (const m of models) scores.set(m.id, { value: null, ciLower: null, ciUpper: null, p: null, perSubject: [] });
  const data = Rdms.fromVectors(subjects.map((s) => Array.from(s)));
  const fixed = usable.map((m) => new ModelFixed(m.id, m.vector));
  let ceiling: DatasetScores['ceiling'] = null;
  if (fixed.length > 0) {
    const r =
      subjects.length > 1
        ? evalDualBootstrap(fixed, data, { method: opts.method, nSamples: opts.nSamples, seed: opts.seed })
        : evalBootstrapPattern(fixed, data, { method: opts.method, nSamples: opts.nSamples, seed: opts.seed });
    const sem = r.getSem();
    const p = r.testZero();
    if (subjects.length > 1) ceiling = r.noiseCeilingBounds();
    for (const [i, m] of usable.entries()) {
      const perSubject = subjects.map((s) => compare(m.vector, s, opts.method));
      const value = perSubject.reduce((a, b) => a + b, 0) / perSubject.length;
      const half = sem && Number.isFinite(sem[i]) ? Z95 * sem[i] : null;
      scores.set(m.id, {
        value,
        ciLower: half === null ? null : value - half,
        ciUpper: half === null ? null : value + half,
        p: Number.isFinite(p[i]) ? p[i] : null,
        perSubject,
      });
    }
  }
  return { dataset, subjectCount: subjects.length, ceiling, scores };
}

export interface BestLayer {
  group: string;
  /** Held-out score per subject (layer chosen on the other subjects). */
  heldOut: number[];
  value: number;
  ciLower: number;
  ciUpper: number;
  /** The layer chosen most often across folds. */
  layer: string;
  /** Per seed: the same cross-validated value with that seed's network alone. */
  perSeed: number[];
}

/**
 * Best layer per group by leave-one-subject-out cross-validation: for each subject the layer with the highest mean
 * score over the OTHER subjects is chosen (scores averaged over the group's seeds), and scored on that subject.
 */
export function crossValidatedBestLayer(
  group: string,
  seedsLayers: { seed: string; layer: string; perSubject: number[] }[],
): BestLayer | null {
  const rows = seedsLayers.filter((r) => r.perSubject.length > 0 && r.perSubject.every(Number.isFinite));
  if (rows.length === 0) return null;
  const nSub = rows[0].perSubject.length;
  const layers = [...new Set(rows.map((r) => r.layer))];
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const cv = (subset: typeof rows) => {
    const heldOut: number[] = [];
    const chosen: string[] = [];
    for (let k = 0; k < nSub; k++) {
      let best = '';
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const l of layers) {
        const lr = subset.filter((r) => r.layer === l);
        if (lr.length === 0) continue;
        let s = 0;
        let c = 0;
        for (const r of lr)
          for (let j = 0; j < nSub; j++)
            if (j !== k || nSub === 1) {
              s += r.perSubject[j];
              c++;
            }
        if (s / c > bestScore) {
          bestScore = s / c;
          best = l;
        }
      }
      const lr = subset.filter((r) => r.layer === best);
      heldOut.push(lr.reduce((a, r) => a + r.perSubject[k], 0) / lr.length);
      chosen.push(best);
    }
    return { heldOut, chosen };
  };
  const all = cv(rows);
  const mean = all.heldOut.reduce((a, b) => a + b, 0) / nSub;
  const sd = Math.sqrt(all.heldOut.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, nSub - 1));
  const half = nSub > 1 ? (Z95 * sd) / Math.sqrt(nSub) : 0;
  const counts = new Map<string, number>();
  for (const c of all.chosen) counts.set(c, (counts.get(c) ?? 0) + 1);
  const layer = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const perSeed = seeds.map((s) => {
    const h = cv(rows.filter((r) => r.seed === s)).heldOut;
    return h.reduce((a, b) => a + b, 0) / h.length;
  });
  return { group, heldOut: all.heldOut, value: mean, ciLower: mean - half, ciUpper: mean + half, layer, perSeed };
}

export interface PairwiseTest {
  a: string;
  b: string;
  difference: number;
  p: number;
  pCorrected: number;
}

/** Paired t-tests over subjects of the held-out best-layer scores, every pair; FDR (BH) over all pairs. */
export function pairwiseTests(best: BestLayer[]): PairwiseTest[] {
  const out: Omit<PairwiseTest, 'pCorrected'>[] = [];
  for (let i = 0; i < best.length; i++)
    for (let j = i + 1; j < best.length; j++) {
      const d = best[i].heldOut.map((v, k) => v - best[j].heldOut[k]);
      const difference = d.reduce((a, b) => a + b, 0) / d.length;
      const allEqual = d.every((x) => x === d[0]);
      const p = d.length < 2 || allEqual ? 1 : ttest1Samp(d).pValue;
      out.push({ a: best[i].group, b: best[j].group, difference, p: Number.isFinite(p) ? p : 1 });
    }
  if (out.length === 0) return [];
  const pc = fdrBh(out.map((o) => o.p)).pCorrected;
  return out.map((o, k) => ({ ...o, pCorrected: pc[k] }));
}

/** FDR over the non-null p-values of a list (null stays null). */
export function fdrOverList(ps: (number | null)[]): (number | null)[] {
  const idx = ps.flatMap((p, i) => (p === null ? [] : [i]));
  if (idx.length === 0) return ps.map(() => null);
  const pc = fdrBh(idx.map((i) => ps[i] as number)).pCorrected;
  const out: (number | null)[] = ps.map(() => null);
  idx.forEach((i, k) => {
    out[i] = pc[k];
  });
  return out;
}

export function rdmsMatrixRows(m: Matrix): Float64Array[] {
  return Array.from({ length: m.rows }, (_, i) => Float64Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}
