/**
 * FA, DFA and sign symmetry: exact reproduction of BP when the feedback equals the forward weights (FA), independent
 * transcriptions of the reference updates (numpy when python3 has it, else plain loops here), and behavioural
 * checks of the declared criteria; plus above-chance training on a Fashion-MNIST subset.
 */
import type { FloatArray } from '@concord/core';
import { hasPythonModules, runPythonJson } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { ENGINE_DEFAULTS, trainNetwork } from '../engine/train.ts';
import { blocks, type DenseLayer, type Network, networkParams } from '../network.ts';
import type { Batch, RuleInstance, UpdateRule } from '../rule.ts';
import {
  FASHION_SKIP_REASON,
  fashionMnist,
  randomBatch,
  runStep,
  subsetPlan,
  testOps,
  tinyCnn,
  tinyMlp,
} from '../testing.ts';
import { bp } from './bp.ts';
import { dfa } from './dfa.ts';
import { fa } from './fa.ts';
import { signSymmetry } from './sign-symmetry.ts';

const plan = subsetPlan();
const numpy = hasPythonModules(['numpy']);

function feedbackOf(instance: RuleInstance): Map<number, FloatArray> {
  return (instance as RuleInstance & { feedback: Map<number, FloatArray> }).feedback;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Every update of `rule` with the output error of the unperturbed network held fixed while `perturb` changes it. */
function updatesWithFixedError(rule: UpdateRule, net: Network, batch: Batch, perturb: (net: Network) => void) {
  const first = runStep(rule, net, batch);
  // Hold the output error fixed: run the rule on the perturbed network but feed it the original batch's loss
  // gradient by replacing the loss with one whose gradient is the original error.
  const e = testOps.loss('cross-entropy', first.forward.outputs[first.forward.outputs.length - 1], batch.labels).grad;
  perturb(net);
  const fixedOps = { ...testOps, loss: () => ({ value: 0, grad: e }) };
  const params = networkParams(net);
  for (const p of params) p.grad.fill(0);
  first.instance.step({
    network: net,
    batch,
    forward: testOps.forward(net, batch.x),
    nClasses: net.nClasses,
    hyper: {},
    training: { ...ENGINE_DEFAULTS, loss: 'cross-entropy', labelSmoothing: 0 },
    epoch: 0,
    epochs: 1,
    batchIndex: 0,
    rng: undefined as never,
    ops: fixedOps,
  });
  const after = new Map(params.map((p) => [p.name, Float64Array.from(p.grad)]));
  return { before: first.grads, after };
}

/** Scale the last layer's weights (the only weights above every hidden layer that do not change hidden activity). */
function scaleTopWeights(factor: number) {
  return (net: Network) => {
    const top = blocks(net).at(-1)?.layer;
    if (top) for (let i = 0; i < top.weight.value.length; i++) top.weight.value[i] *= factor;
  };
}

describe('feedback alignment (Lillicrap et al. 2016)', () => {
  it.each([
    ['MLP', () => tinyMlp([6, 5, 4, 3])],
    ['CNN', () => tinyCnn()],
  ])('with B set to the forward weights reproduces BP exactly (%s)', (_n, make) => {
    const net = make();
    const batch = randomBatch(net, 4);
    const want = runStep(bp, net, batch).grads;
    const probe = runStep(fa, net, batch);
    for (const [i, b] of feedbackOf(probe.instance)) {
      const layer = net.layers[i];
      if (layer.kind === 'dense' || layer.kind === 'conv2d') b.set(layer.weight.value);
    }
    const got = runStep(fa, net, batch, { instance: probe.instance }).grads;
    for (const [name, g] of want) expect(got.get(name)).toEqual(g);
  });

  it('C1: with the output error fixed, scaling the top weights leaves every hidden update unchanged (BP: changes)', () => {
    for (const [rule, invariant] of [
      [fa, true],
      [bp, false],
    ] as const) {
      const net = tinyMlp([6, 5, 4, 3]);
      const { before, after } = updatesWithFixedError(rule, net, randomBatch(net, 4), scaleTopWeights(1.7));
      const d = maxAbsDiff(before.get('fc1.weight') as Float64Array, after.get('fc1.weight') as Float64Array);
      if (invariant) expect(d).toBe(0);
      else expect(d).toBeGreaterThan(1e-6);
    }
  });

  it('C2 not claimed: the error reaching layer 1 is carried through the layers above (changing B of the top layer changes it)', () => {
    const net = tinyMlp([6, 5, 4, 3]);
    const batch = randomBatch(net, 4);
    const a = runStep(fa, net, batch);
    const top = blocks(net).at(-1)?.param as number;
    const b = feedbackOf(a.instance).get(top) as FloatArray;
    for (let i = 0; i < b.length; i++) b[i] *= -1;
    const c = runStep(fa, net, batch, { instance: a.instance });
    expect(
      maxAbsDiff(a.grads.get('fc1.weight') as Float64Array, c.grads.get('fc1.weight') as Float64Array),
    ).toBeGreaterThan(1e-6);
  });
});

/** DFA's reference update for a tanh MLP, in plain loops (the numpy transcription is below). */
function dfaReference(net: Network, batch: Batch, feedback: Map<number, FloatArray>): Map<string, number[]> {
  const n = batch.labels.length;
  const sizes = blocks(net).map((b) => b.layer as DenseLayer);
  const d0 = sizes[0].inFeatures;
  const acts: number[][][] = [[...Array(n)].map((_, r) => Array.from(batch.x.data.subarray(r * d0, (r + 1) * d0)))];
  const pre: number[][][] = [];
  sizes.forEach((l, li) => {
    const a = acts[li];
    const z = a.map((x) =>
      [...Array(l.outFeatures)].map(
        (_, o) => l.bias.value[o] + x.reduce((s, xi, i) => s + xi * l.weight.value[o * l.inFeatures + i], 0),
      ),
    );
    pre.push(z);
    acts.push(li < sizes.length - 1 ? z.map((r) => r.map(Math.tanh)) : z);
  });
  const logits = pre[pre.length - 1];
  const e = logits.map((z, r) => {
    const m = Math.max(...z);
    const ex = z.map((v) => Math.exp(v - m));
    const s = ex.reduce((a, b) => a + b, 0);
    return ex.map((v, j) => (v / s - (j === batch.labels[r] ? 1 : 0)) / n);
  });
  const out = new Map<string, number[]>();
  blocks(net).forEach((b, li) => {
    const l = sizes[li] as DenseLayer;
    let delta: number[][];
    if (li === sizes.length - 1) delta = e;
    else {
      const B = feedback.get(b.param) as FloatArray;
      delta = e.map((er, r) =>
        [...Array(l.outFeatures)].map(
          (_, u) => er.reduce((s, ej, j) => s + ej * B[j * l.outFeatures + u], 0) * (1 - acts[li + 1][r][u] ** 2),
        ),
      );
    }
    const gw = [...Array(l.outFeatures * l.inFeatures)].map((_, idx) => {
      const o = Math.floor(idx / l.inFeatures);
      const i = idx % l.inFeatures;
      return delta.reduce((s, d, r) => s + d[o] * acts[li][r][i], 0);
    });
    out.set(`${l.name}.weight`, gw);
    out.set(
      `${l.name}.bias`,
      [...Array(l.outFeatures)].map((_, o) => delta.reduce((s, d) => s + d[o], 0)),
    );
  });
  return out;
}

describe('direct feedback alignment (Nøkland 2016)', () => {
  it('equals a plain-loop transcription of the reference update (tanh MLP, 1e-10)', () => {
    const net = tinyMlp([5, 6, 4, 3]);
    const batch = randomBatch(net, 4);
    const r = runStep(dfa, net, batch);
    const want = dfaReference(net, batch, feedbackOf(r.instance));
    for (const [name, g] of want) expect(maxAbsDiff(r.grads.get(name) as Float64Array, g)).toBeLessThan(1e-10);
  });

  it.skipIf(!numpy)(
    `equals a numpy transcription of the reference update (1e-10)${numpy ? '' : ' [skipped: python3 with numpy is not available]'}`,
    () => {
      const net = tinyMlp([5, 6, 4, 3]);
      const batch = randomBatch(net, 4);
      const r = runStep(dfa, net, batch);
      const layers = blocks(net).map((b) => ({
        w: Array.from(b.layer.weight.value),
        shape: b.layer.weight.shape,
        b: Array.from(b.layer.bias.value),
        B: Array.from(feedbackOf(r.instance).get(b.param) ?? []),
      }));
      const want = runPythonJson<{ w: number[][]; b: number[][] }>(
        `import numpy as np
x = np.array(data['x']).reshape(data['n'], -1); y = np.array(data['y']); L = data['layers']
W = [np.array(l['w']).reshape(l['shape']) for l in L]; b = [np.array(l['b']) for l in L]
h = [x]
for i in range(len(W)):
    z = h[-1] @ W[i].T + b[i]
    h.append(np.tanh(z) if i < len(W) - 1 else z)
p = np.exp(h[-1] - h[-1].max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
e = (p - np.eye(p.shape[1])[y]) / len(y)
gw = []; gb = []
for i in range(len(W)):
    if i == len(W) - 1: d = e
    else:
        B = np.array(L[i]['B']).reshape(p.shape[1], -1)
        d = (e @ B) * (1 - h[i + 1] ** 2)
    gw.append((d.T @ h[i]).ravel().tolist()); gb.append(d.sum(0).tolist())
result = {'w': gw, 'b': gb}`,
        { x: Array.from(batch.x.data), n: batch.labels.length, y: Array.from(batch.labels), layers },
      );
      blocks(net).forEach((b, i) => {
        expect(maxAbsDiff(r.grads.get(b.layer.weight.name) as Float64Array, want.w[i])).toBeLessThan(1e-10);
        expect(maxAbsDiff(r.grads.get(b.layer.bias.name) as Float64Array, want.b[i])).toBeLessThan(1e-10);
      });
    },
  );

  it('C1: with the output error fixed, scaling the top weights leaves the hidden updates unchanged', () => {
    const net = tinyMlp([6, 5, 4, 3]);
    const { before, after } = updatesWithFixedError(dfa, net, randomBatch(net, 4), scaleTopWeights(-2));
    expect(after.get('fc1.weight')).toEqual(before.get('fc1.weight'));
    expect(after.get('fc2.weight')).toEqual(before.get('fc2.weight'));
  });

  it('C2 not claimed: every hidden update is driven by the global output error (a different error changes it)', () => {
    const net = tinyMlp([6, 5, 4, 3]);
    const batch = randomBatch(net, 4);
    const a = runStep(dfa, net, batch).grads;
    const b = runStep(dfa, net, { ...batch, labels: batch.labels.map((l) => (l + 1) % 3) }).grads;
    expect(maxAbsDiff(a.get('fc1.weight') as Float64Array, b.get('fc1.weight') as Float64Array)).toBeGreaterThan(1e-6);
  });

  it('trains the CNN (the signal enters before pooling): gradients reach the first convolution', () => {
    const net = tinyCnn();
    const g = runStep(dfa, net, randomBatch(net, 3)).grads.get('conv1.weight') as Float64Array;
    expect(g.some((v) => v !== 0)).toBe(true);
  });
});

describe('sign symmetry, uSF (Liao et al. 2016)', () => {
  it.skipIf(!numpy)(
    `equals a numpy transcription: backward through sign(W) (1e-10)${numpy ? '' : ' [skipped: python3 with numpy is not available]'}`,
    () => {
      const net = tinyMlp([5, 6, 4, 3]);
      const batch = randomBatch(net, 4);
      const r = runStep(signSymmetry, net, batch);
      const layers = blocks(net).map((b) => ({
        w: Array.from(b.layer.weight.value),
        shape: b.layer.weight.shape,
        b: Array.from(b.layer.bias.value),
      }));
      const want = runPythonJson<{ w: number[][] }>(
        `import numpy as np
x = np.array(data['x']).reshape(data['n'], -1); y = np.array(data['y']); L = data['layers']
W = [np.array(l['w']).reshape(l['shape']) for l in L]; b = [np.array(l['b']) for l in L]
h = [x]
for i in range(len(W)):
    z = h[-1] @ W[i].T + b[i]
    h.append(np.tanh(z) if i < len(W) - 1 else z)
p = np.exp(h[-1] - h[-1].max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
d = (p - np.eye(p.shape[1])[y]) / len(y)
gw = [None] * len(W)
for i in reversed(range(len(W))):
    gw[i] = (d.T @ h[i]).ravel().tolist()
    if i > 0: d = (d @ np.sign(W[i])) * (1 - h[i] ** 2)
result = {'w': gw}`,
        { x: Array.from(batch.x.data), n: batch.labels.length, y: Array.from(batch.labels), layers },
      );
      blocks(net).forEach((b, i) => {
        expect(maxAbsDiff(r.grads.get(b.layer.weight.name) as Float64Array, want.w[i])).toBeLessThan(1e-10);
      });
    },
  );

  it('C1: with the error fixed, rescaling the top weights (signs kept) leaves hidden updates unchanged; flipping signs changes them', () => {
    const net = tinyMlp([6, 5, 4, 3]);
    const batch = randomBatch(net, 4);
    const kept = updatesWithFixedError(signSymmetry, net, batch, scaleTopWeights(3));
    expect(kept.after.get('fc1.weight')).toEqual(kept.before.get('fc1.weight'));
    const net2 = tinyMlp([6, 5, 4, 3]);
    const flipped = updatesWithFixedError(signSymmetry, net2, batch, scaleTopWeights(-1));
    expect(
      maxAbsDiff(flipped.after.get('fc1.weight') as Float64Array, flipped.before.get('fc1.weight') as Float64Array),
    ).toBeGreaterThan(1e-6);
  });
});

describe('C3 not claimed by bp/fa/dfa/sign-symmetry: each update needs a backward pass after the forward pass', () => {
  it.each([bp, fa, dfa, signSymmetry].map((r) => [r.declaration.name, r] as const))(
    '%s calls the backward operations',
    (_n, rule) => {
      const net = tinyMlp([4, 3, 2]);
      let backwardCalls = 0;
      const counting = {
        ...testOps,
        backward: (...a: Parameters<typeof testOps.backward>) => {
          backwardCalls++;
          return testOps.backward(...a);
        },
      };
      const probe = runStep(rule, net, randomBatch(net, 2));
      probe.instance.step({
        network: net,
        batch: randomBatch(net, 2),
        forward: testOps.forward(net, randomBatch(net, 2).x),
        nClasses: 2,
        hyper: {},
        training: { loss: 'cross-entropy', labelSmoothing: 0 } as never,
        epoch: 0,
        epochs: 1,
        batchIndex: 0,
        rng: undefined as never,
        ops: counting,
      });
      expect(backwardCalls).toBeGreaterThan(0);
      expect(rule.declaration.criteria.singlePhase).toBe(false);
    },
  );
});

describe.skipIf(!fashionMnist())(
  `fa, dfa, sign-symmetry on a Fashion-MNIST subset ${fashionMnist() ? '' : FASHION_SKIP_REASON}`,
  () => {
    it.each([
      ['fa', plan.floors.fa],
      ['dfa', plan.floors.dfa],
      ['sign-symmetry', plan.floors['sign-symmetry']],
    ])(`%s: ${plan.label} train images, 2 epochs: test accuracy on 1000 images >= %s (chance 0.10)`, (rule, floor) => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const r = trainNetwork({
        rule,
        arch: 'mlp',
        dataset,
        seed: 0,
        limitTrain: plan.limitTrain,
        limitTest: 1000,
        training: { epochs: 2, hidden: plan.hidden, lr: plan.lr },
      });
      expect(r.testAccuracy).toBeGreaterThanOrEqual(floor);
    });
  },
);
