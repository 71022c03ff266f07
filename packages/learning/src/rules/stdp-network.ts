/**
 * The spiking network of Diehl & Cook 2015 ("Unsupervised learning of digit recognition using spike-timing-dependent
 * plasticity", Front. Comput. Neurosci. 9:99), simulated event-driven: Poisson input spike trains are drawn as
 * spike times (exponential inter-spike intervals) rather than one random draw per pixel and step, an input spike
 * adds one weight row to the excitatory conductances (no dense input × weight product per step), and presynaptic
 * traces are evaluated lazily from each input's last spike time. Only the 2·nExc neuron states advance every step.
 *
 * Constants follow the authors' Brian code (Diehl&Cook_spiking_MNIST.py): dt 0.5 ms; 350 ms presentations and
 * 150 ms rest; excitatory LIF (rest −65 mV, reset −65 mV, threshold −52 mV + θ − 20 mV offset with θ starting at
 * 20 mV, τ 100 ms, refractory 5 ms) with conductance synapses (E_exc 0 mV, E_inh −100 mV, τ_ge 1 ms, τ_gi 2 ms);
 * inhibitory LIF (rest −60, reset −45, threshold −40 mV, τ 10 ms, refractory 2 ms, E_inh −85 mV); adaptive
 * threshold θ += 0.05 mV per spike (τ_θ = 10⁷ ms); excitatory → inhibitory one-to-one (10.4), inhibitory →
 * excitatory all-but-self (17.0); input weights (rand + 0.01)·0.3, clipped to [0, 1], each neuron's input weights
 * normalised to sum 78 before every example; trace STDP (τ_pre 20 ms, τ_post1 20 ms, τ_post2 40 ms): a
 * presynaptic spike depresses by ν_pre·post1 (ν_pre = 10⁻⁴), a postsynaptic spike potentiates by
 * ν_post·pre·post2-before-the-spike (ν_post = 10⁻²); rates = pixel/8 · intensity (pixel 0..255, intensity 2,
 * raised by 1 and the example repeated while fewer than 5 excitatory spikes occur).
 * Deviations (README): no synaptic delays (the authors draw 0–10 ms per synapse); forward Euler for v as in Brian's
 * default except where inhibition makes it stiff (exponential Euler there, see membraneStep); exact exponential decay
 * for conductances and traces; repeats capped (`maxRepeats`).
 */
import { ParameterError, type Rng } from '@concord/core';

export interface DiehlCookParams {
  readonly dt: number;
  readonly presentationMs: number;
  readonly restMs: number;
  readonly vRestE: number;
  readonly vResetE: number;
  readonly vThreshE: number;
  readonly thetaOffset: number;
  readonly thetaInit: number;
  readonly thetaPlus: number;
  readonly tauTheta: number;
  readonly tauE: number;
  readonly refracE: number;
  readonly vRestI: number;
  readonly vResetI: number;
  readonly vThreshI: number;
  readonly tauI: number;
  readonly refracI: number;
  readonly tauGe: number;
  readonly tauGi: number;
  readonly eExc: number;
  readonly eInhE: number;
  readonly eInhI: number;
  readonly wExcInh: number;
  readonly wInhExc: number;
  readonly wMax: number;
  readonly weightSum: number;
  readonly tauPre: number;
  readonly tauPost1: number;
  readonly tauPost2: number;
  readonly nuPre: number;
  readonly nuPost: number;
  readonly intensity: number;
  readonly minSpikes: number;
  readonly maxRepeats: number;
}

export const DIEHL_COOK: DiehlCookParams = {
  dt: 0.5,
  presentationMs: 350,
  restMs: 150,
  vRestE: -65,
  vResetE: -65,
  vThreshE: -52,
  thetaOffset: 20,
  thetaInit: 20,
  thetaPlus: 0.05,
  tauTheta: 1e7,
  tauE: 100,
  refracE: 5,
  vRestI: -60,
  vResetI: -45,
  vThreshI: -40,
  tauI: 10,
  refracI: 2,
  tauGe: 1,
  tauGi: 2,
  eExc: 0,
  eInhE: -100,
  eInhI: -85,
  wExcInh: 10.4,
  wInhExc: 17,
  wMax: 1,
  weightSum: 78,
  tauPre: 20,
  tauPost1: 20,
  tauPost2: 40,
  nuPre: 1e-4,
  nuPost: 1e-2,
  intensity: 2,
  minSpikes: 5,
  maxRepeats: 10,
};

