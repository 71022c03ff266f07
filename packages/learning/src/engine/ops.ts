/**
 * The engine's forward and backward operations over a Network (the `EngineOps` of rule.ts), on one set of
 * training kernels (native OpenBLAS or the TypeScript twin). Layer semantics follow PyTorch/ONNX: dense y = x·Wᵀ + b
 * with W out×in; conv2d is cross-correlation with W outC×inC×k×k; pools are non-overlapping windows as configured.
 */
import { allocate, type FloatArray, InternalError, type TrainingKernels } from '@concord/core';
import type { ActivationLayer, ActivationName, Conv2dLayer, DenseLayer, Layer, PoolLayer } from '../network.ts';
import type { EngineOps, LossName } from '../rule.ts';
import { dtypeOfTensor, type Tensor } from '../tensor.ts';

function like(t: Tensor, shape: readonly number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return { data: allocate(dtypeOfTensor(t), n), shape: [...shape] };
}

const DEFAULT_LEAKY_SLOPE = 0.01;

export function activateInto(fn: ActivationName, x: FloatArray, y: FloatArray, cols: number, slope?: number): void {
  const n = x.length;
  switch (fn) {
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = Math.max(x[i], 0);
      return;
    case 'leaky-relu': {
      const a = slope ?? DEFAULT_LEAKY_SLOPE;
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * x[i];
      return;
    }
    case 'hard-sigmoid':
      // clamp(x, 0, 1): the rho of Scellier & Bengio 2017 (ONNX HardSigmoid with alpha = 1, beta = 0).
      for (let i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : Math.min(x[i], 1);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'identity':
      y.set(x);
      return;
    case 'softmax':
      for (let r = 0; r < n / cols; r++) {
        const o = r * cols;
        let max = -Infinity;
        for (let j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
        let s = 0;
        for (let j = 0; j < cols; j++) {
          const e = Math.exp(x[o + j] - max);
          y[o + j] = e;
          s += e;
        }
        for (let j = 0; j < cols; j++) y[o + j] /= s;
      }
      return;
  }
}

/** dL/dx from dL/dy for y = f(x), written into gx. */
export function activationBackwardInto(
  fn: ActivationName,
  x: FloatArray,
  y: FloatArray,
  gy: FloatArray,
  gx: FloatArray,
  cols: number,
  slope?: number,
): void {
  const n = x.length;
  switch (fn) {
    case 'tanh':
      for (let i = 0; i < n; i++) gx[i] = gy[i] * (1 - y[i] * y[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) gx[i] = x[i] > 0 ? gy[i] : 0;
      return;
    case 'leaky-relu': {
      const a = slope ?? DEFAULT_LEAKY_SLOPE;
      for (let i = 0; i < n; i++) gx[i] = x[i] > 0 ? gy[i] : a * gy[i];
      return;
    }
    case 'hard-sigmoid':
      for (let i = 0; i < n; i++) gx[i] = x[i] > 0 && x[i] < 1 ? gy[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) gx[i] = gy[i] * y[i] * (1 - y[i]);
      return;
    case 'identity':
      gx.set(gy);
      return;
    case 'softmax':
      for (let r = 0; r < n / cols; r++) {
        const o = r * cols;
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += gy[o + j] * y[o + j];
        for (let j = 0; j < cols; j++) gx[o + j] = y[o + j] * (gy[o + j] - dot);
      }
      return;
  }
}

interface ConvCache {
  /** im2col columns of every image of the batch, image after image. */
  cols: FloatArray;
}
interface MaxPoolCache {
  argmax: Int32Array;
}

export function createOps(kernels: TrainingKernels): EngineOps {
  function denseForward(layer: DenseLayer, x: Tensor): Tensor {
    const n = x.shape[0];
    const out = like(x, [n, layer.outFeatures]);
    const b = layer.bias.value;
    for (let i = 0; i < n; i++) out.data.set(b, i * layer.outFeatures);
    kernels.gemmInto(x.data, layer.weight.value, out.data, n, layer.outFeatures, layer.inFeatures, false, true, 1, 1);
    return out;
  }

  function convForward(layer: Conv2dLayer, x: Tensor): { out: Tensor; cache: ConvCache } {
    const n = x.shape[0];
    const [h, w] = layer.inSize;
    const [oh, ow] = layer.outSize;
    const ckk = layer.inChannels * layer.kernel * layer.kernel;
    const ohw = oh * ow;
    const inSize = layer.inChannels * h * w;
    const out = like(x, [n, layer.outChannels, oh, ow]);
    const cols = allocate(dtypeOfTensor(x), n * ckk * ohw);
    const bias = layer.bias.value;
    for (let i = 0; i < n; i++) {
      const c = cols.subarray(i * ckk * ohw, (i + 1) * ckk * ohw);
      kernels.im2col(
        x.data.subarray(i * inSize, (i + 1) * inSize),
        c,
        layer.inChannels,
        h,
        w,
        layer.kernel,
        layer.stride,
        layer.padding,
      );
      const o = out.data.subarray(i * layer.outChannels * ohw, (i + 1) * layer.outChannels * ohw);
      for (let oc = 0; oc < layer.outChannels; oc++) o.fill(bias[oc], oc * ohw, (oc + 1) * ohw);
      kernels.gemmInto(layer.weight.value, c, o, layer.outChannels, ohw, ckk, false, false, 1, 1);
    }
    return { out, cache: { cols } };
  }

  function poolForward(layer: PoolLayer, x: Tensor): { out: Tensor; cache?: MaxPoolCache } {
    const n = x.shape[0];
    const [h, w] = layer.inSize;
    const [oh, ow] = layer.outSize;
    const c = layer.channels;
    const out = like(x, [n, c, oh, ow]);
    const max = layer.kind === 'maxpool';
    const argmax = max ? new Int32Array(out.data.length) : undefined;
    const area = layer.size * layer.size;
    for (let p = 0; p < n * c; p++) {
      const base = p * h * w;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const o = (p * oh + oy) * ow + ox;
          let best = -Infinity;
          let bestAt = -1;
          let sum = 0;
          for (let ky = 0; ky < layer.size; ky++) {
            const iy = oy * layer.stride + ky;
            for (let kx = 0; kx < layer.size; kx++) {
              const at = base + iy * w + ox * layer.stride + kx;
              const v = x.data[at];
              sum += v;
              // First maximum wins (PyTorch and ONNX MaxPool agree on the value; the gradient goes to one input).
              if (v > best || bestAt < 0) {
                best = v;
                bestAt = at;
              }
            }
          }
          if (argmax) {
            out.data[o] = best;
            argmax[o] = bestAt;
          } else out.data[o] = sum / area;
        }
    }
    return { out, cache: argmax ? { argmax } : undefined };
  }

  function forwardLayer(layer: Layer, x: Tensor): { out: Tensor; cache?: unknown } {
    switch (layer.kind) {
      case 'dense':
        return { out: denseForward(layer, x) };
      case 'conv2d':
        return convForward(layer, x);
      case 'maxpool':
      case 'avgpool':
        return poolForward(layer, x);
      case 'flatten':
        return { out: { data: x.data, shape: [x.shape[0], x.data.length / Math.max(1, x.shape[0])] } };
      case 'activation': {
        const out = like(x, x.shape);
        if (layer.fn === 'tanh') {
          out.data.set(x.data);
          kernels.tanhInPlace(out.data);
        } else activateInto(layer.fn, x.data, out.data, x.shape[x.shape.length - 1], layer.slope);
        return { out };
      }
    }
  }

  const ops: EngineOps = {
    forward(network, input, range = {}) {
      const from = range.from ?? 0;
      const to = range.to ?? network.layers.length - 1;
      const outputs: Tensor[] = new Array(network.layers.length);
      const caches: unknown[] = new Array(network.layers.length);
      if (from > 0) outputs[from - 1] = input;
      let x = input;
      for (let i = from; i <= to; i++) {
        const r = forwardLayer(network.layers[i], x);
        outputs[i] = r.out;
        caches[i] = r.cache;
        x = r.out;
      }
      return { input, outputs, caches };
    },

    backwardLayer(network, i, state, gradOutput, opts = {}) {
      const layer = network.layers[i];
      const x = i === 0 ? state.input : state.outputs[i - 1];
      const wantInput = opts.input !== false;
      const wantParams = opts.params !== false;
      if (!x)
        throw new InternalError('ERR_LEARNING_STATE', `backwardLayer: the forward state lacks layer ${i}'s input`);
      switch (layer.kind) {
        case 'dense': {
          const n = x.shape[0];
          const g = gradOutput.data;
          if (wantParams && layer.weight.trainable) {
            kernels.gemmInto(g, x.data, layer.weight.grad, layer.outFeatures, layer.inFeatures, n, true, false, 1, 1);
            const gb = layer.bias.grad;
            for (let r = 0; r < n; r++)
              for (let j = 0; j < layer.outFeatures; j++) gb[j] += g[r * layer.outFeatures + j];
          }
          if (!wantInput) return undefined;
          const gx = like(x, x.shape);
          const w = opts.feedback ?? layer.weight.value;
          kernels.gemmInto(g, w, gx.data, n, layer.inFeatures, layer.outFeatures, false, false, 1, 0);
          return gx;
        }
        case 'conv2d': {
          const n = x.shape[0];
          const cache = state.caches[i] as ConvCache | undefined;
          if (!cache) throw new InternalError('ERR_LEARNING_STATE', `backwardLayer: no im2col cache for layer ${i}`);
          const [h, w] = layer.inSize;
          const [oh, ow] = layer.outSize;
          const ckk = layer.inChannels * layer.kernel * layer.kernel;
          const ohw = oh * ow;
          const oc = layer.outChannels;
          const inSize = layer.inChannels * h * w;
          const gx = wantInput ? like(x, x.shape) : undefined;
          const dcols = wantInput ? allocate(dtypeOfTensor(x), ckk * ohw) : undefined;
          const wf = opts.feedback ?? layer.weight.value;
          for (let s = 0; s < n; s++) {
            const g = gradOutput.data.subarray(s * oc * ohw, (s + 1) * oc * ohw);
            const cols = cache.cols.subarray(s * ckk * ohw, (s + 1) * ckk * ohw);
            if (wantParams && layer.weight.trainable) {
              kernels.gemmInto(g, cols, layer.weight.grad, oc, ckk, ohw, false, true, 1, 1);
              const gb = layer.bias.grad;
              for (let c = 0; c < oc; c++) {
                let sum = 0;
                for (let t = 0; t < ohw; t++) sum += g[c * ohw + t];
                gb[c] += sum;
              }
            }
            if (gx && dcols) {
              kernels.gemmInto(wf, g, dcols, ckk, ohw, oc, true, false, 1, 0);
              kernels.col2im(
                dcols,
                gx.data.subarray(s * inSize, (s + 1) * inSize),
                layer.inChannels,
                h,
                w,
                layer.kernel,
                layer.stride,
                layer.padding,
              );
            }
          }
          return gx;
        }
        case 'maxpool':
        case 'avgpool': {
          if (!wantInput) return undefined;
          const gx = like(x, x.shape);
          const g = gradOutput.data;
          if (layer.kind === 'maxpool') {
            const cache = state.caches[i] as MaxPoolCache | undefined;
            if (!cache) throw new InternalError('ERR_LEARNING_STATE', `backwardLayer: no argmax cache for layer ${i}`);
            for (let o = 0; o < g.length; o++) gx.data[cache.argmax[o]] += g[o];
          } else {
            const [h, w] = layer.inSize;
            const [oh, ow] = layer.outSize;
            const area = layer.size * layer.size;
            for (let p = 0; p < x.shape[0] * layer.channels; p++)
              for (let oy = 0; oy < oh; oy++)
                for (let ox = 0; ox < ow; ox++) {
                  const v = g[(p * oh + oy) * ow + ox] / area;
                  for (let ky = 0; ky < layer.size; ky++)
                    for (let kx = 0; kx < layer.size; kx++)
                      gx.data[p * h * w + (oy * layer.stride + ky) * w + ox * layer.stride + kx] += v;
                }
          }
          return gx;
        }
        case 'flatten':
          return wantInput ? { data: gradOutput.data, shape: x.shape } : undefined;
        case 'activation': {
          if (!wantInput) return undefined;
          const y = state.outputs[i];
          const gx = like(x, x.shape);
          activationBackwardInto(
            (layer as ActivationLayer).fn,
            x.data,
            y.data,
            gradOutput.data,
            gx.data,
            x.shape[x.shape.length - 1],
            layer.slope,
          );
          return gx;
        }
      }
    },

    backward(network, state, gradOutput, opts = {}) {
      const from = opts.from ?? network.layers.length - 1;
      const to = opts.to ?? 0;
      let g: Tensor | undefined = gradOutput;
      for (let i = from; i >= to && g; i--) {
        g = ops.backwardLayer(network, i, state, g, {
          feedback: opts.feedback?.(i),
          params: opts.params,
          input: i > to || (opts.input ?? to > 0),
        });
      }
      return g;
    },

    loss(name: LossName, logits, labels, opts = {}) {
      const n = logits.shape[0];
      const k = logits.data.length / Math.max(1, n);
      const grad = like(logits, logits.shape);
      const z = logits.data;
      let total = 0;
      if (name === 'cross-entropy') {
        // PyTorch's CrossEntropyLoss(label_smoothing=eps): target (1 - eps)·onehot + eps/K, mean over the batch.
        const eps = opts.labelSmoothing ?? 0;
        for (let r = 0; r < n; r++) {
          const o = r * k;
          let max = -Infinity;
          for (let j = 0; j < k; j++) max = Math.max(max, z[o + j]);
          let s = 0;
          for (let j = 0; j < k; j++) s += Math.exp(z[o + j] - max);
          const lse = max + Math.log(s);
          for (let j = 0; j < k; j++) {
            const t = (j === labels[r] ? 1 - eps : 0) + eps / k;
            const p = Math.exp(z[o + j] - lse);
            if (t !== 0) total -= t * (z[o + j] - lse);
            grad.data[o + j] = (p - t) / n;
          }
        }
        return { value: total / n, grad };
      }
      // MSE against one-hot targets, mean over all N·K entries (PyTorch's MSELoss).
      for (let r = 0; r < n; r++)
        for (let j = 0; j < k; j++) {
          const d = z[r * k + j] - (j === labels[r] ? 1 : 0);
          total += d * d;
          grad.data[r * k + j] = (2 * d) / (n * k);
        }
      return { value: total / (n * k), grad };
    },

    gemm(a, b, c, m, n, k, transA, transB, alpha = 1, beta = 0) {
      kernels.gemmInto(a, b, c, m, n, k, transA, transB, alpha, beta);
    },

    activate(fn, x, slope) {
      const out = like(x, x.shape);
      activateInto(fn, x.data, out.data, x.shape[x.shape.length - 1], slope);
      return out;
    },

    activationBackward(fn, x, y, gradOutput, slope) {
      const gx = like(x, x.shape);
      activationBackwardInto(fn, x.data, y.data, gradOutput.data, gx.data, x.shape[x.shape.length - 1], slope);
      return gx;
    },
  };
  return ops;
}
