/**
 * Optimisers with PyTorch's semantics (so the PyTorch reference runs the same recipe): SGD with momentum and L2
 * weight decay (g += wd·p; buf = momentum·buf + g; p -= lr·buf), and Adam (torch.optim.Adam: weight decay added to
 * the gradient, bias-corrected moments, eps outside the square root). Learning-rate schedules are per epoch.
 */
import type { FloatArray, TrainingKernels } from '@concord/core';
import type { Param } from '../network.ts';
import type { OptimizerName, TrainingDefaults } from '../rule.ts';

export interface OptimizerSettings {
  name: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Optimizer {
  /** Adam's first moment / SGD's momentum buffer, and Adam's second moment, per parameter name. */
  readonly m = new Map<string, FloatArray>();
  readonly v = new Map<string, FloatArray>();
  /** Adam's step count per parameter (parameters frozen for a while keep their own count, as in PyTorch). */
  readonly t = new Map<string, number>();

  constructor(
    readonly settings: OptimizerSettings,
    private readonly kernels: TrainingKernels,
  ) {}

  private buffer(map: Map<string, FloatArray>, p: Param): FloatArray {
    let b = map.get(p.name);
    if (!b) {
      b = p.value instanceof Float32Array ? new Float32Array(p.value.length) : new Float64Array(p.value.length);
      map.set(p.name, b);
    }
    return b;
  }

  /** One update of every trainable parameter with the given learning rate. */
  step(params: readonly Param[], lr: number): void {
    const s = this.settings;
    for (const p of params) {
      if (!p.trainable) continue;
      if (s.name === 'adam') {
        const b1 = s.beta1 ?? 0.9;
        const b2 = s.beta2 ?? 0.999;
        const eps = s.eps ?? 1e-8;
        const t = (this.t.get(p.name) ?? 0) + 1;
        this.t.set(p.name, t);
        const m = this.buffer(this.m, p);
        const v = this.buffer(this.v, p);
        const bias1 = 1 - b1 ** t;
        const bias2 = 1 - b2 ** t;
        if (p.value instanceof Float32Array) {
          this.kernels.adamStep(
            p.value,
            p.grad as Float32Array,
            m as Float32Array,
            v as Float32Array,
            lr,
            b1,
            b2,
            eps,
            s.weightDecay,
            bias1,
            bias2,
          );
        } else {
          const w = p.value;
          const g = p.grad;
          for (let i = 0; i < w.length; i++) {
            const gi = g[i] + s.weightDecay * w[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            w[i] -= ((lr / bias1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bias2) + eps);
          }
        }
      } else {
        const w = p.value;
        const g = p.grad;
        const wd = s.weightDecay;
        if (s.momentum !== 0) {
          const first = !this.m.has(p.name);
          const buf = this.buffer(this.m, p);
          for (let i = 0; i < w.length; i++) {
            const gi = g[i] + wd * w[i];
            // PyTorch initialises the buffer with the first gradient (no dampening).
            buf[i] = first ? gi : s.momentum * buf[i] + gi;
            w[i] -= lr * buf[i];
          }
        } else {
          for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + wd * w[i]);
        }
      }
    }
  }
}

/** The learning rate of an epoch (0-based) under a schedule. */
export function scheduledLr(
  base: number,
  schedule: TrainingDefaults['schedule'],
  epoch: number,
  epochs: number,
): number {
  if (schedule === 'step') {
    // ×0.1 at 50 % and 75 % of the run (never at epoch 0).
    const m1 = Math.max(1, Math.floor(0.5 * epochs));
    const m2 = Math.max(1, Math.floor(0.75 * epochs));
    return base * (epoch >= m2 ? 0.1 : 1) * (epoch >= m1 ? 0.1 : 1);
  }
  if (schedule === 'cosine') return 0.5 * base * (1 + Math.cos((Math.PI * epoch) / epochs));
  return base;
}