/**
 * One step of τ·dv/dt = (v_rest − v) + g_e(E_e − v) + g_i(E_i − v), with k = dt/τ: forward Euler while the effective
 * rate k·(1 + g_e + g_i) is small (idle and mildly driven neurons), the exact solution for frozen conductances
 * (exponential Euler) when strong inhibition makes the equation stiff and Euler would overshoot and oscillate.
 */
function membraneStep(v: number, k: number, rest: number, ge: number, eE: number, gi: number, eI: number): number {
  const a = k * (1 + ge + gi);
  if (a < 0.05) return v + k * (rest - v + ge * (eE - v) + gi * (eI - v));
  const vInf = (rest + ge * eE + gi * eI) / (1 + ge + gi);
  return vInf + (v - vInf) * Math.exp(-a);
}

/** Input spikes of one presentation, bucketed by time step (counting sort): step s has indices starts[s]..starts[s+1]. */
export interface SpikeSchedule {
  readonly starts: Int32Array;
  readonly inputs: Int32Array;
}

/**
 * Poisson spike trains for rates (Hz) over `steps` steps of dt ms, drawn event by event: exponential intervals
 * per input, the spike placed in the step containing its time.
 */
export function poissonSchedule(rates: ArrayLike<number>, steps: number, dt: number, rng: Rng): SpikeSchedule {
  const durationMs = steps * dt;
  const times: number[] = [];
  const ids: number[] = [];
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i] / 1000; // per ms
    if (!(r > 0)) continue;
    let t = -Math.log(1 - rng.random()) / r;
    while (t < durationMs) {
      times.push(Math.floor(t / dt));
      ids.push(i);
      t += -Math.log(1 - rng.random()) / r;
    }
  }
  const starts = new Int32Array(steps + 1);
  for (const s of times) starts[s + 1]++;
  for (let s = 0; s < steps; s++) starts[s + 1] += starts[s];
  const fill = starts.slice(0, steps);
  const inputs = new Int32Array(times.length);
  for (let k = 0; k < times.length; k++) inputs[fill[times[k]]++] = ids[k];
  return { starts, inputs };
}

/** True when inputs[first..end) has no repeated input (a step's spikes: a handful, so pairwise is cheapest). */
function distinctInputs(inputs: Int32Array, first: number, end: number): boolean {
  for (let a = first + 1; a < end; a++) for (let b = first; b < a; b++) if (inputs[a] === inputs[b]) return false;
  return true;
}

/** g[j] += Σ_k w[inputs[k]·n + j] over k in first..end, the rows added in order four at a time. */
function addRows(g: Float64Array, w: Float32Array, inputs: Int32Array, first: number, end: number, n: number): void {
  let k = first;
  for (; k + 3 < end; k += 4) {
    const r0 = inputs[k] * n;
    const r1 = inputs[k + 1] * n;
    const r2 = inputs[k + 2] * n;
    const r3 = inputs[k + 3] * n;
    for (let j = 0; j < n; j++) {
      let x = g[j];
      x += w[r0 + j];
      x += w[r1 + j];
      x += w[r2 + j];
      x += w[r3 + j];
      g[j] = x;
    }
  }
  for (; k < end; k++) {
    const r = inputs[k] * n;
    for (let j = 0; j < n; j++) g[j] += w[r + j];
  }
}

export interface PresentOptions {
  /** STDP, threshold adaptation and weight normalisation on (training) or off (labelling, testing). */
  readonly learn: boolean;
  /** Record (step, neuron) of every excitatory spike of the accepted presentation. */
  readonly record?: boolean;
}

export interface Presentation {
  /** Spike count of every excitatory neuron during the accepted (last) presentation. */
  readonly counts: Int32Array;
  /** Input intensity of the accepted presentation. */
  readonly intensity: number;
  /** Presentations it took (1 + repeats for too few spikes). */
  readonly attempts: number;
  /** Excitatory spikes as [step, neuron] pairs, when recorded. */
  readonly spikes?: Int32Array;
}

