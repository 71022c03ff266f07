import { Matrix, Rng } from '@concord/core';
import { describeWithPython, runPythonJson } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { type EnergyNetwork, energy, eqPropStep, relax, zeroState } from './equilibrium-propagation-dynamics.ts';
import { angleDegrees, flatGrads } from './rule-test-kit.ts';

function makeNet(sizes: number[], seed: number, scale = 1): EnergyNetwork {
  const rng = new Rng(seed);
  const weights: Matrix[] = [];
  const biases: Float64Array[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const w = Matrix.zeros(sizes[l], sizes[l - 1]);
    rng.fillUniform(w.data as Float64Array, -scale / Math.sqrt(sizes[l - 1]), scale / Math.sqrt(sizes[l - 1]));
    weights.push(w);
    biases.push(rng.fillUniform(new Float64Array(sizes[l]), 0, 0.3));
  }
  return { weights, biases };
}

function batch(n: number, inputs: number, classes: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const x = Matrix.zeros(n, inputs);
  rng.fillUniform(x.data as Float64Array);
  const y = Matrix.zeros(n, classes);
  for (let s = 0; s < n; s++) y.data[s * classes + rng.int(classes)] = 1;
  return { x, y };
}

const site = { rule: 'equilibrium-propagation', batch: 0 };

/** Loss ½|s_L − y|² (batch mean) after `steps` free steps from zero: the function BPTT differentiates. */
function unrolledLoss(net: EnergyNetwork, x: Matrix, y: Matrix, steps: number): number {
  const s = relax(net, zeroState(net, x), steps, site).state;
  const out = s[s.length - 1].data;
  let l = 0;
  for (let i = 0; i < out.length; i++) l += 0.5 * (out[i] - y.data[i]) ** 2;
  return l / x.rows;
}

/** Central finite differences of the unrolled loss: the gradient BPTT computes, by a different method. */
function finiteDifferenceGradient(net: EnergyNetwork, x: Matrix, y: Matrix, steps: number): number[] {
  const out: number[] = [];
  const h = 1e-6;
  net.weights.forEach((w, l) => {
    for (const arr of [w.data, net.biases[l]]) {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        arr[i] = v + h;
        const up = unrolledLoss(net, x, y, steps);
        arr[i] = v - h;
        const down = unrolledLoss(net, x, y, steps);
        arr[i] = v;
        out.push((up - down) / (2 * h));
      }
    }
  });
  return out;
}

