/**
 * Equilibrium propagation on a layered Hopfield-like network (Scellier & Bengio 2017, "Equilibrium propagation:
 * bridging the gap between energy-based models and backpropagation", Front. Comput. Neurosci. 11:24), with the
 * symmetric ±β nudging of Laborieux et al. 2021 ("Scaling equilibrium propagation to deep ConvNets by drastically
 * reducing its gradient estimator bias", Front. Neurosci. 15:633674).
 *
 * State s_1..s_L (s_0 = x clamped), units in [0, 1] (hard sigmoid σ(h) = clip(h, 0, 1), Laborieux's `my_sigmoid`).
 * Energy, with the primitive function Φ of Laborieux's P-MLP:
 *     E(s) = ½ Σ_{l≥1} |s_l|² − Σ_l s_{l+1}·(W_l s_l + b_l)  (+ β·½|s_L − y|² in a nudged phase)
 * Relaxation: E is a convex quadratic in each layer given its neighbours, and its minimiser over the box [0, 1] is
 *     s_l = σ(W_{l−1}s_{l−1} + b_{l−1} + W_lᵀ s_{l+1}),   s_L = σ((W_{L−1}s_{L−1} + b + βy)/(1 + β)).
 * One step updates the odd layers, then the even ones (layers of one parity do not interact), so every half-step
 * is an exact block minimisation and the energy never increases. Laborieux updates all layers at once
 * (s ← σ(∂Φ/∂s)); the fixed points are the same.
 * Update: ΔW_l ∝ (1/2β)·[s⁺_{l+1}s⁺_lᵀ − s⁻_{l+1}s⁻_lᵀ] from the +β and −β phases, both started from the free
 * equilibrium (one-sided: (1/β)·[s^β_{l+1}s^βᵀ_l − s⁰_{l+1}s⁰ᵀ_l]). As β → 0 it is −∂L/∂W of the loss
 * ½|s_L − y|² at the free equilibrium, i.e. what BP through time of the relaxation gives.
 */
import { type FloatArray, Matrix } from '@concord/core';
import { firstNonFiniteIndex, RelaxationDivergedError, type RelaxationSite } from './relaxation-error.ts';
import { affine, backThrough, columnSum, outerSum, sumOfSquares } from './settle-ops.ts';

/** W_l (out×in) connects layer l to l+1; b_l is layer l+1's bias. */
export interface EnergyNetwork {
  readonly weights: readonly Matrix[];
  readonly biases: readonly FloatArray[];
}

export interface RelaxResult {
  /** s_1..s_L (index 0 is the clamped input). */
  readonly state: Matrix[];
  /** Mean energy per sample after each step (first entry: before any). */
  readonly energies: Float64Array;
  /** Largest change of any unit in the last step. */
  readonly lastChange: number;
}

/** Mean energy per sample of the state (nudged by β towards y when β ≠ 0). */
export function energy(net: EnergyNetwork, state: readonly Matrix[], beta = 0, y?: Matrix): number {
  const depth = net.weights.length;
  let e = 0;
  for (let l = 1; l <= depth; l++) {
    e += 0.5 * sumOfSquares(state[l]);
    const h = affine(state[l - 1], net.weights[l - 1], net.biases[l - 1]);
    const s = state[l].data;
    const hd = h.data;
    for (let i = 0; i < s.length; i++) e -= s[i] * hd[i];
  }
  if (beta !== 0 && y) {
    const s = state[depth].data;
    const t = y.data;
    let d = 0;
    for (let i = 0; i < s.length; i++) d += (s[i] - t[i]) ** 2;
    e += 0.5 * beta * d;
  }
  return e / state[0].rows;
}

/** The zero state for a batch x (Laborieux starts every batch's free phase from zeros). */
export function zeroState(net: EnergyNetwork, x: Matrix): Matrix[] {
  return [x, ...net.weights.map((w) => Matrix.zeros(x.rows, w.rows, x.dtype))];
}

/**
 * Relax `state` (modified in place) for `steps` steps, nudged by β towards y (β = 0: the free phase). Throws
 * RelaxationDivergedError when a unit becomes non-finite (only possible with non-finite weights or inputs, since
 * units are clipped to [0, 1]).
 */