export class DiehlCookNetwork {
  readonly nInput: number;
  readonly nExc: number;
  readonly params: DiehlCookParams;
  /** Input → excitatory weights, input-major: w[i·nExc + j]. */
  readonly weights: Float32Array;
  /** Adaptive threshold θ of each excitatory neuron (mV). */
  readonly theta: Float64Array;
  /** Lateral inhibition on (ablation switch for tests). */
  inhibition = true;
  private readonly vE: Float64Array;
  private readonly geE: Float64Array;
  private readonly giE: Float64Array;
  private readonly refE: Int32Array;
  private readonly vI: Float64Array;
  private readonly geI: Float64Array;
  private readonly giI: Float64Array;
  private readonly refI: Int32Array;
  private readonly post1: Float64Array;
  private readonly post2: Float64Array;
  /** Neurons whose postsynaptic traces are nonzero (they spiked within the last ~1 s). */
  private readonly active: Int32Array;
  private nActive = 0;
  /** Inhibitory neurons away from rest (the others need no update), and a flag per neuron. */
  private readonly awake: Int32Array;
  private readonly isAwake: Uint8Array;
  private nAwake = 0;
  /** Step of each input's last spike (−∞ as a large negative number): presynaptic traces evaluated lazily. */
  private readonly preLast: Float64Array;
  private readonly preDecay: Float64Array;
  private readonly rng: Rng;
  private clock = 0;