describe('equilibrium propagation dynamics', () => {
  const net = makeNet([6, 5, 4, 3], 3);
  const { x, y } = batch(8, 6, 3, 4);

  it('the free phase lowers the energy at every step and settles (state change below a tolerance)', () => {
    const r = relax(net, zeroState(net, x), 40, site, { beta: 0 }, true);
    for (let t = 1; t < r.energies.length; t++) expect(r.energies[t]).toBeLessThanOrEqual(r.energies[t - 1] + 1e-12);
    expect(r.energies[40]).toBeLessThan(r.energies[0]);
    expect(r.lastChange).toBeLessThan(1e-6);
    // The settled state is a fixed point of every layer's update: s_l = clip(W s_{l−1} + b + W_lᵀ s_{l+1}).
    const s = r.state;
    for (let l = 1; l < s.length; l++)
      for (let k = 0; k < s[l].cols; k++) {
        let h = net.biases[l - 1][k];
        for (let i = 0; i < s[l - 1].cols; i++) h += net.weights[l - 1].data[k * s[l - 1].cols + i] * s[l - 1].data[i];
        if (l < s.length - 1)
          for (let j = 0; j < s[l + 1].cols; j++) h += net.weights[l].data[j * s[l].cols + k] * s[l + 1].data[j];
        expect(s[l].data[k]).toBeCloseTo(Math.min(1, Math.max(0, h)), 6);
      }
    expect(energy(net, s)).toBeCloseTo(r.energies[40], 12);
  });

  it('a nudged phase also lowers its (nudged) energy and moves the output towards the target', () => {
    const free = relax(net, zeroState(net, x), 40, site).state;
    const before = free[3].clone();
    const r = relax(net, free, 20, site, { beta: 0.5, y }, true);
    for (let t = 1; t < r.energies.length; t++) expect(r.energies[t]).toBeLessThanOrEqual(r.energies[t - 1] + 1e-12);
    let dBefore = 0;
    let dAfter = 0;
    for (let i = 0; i < y.data.length; i++) {
      dBefore += (before.data[i] - y.data[i]) ** 2;
      dAfter += (r.state[3].data[i] - y.data[i]) ** 2;
    }
    expect(dAfter).toBeLessThan(dBefore);
  });

  it('as β → 0 the symmetric update aligns with BP through time of the relaxation (finite differences of the unrolled loss)', () => {
    const steps = 60;
    const fd = finiteDifferenceGradient(net, x, y, steps);
    const angles = [0.2, 0.05, 1e-3].map((beta) => {
      const r = eqPropStep(
        net,
        x,
        y,
        { freeSteps: steps, nudgedSteps: 60, beta, symmetric: true, tolerance: 1e-6 },
        site,
      );
      expect(r.converged).toBe(true);
      return angleDegrees(flatGrads(r.weightGrads, r.biasGrads), fd);
    });
    expect(angles[2]).toBeLessThan(1);
    expect(angles[2]).toBeLessThanOrEqual(angles[0] + 1e-9);
    // Symmetric nudging removes the first-order bias of the one-sided estimate at the same β.
    const oneSided = eqPropStep(
      net,
      x,
      y,
      { freeSteps: steps, nudgedSteps: 60, beta: 0.2, symmetric: false, tolerance: 1e-6 },
      site,
    );
    expect(angles[0]).toBeLessThan(angleDegrees(flatGrads(oneSided.weightGrads, oneSided.biasGrads), fd));
  });

  it('reports a free phase that has not settled within its step budget', () => {
    const r = eqPropStep(
      net,
      x,
      y,
      { freeSteps: 1, nudgedSteps: 1, beta: 0.1, symmetric: true, tolerance: 1e-6 },
      site,
    );
    expect(r.converged).toBe(false);
    expect(r.freeChange).toBeGreaterThan(1e-6);
  });

  it('non-finite weights are a typed error naming the rule, layer and batch', () => {
    const bad = makeNet([6, 5, 4, 3], 3);
    bad.weights[1].data[2] = Number.NaN;
    expect(() => relax(bad, zeroState(bad, x), 5, { rule: 'equilibrium-propagation', batch: 6 })).toThrow(
      /equilibrium-propagation: the relaxation diverged in layer [12] .*batch 7/,
    );
  });
});

describeWithPython(['torch'], 'equilibrium propagation against BPTT in PyTorch', () => {
  it('the symmetric update with small β matches torch autograd through the unrolled free phase (angle < 1°)', () => {
    const net = makeNet([7, 6, 5, 4], 11);
    const { x, y } = batch(10, 7, 4, 12);
    const steps = 50;
    const ref = runPythonJson<number[]>(
      `
import torch
torch.set_default_dtype(torch.float64)
W = [torch.tensor(w, requires_grad=True) for w in data['W']]
b = [torch.tensor(v, requires_grad=True) for v in data['b']]
x = torch.tensor(data['x']); y = torch.tensor(data['y'])
L = len(W)
s = [x] + [torch.zeros(x.shape[0], w.shape[0]) for w in W]
# The same relaxation, transcribed: odd layers, then even ones; hard sigmoid = clamp to [0, 1].
for t in range(data['steps']):
    for parity in (1, 0):
        for l in range(1, L + 1):
            if l % 2 != parity: continue
            h = s[l - 1] @ W[l - 1].T + b[l - 1]
            if l < L: h = h + s[l + 1] @ W[l]
            s[l] = torch.clamp(h, 0, 1)
loss = 0.5 * ((s[L] - y) ** 2).sum(1).mean()
loss.backward()
result = sum(([*W[l].grad.flatten().tolist(), *b[l].grad.tolist()] for l in range(L)), [])
`,
      {
        W: net.weights.map((w) => w.toArray()),
        b: net.biases.map((v) => Array.from(v)),
        x: x.toArray(),
        y: y.toArray(),
        steps,
      },
    );
    const r = eqPropStep(
      net,
      x,
      y,
      { freeSteps: steps, nudgedSteps: 50, beta: 1e-3, symmetric: true, tolerance: 1e-6 },
      site,
    );
    expect(angleDegrees(flatGrads(r.weightGrads, r.biasGrads), ref)).toBeLessThan(1);
  });
});