export function relax(
  net: EnergyNetwork,
  state: Matrix[],
  steps: number,
  site: RelaxationSite,
  nudge: { beta: number; y?: Matrix } = { beta: 0 },
  recordEnergy = false,
): RelaxResult {
  const depth = net.weights.length;
  const { beta, y } = nudge;
  const energies = new Float64Array(recordEnergy ? steps + 1 : 0);
  if (recordEnergy) energies[0] = energy(net, state, beta, y);
  let lastChange = 0;
  // The clamped input's drive of layer 1 does not change during the relaxation: computed once.
  const inputDrive = affine(state[0], net.weights[0], net.biases[0]);
  for (let t = 0; t < steps; t++) {
    let change = 0;
    for (const parity of [1, 0]) {
      for (let l = 1; l <= depth; l++) {
        if (l % 2 !== parity) continue;
        const h = l === 1 ? inputDrive.clone() : affine(state[l - 1], net.weights[l - 1], net.biases[l - 1]);
        const hd = h.data;
        if (l < depth) {
          const top = backThrough(state[l + 1], net.weights[l]).data;
          for (let i = 0; i < hd.length; i++) hd[i] += top[i];
        } else if (beta !== 0 && y) {
          const t = y.data;
          const scale = 1 / (1 + beta);
          for (let i = 0; i < hd.length; i++) hd[i] = (hd[i] + beta * t[i]) * scale;
        }
        const s = state[l].data;
        for (let i = 0; i < hd.length; i++) {
          const v = Math.min(1, Math.max(0, hd[i]));
          const d = Math.abs(v - s[i]);
          if (d > change) change = d;
          s[i] = v;
        }
        const bad = firstNonFiniteIndex(hd);
        if (bad >= 0)
          throw new RelaxationDivergedError(
            site,
            l,
            t,
            'non-finite',
            `unit ${bad % h.cols} of sample ${Math.floor(bad / h.cols)} received the input ${hd[bad]}`,
          );
      }
    }
    lastChange = change;
    if (recordEnergy) energies[t + 1] = energy(net, state, beta, y);
  }
  return { state, energies, lastChange };
}

export interface EqPropOptions {
  readonly freeSteps: number;
  readonly nudgedSteps: number;
  readonly beta: number;
  /** ±β (Laborieux et al.'s symmetric estimate) or the one-sided +β / free contrast. */
  readonly symmetric: boolean;
  /** The free phase counts as converged when no unit moved more than this in its last step. */
  readonly tolerance: number;
}

export interface EqPropResult {
  readonly weightGrads: Matrix[];
  readonly biasGrads: FloatArray[];
  /** The free equilibrium (index 0: the input). */
  readonly free: Matrix[];
  readonly freeChange: number;
  readonly converged: boolean;
  /** Mean over the batch of ½|s_L − y|² at the free equilibrium. */
  readonly loss: number;
}

function copyState(state: readonly Matrix[]): Matrix[] {
  return state.map((s, l) => (l === 0 ? s : s.clone()));
}

/** Contrast of ∂Φ/∂W between two states: −scale·(a_{l+1}ᵀa_l − b_{l+1}ᵀb_l) / N, the descent direction. */
function contrast(a: readonly Matrix[], b: readonly Matrix[], scale: number): { w: Matrix[]; b: FloatArray[] } {
  const n = a[0].rows;
  const w: Matrix[] = [];
  const bias: FloatArray[] = [];
  for (let l = 0; l + 1 < a.length; l++) {
    const g = outerSum(a[l + 1], a[l], -scale / n);
    const h = outerSum(b[l + 1], b[l], scale / n).data;
    const gd = g.data;
    for (let i = 0; i < gd.length; i++) gd[i] += h[i];
    const ga = columnSum(a[l + 1], -scale / n);
    const gb = columnSum(b[l + 1], scale / n);
    for (let i = 0; i < ga.length; i++) ga[i] += gb[i];
    w.push(g);
    bias.push(ga);
  }
  return { w, b: bias };
}

/** One EqProp update on a batch: free phase, nudged phase(s), contrastive local update. */
export function eqPropStep(
  net: EnergyNetwork,
  x: Matrix,
  y: Matrix,
  opts: EqPropOptions,
  site: RelaxationSite,
): EqPropResult {
  const free = relax(net, zeroState(net, x), opts.freeSteps, site);
  const plus = relax(net, copyState(free.state), opts.nudgedSteps, site, { beta: opts.beta, y });
  const minus = opts.symmetric
    ? relax(net, copyState(free.state), opts.nudgedSteps, site, { beta: -opts.beta, y })
    : free;
  const g = contrast(plus.state, minus.state, 1 / ((opts.symmetric ? 2 : 1) * opts.beta));
  const out = free.state[free.state.length - 1].data;
  const t = y.data;
  let loss = 0;
  for (let i = 0; i < out.length; i++) loss += 0.5 * (out[i] - t[i]) ** 2;
  return {
    weightGrads: g.w,
    biasGrads: g.b,
    free: free.state,
    freeChange: free.lastChange,
    converged: free.lastChange <= opts.tolerance,
    loss: loss / x.rows,
  };
}