  constructor(nInput: number, nExc: number, rng: Rng, params: DiehlCookParams = DIEHL_COOK) {
    for (const [name, v] of [
      ['nInput', nInput],
      ['nExc', nExc],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new ParameterError('ERR_LEARNING_HYPER', name, `expected a positive integer, received ${v}`);
    this.nInput = nInput;
    this.nExc = nExc;
    this.params = params;
    this.rng = rng;
    this.weights = new Float32Array(nInput * nExc);
    for (let i = 0; i < this.weights.length; i++) this.weights[i] = (rng.random() + 0.01) * 0.3;
    this.theta = new Float64Array(nExc).fill(params.thetaInit);
    this.vE = new Float64Array(nExc).fill(params.vRestE);
    this.geE = new Float64Array(nExc);
    this.giE = new Float64Array(nExc);
    this.refE = new Int32Array(nExc);
    this.vI = new Float64Array(nExc).fill(params.vRestI);
    this.geI = new Float64Array(nExc);
    this.giI = new Float64Array(nExc);
    this.refI = new Int32Array(nExc);
    this.post1 = new Float64Array(nExc);
    this.post2 = new Float64Array(nExc);
    this.active = new Int32Array(nExc);
    this.awake = new Int32Array(nExc);
    this.isAwake = new Uint8Array(nExc);
    this.preLast = new Float64Array(nInput).fill(-1e12);
    // exp(−k·dt/τ_pre) for k steps since the last spike (beyond the table the trace is below 1e-20: zero).
    const table = Math.ceil((46 * params.tauPre) / params.dt);
    this.preDecay = new Float64Array(table);
    for (let k = 0; k < table; k++) this.preDecay[k] = Math.exp((-k * params.dt) / params.tauPre);
  }

  /** Scale each excitatory neuron's input weights to sum to `weightSum` (the authors' normalize_weights). */
  normalizeWeights(): void {
    const { nInput, nExc, weights } = this;
    const sums = new Float64Array(nExc);
    for (let i = 0; i < nInput; i++) for (let j = 0; j < nExc; j++) sums[j] += weights[i * nExc + j];
    for (let j = 0; j < nExc; j++) sums[j] = sums[j] > 0 ? this.params.weightSum / sums[j] : 0;
    for (let i = 0; i < nInput; i++) for (let j = 0; j < nExc; j++) weights[i * nExc + j] *= sums[j];
  }

  private preTrace(i: number): number {
    const k = this.clock - this.preLast[i];
    return k < this.preDecay.length ? this.preDecay[k] : 0;
  }

  /**
   * Simulate `steps` steps with the given input spikes (undefined: no input, the rest period); add each excitatory
   * neuron's spikes to `counts`. Exposed for tests that script input spikes.
   */
  simulate(
    steps: number,
    schedule: SpikeSchedule | undefined,
    learn: boolean,
    counts: Int32Array,
    record?: number[],
  ): void {
    const p = this.params;
    const { nExc, weights, vE, geE, giE, refE, vI, geI, giI, refI, post1, post2, theta, active, awake, isAwake } = this;
    const dt = p.dt;
    const decGe = Math.exp(-dt / p.tauGe);
    const decGi = Math.exp(-dt / p.tauGi);
    const decP1 = Math.exp(-dt / p.tauPost1);
    const decP2 = Math.exp(-dt / p.tauPost2);
    const decTheta = Math.exp(-dt / p.tauTheta);
    const refSteps = Math.round(p.refracE / dt);
    const refStepsI = Math.round(p.refracI / dt);
    const kE = dt / p.tauE;
    const kI = dt / p.tauI;
    const threshBase = p.vThreshE - p.thetaOffset;
    const { vRestE, eExc, eInhE } = p;
    for (let s = 0; s < steps; s++, this.clock++) {
      // 1. Input spikes: conductance jumps, and presynaptic depression by the postsynaptic trace post1.
      if (schedule && schedule.starts[s + 1] > schedule.starts[s]) {
        const first = schedule.starts[s];
        const end = schedule.starts[s + 1];
        // The step's rows are summed four at a time, each g_e[j] receiving the rows in the same order as one by one
        // (bit-identical), so g_e is loaded and stored once per four rows — the simulation's hottest loop. Depressing
        // a row after all rows were added is the same as after its own addition unless an input spikes twice in one
        // step (then its second addition must see the depressed weights): such steps take the one-by-one path.
        const grouped = !learn || distinctInputs(schedule.inputs, first, end);
        if (grouped) addRows(geE, weights, schedule.inputs, first, end, nExc);
        for (let k = first; k < end; k++) {
          const i = schedule.inputs[k];
          const row = i * nExc;
          if (!grouped) for (let j = 0; j < nExc; j++) geE[j] += weights[row + j];
          if (learn) {
            // Depression only where post1 is non-negligible: the neurons that spiked recently.
            for (let a = 0; a < this.nActive; a++) {
              const j = active[a];
              const w = weights[row + j] - p.nuPre * post1[j];
              weights[row + j] = Math.max(w, 0);
            }
            this.preLast[i] = this.clock;
          }
        }
      }
      // 2. Excitatory membranes (forward Euler), conductance decay, threshold, reset, plasticity.
      for (let j = 0; j < nExc; j++) {
        const ge = geE[j];
        const gi = giE[j];
        if (refE[j] > 0) refE[j]--;
        else {
          const v = vE[j];
          const a = kE * (1 + ge + gi);
          vE[j] =
            a < 0.05
              ? v + kE * (vRestE - v + ge * (eExc - v) + gi * (eInhE - v))
              : membraneStep(v, kE, vRestE, ge, eExc, gi, eInhE);
        }
        geE[j] = ge * decGe;
        giE[j] = gi * decGi;
        if (learn) theta[j] *= decTheta;
        if (refE[j] === 0 && vE[j] > theta[j] + threshBase) {
          vE[j] = p.vResetE;
          refE[j] = refSteps;
          counts[j]++;
          record?.push(s, j);
          geI[j] += p.wExcInh;
          if (isAwake[j] === 0) {
            isAwake[j] = 1;
            awake[this.nAwake++] = j;
          }
          if (learn) {
            theta[j] += p.thetaPlus;
            // Potentiation by the presynaptic traces times post2 before this spike (triplet term).
            const p2 = post2[j];
            if (p2 > 0)
              for (let i = 0; i < this.nInput; i++) {
                const pre = this.preTrace(i);
                if (pre === 0) continue;
                const at = i * nExc + j;
                const w = weights[at] + p.nuPost * pre * p2;
                weights[at] = Math.min(w, p.wMax);
              }
            if (post2[j] === 0) active[this.nActive++] = j;
            post1[j] = 1;
            post2[j] = 1;
          }
        }
      }
      // 3. Inhibitory neurons; their spikes inhibit every other excitatory neuron in the next step. An inhibitory
      // neuron at rest with no input stays there, so only the awake ones (driven by their excitatory partner's
      // spike, not yet back at rest) are visited; the order does not matter (each spike adds the same constant).
      for (let a = 0; a < this.nAwake; a++) {
        const j = awake[a];
        if (refI[j] > 0) refI[j]--;
        else vI[j] = membraneStep(vI[j], kI, p.vRestI, geI[j], p.eExc, giI[j], p.eInhI);
        geI[j] *= decGe;
        giI[j] *= decGi;
        // Snap back to rest once the conductances and the deviation are negligible (≪ any threshold distance).
        if (geI[j] < 1e-9 && giI[j] < 1e-9 && Math.abs(vI[j] - p.vRestI) < 1e-6) {
          geI[j] = 0;
          giI[j] = 0;
          vI[j] = p.vRestI;
        }
        if (refI[j] === 0 && vI[j] > p.vThreshI) {
          vI[j] = p.vResetI;
          refI[j] = refStepsI;
          if (this.inhibition) {
            for (let k = 0; k < nExc; k++) if (k !== j) giE[k] += p.wInhExc;
          }
        }
        if (geI[j] === 0 && giI[j] === 0 && vI[j] === p.vRestI && refI[j] === 0) {
          isAwake[j] = 0;
          awake[a--] = awake[--this.nAwake];
        }
      }
      if (learn)
        for (let a = 0; a < this.nActive; a++) {
          const j = active[a];
          post1[j] *= decP1;
          post2[j] *= decP2;
          // Below 1e-12 the traces change a weight by < 1e-14: they are zero from here on (the neuron leaves the list).
          if (post2[j] < 1e-12) {
            post1[j] = 0;
            post2[j] = 0;
            active[a--] = active[--this.nActive];
          }
        }
    }
  }

  /**
   * Present one image (pixels in [0, 1]) for 350 ms followed by 150 ms of rest; repeated with the intensity raised
   * by one while the excitatory population fires fewer than `minSpikes` spikes (at most `maxRepeats` times).
   */
  present(image: ArrayLike<number>, opts: PresentOptions): Presentation {
    const p = this.params;
    const steps = Math.round(p.presentationMs / p.dt);
    const rest = Math.round(p.restMs / p.dt);
    const rates = new Float64Array(this.nInput);
    let intensity = p.intensity;
    for (let attempt = 1; ; attempt++) {
      if (opts.learn) this.normalizeWeights();
      for (let i = 0; i < this.nInput; i++) rates[i] = ((image[i] * 255) / 8) * intensity;
      const schedule = poissonSchedule(rates, steps, p.dt, this.rng);
      const counts = new Int32Array(this.nExc);
      const record: number[] | undefined = opts.record ? [] : undefined;
      this.simulate(steps, schedule, opts.learn, counts, record);
      this.simulate(rest, undefined, opts.learn, new Int32Array(this.nExc));
      let total = 0;
      for (let j = 0; j < this.nExc; j++) total += counts[j];
      if (total >= p.minSpikes || attempt > p.maxRepeats)
        return { counts, intensity, attempts: attempt, ...(record ? { spikes: Int32Array.from(record) } : {}) };
      intensity += 1;
    }
  }
}

/** Each neuron's class: the one with the highest mean spike count over that class's examples (the authors' get_new_assignments). */
export function assignLabels(counts: readonly Int32Array[], labels: ArrayLike<number>, nClasses: number): Int32Array {
  const nExc = counts[0]?.length ?? 0;
  const sums = new Float64Array(nClasses * nExc);
  const perClass = new Float64Array(nClasses);
  counts.forEach((c, s) => {
    const y = labels[s];
    perClass[y]++;
    for (let j = 0; j < nExc; j++) sums[y * nExc + j] += c[j];
  });
  const out = new Int32Array(nExc);
  for (let j = 0; j < nExc; j++) {
    let best = -1;
    let bestRate = -1;
    for (let c = 0; c < nClasses; c++) {
      if (perClass[c] === 0) continue;
      const r = sums[c * nExc + j] / perClass[c];
      if (r > bestRate) {
        bestRate = r;
        best = c;
      }
    }
    out[j] = Math.max(best, 0);
  }
  return out;
}

/** The class whose assigned neurons have the highest mean spike count (the authors' get_recognized_number_ranking). */
export function classify(counts: Int32Array, assignments: Int32Array, nClasses: number): number {
  const sums = new Float64Array(nClasses);
  const n = new Float64Array(nClasses);
  for (let j = 0; j < counts.length; j++) {
    sums[assignments[j]] += counts[j];
    n[assignments[j]]++;
  }
  let best = 0;
  let bestRate = -1;
  for (let c = 0; c < nClasses; c++) {
    const r = n[c] > 0 ? sums[c] / n[c] : -1;
    if (r > bestRate) {
      bestRate = r;
      best = c;
    }
  }
  return best;
}
