/**
 * The training loop: determinism (same seed → same bytes), resume from a checkpoint equals an uninterrupted run,
 * divergence stops with a typed error naming rule/epoch/batch, the native and TypeScript backends agree, the
 * optimisers match PyTorch step for step, the worker reports progress, and every setting is validated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableBackends, isConcordError, jsTrainingKernels, Rng } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../architectures.ts';
import { networkParams } from '../network.ts';
import type { UpdateRule } from '../rule.ts';
import { bp } from '../rules/bp.ts';
import { pythonWithTorch, runPython, syntheticDataset, testOps } from '../testing.ts';
import { runTrainingInWorker } from '../worker.ts';
import { Optimizer, scheduledLr } from './optimizer.ts';
import { trainNetwork } from './train.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = syntheticDataset(300, 100, [1, 6, 6], 4);
const small = { arch: 'mlp' as const, dataset: data, training: { hidden: [16, 8], epochs: 3, batch: 32, lr: 0.01 } };

function weightsOf(r: ReturnType<typeof trainNetwork>): Float32Array[] {
  return networkParams(r.network).map((p) => Float32Array.from(p.value));
}

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isConcordError(e) && e.code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('training loop', () => {
  it('learns the synthetic task well above chance (>= 0.9, chance 0.25)', () => {
    expect(trainNetwork({ rule: 'bp', seed: 1, ...small }).testAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('same seed and inputs give the same weights bit for bit; another seed differs', () => {
    const a = weightsOf(trainNetwork({ rule: 'fa', seed: 3, ...small }));
    const b = weightsOf(trainNetwork({ rule: 'fa', seed: 3, ...small }));
    const c = weightsOf(trainNetwork({ rule: 'fa', seed: 4, ...small }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resuming from the epoch-1 checkpoint gives the same network and history as an uninterrupted run', () => {
    const ck = join(dir, 'resume.ckpt');
    const full = trainNetwork({ rule: 'dfa', seed: 5, ...small });
    const first = trainNetwork({ rule: 'dfa', seed: 5, ...small, checkpoint: ck, stopAfterEpochs: 1 });
    expect(first.epochsDone).toBe(1);
    const resumed = trainNetwork({ rule: 'dfa', seed: 5, ...small, resume: ck });
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
    expect(resumed.trainLoss).toEqual(full.trainLoss);
    expect(resumed.testAccuracy).toBe(full.testAccuracy);
  });

  it('a checkpoint of another run is refused, naming what differs', () => {
    const ck = join(dir, 'other.ckpt');
    trainNetwork({ rule: 'bp', seed: 5, ...small, checkpoint: ck, stopAfterEpochs: 1 });
    expectCode(() => trainNetwork({ rule: 'bp', seed: 6, ...small, resume: ck }), 'ERR_LEARNING_CHECKPOINT', /seed/);
  });

  it('a loss that becomes NaN stops the run with ERR_LEARNING_DIVERGED naming rule, epoch and batch', () => {
    const nanAt: UpdateRule = {
      kind: 'update',
      declaration: { ...bp.declaration, name: 'nan-probe' },
      create: (ctx) => {
        const inner = bp.create(ctx);
        return { ...inner, step: (s) => (s.epoch === 1 && s.batchIndex === 2 ? { loss: Number.NaN } : inner.step(s)) };
      },
    };
    expectCode(
      () => trainNetwork({ rule: nanAt, seed: 1, ...small }),
      'ERR_LEARNING_DIVERGED',
      /'nan-probe'.*epoch 2, batch 3/,
    );
  });

  it('a learning rate that blows up the weights stops with ERR_LEARNING_DIVERGED', () => {
    expectCode(
      () =>
        trainNetwork({
          rule: 'bp',
          seed: 1,
          ...small,
          training: { ...small.training, activation: 'relu', optimizer: 'sgd', lr: 1e8 },
        }),
      'ERR_LEARNING_DIVERGED',
      /rule 'bp' diverged/,
    );
  });

  it.skipIf(!availableBackends().some((b) => b.name === 'native' && b.training))(
    'the native and TypeScript backends train the same network (weights within 1e-4 after 3 epochs)',
    () => {
      const a = weightsOf(trainNetwork({ rule: 'bp', seed: 2, ...small, backend: 'native' }));
      const b = weightsOf(trainNetwork({ rule: 'bp', seed: 2, ...small, backend: 'js' }));
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        for (let j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
      expect(worst).toBeLessThan(1e-4);
    },
  );

  it('settings are validated with typed errors (unknown rule lists the valid ones; cnn too big for 6×6 images)', () => {
    expectCode(
      () => trainNetwork({ rule: 'nope', ...small }),
      'ERR_LEARNING_UNKNOWN_RULE',
      /valid rules: bp, fa, dfa, sign-symmetry/,
    );
    expectCode(
      () => trainNetwork({ rule: 'bp', ...small, arch: 'rnn' as 'mlp' }),
      'ERR_LEARNING_UNKNOWN_ARCH',
      /mlp, cnn/,
    );
    expectCode(() => trainNetwork({ rule: 'bp', ...small, arch: 'cnn' }), 'ERR_LEARNING_INPUT_SIZE', /1×6×6/);
    expectCode(() => trainNetwork({ rule: 'bp', ...small, training: { lr: -1 } }), 'ERR_LEARNING_HYPER', /lr/);
    const mlpOnly: UpdateRule = { ...bp, declaration: { ...bp.declaration, name: 'mlp-only', architectures: ['mlp'] } };
    expectCode(
      () => trainNetwork({ rule: mlpOnly, ...small, arch: 'cnn' }),
      'ERR_LEARNING_ARCH_UNSUPPORTED',
      /'mlp-only' does not support 'cnn'; it supports: mlp/,
    );
    expectCode(
      () => trainNetwork({ rule: 'bp', ...small, hyper: { nope: 1 } }),
      'ERR_LEARNING_HYPER',
      /no hyper-parameter 'nope'/,
    );
    expectCode(
      () => trainNetwork({ rule: 'sign-symmetry', ...small, hyper: { scale: 'huge' } }),
      'ERR_LEARNING_HYPER',
      /none, mean-abs/,
    );
  });

  it('the step schedule divides by 10 at 50 % and 75 % of the epochs; cosine ends near 0', () => {
    expect([0, 3, 4, 5, 6, 7].map((e) => scheduledLr(1, 'step', e, 8))).toEqual([1, 1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
    expect(scheduledLr(1, 'step', 0, 1)).toBe(1);
    expect(scheduledLr(1, 'cosine', 9, 10)).toBeLessThan(0.03);
  });

  it('runs in a worker thread, reporting progress events with epoch, batch, loss and accuracy', async () => {
    const events: { values?: Readonly<Record<string, number>> }[] = [];
    const summary = await runTrainingInWorker({
      rule: 'bp',
      arch: 'mlp',
      dataset: 'digits',
      out: join(dir, 'worker.onnx'),
      training: { hidden: [32], epochs: 2 },
      onProgress: (e) => events.push(e),
    });
    expect(summary.epochs).toBe(2);
    expect(summary.testAccuracy).toBeGreaterThan(0.5);
    const last = events.at(-1)?.values;
    expect(last).toMatchObject({ epoch: 2, epochs: 2 });
    expect(Object.keys(last ?? {})).toEqual(expect.arrayContaining(['batch', 'loss', 'accuracy']));
  });
});

const torchPython = pythonWithTorch();
describe.skipIf(!torchPython)(
  `optimisers match torch.optim step for step${torchPython ? '' : ' [skipped: no python3 with torch]'}`,
  () => {
    it.each([
      ['adam', { name: 'adam' as const, lr: 0.01, momentum: 0, weightDecay: 0.01 }],
      ['sgd', { name: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 0.001 }],
    ])('%s with weight decay: 4 steps of a tiny MLP equal PyTorch to 1e-5', (_n, settings) => {
      const net = buildNetwork({ arch: 'mlp', imageShape: [1, 1, 5], nClasses: 3, hidden: [4], rng: new Rng(1) });
      const init = networkParams(net).map((p) => Array.from(p.value));
      const rng = new Rng(2);
      const batches = Array.from({ length: 4 }, () => ({
        x: Array.from({ length: 6 * 5 }, () => rng.random()),
        y: Array.from({ length: 6 }, () => rng.int(3)),
      }));
      const opt = new Optimizer(settings, jsTrainingKernels);
      for (const b of batches) {
        for (const p of networkParams(net)) p.grad.fill(0);
        const fwd = testOps.forward(net, { data: Float32Array.from(b.x), shape: [6, 5] });
        const { grad } = testOps.loss('cross-entropy', fwd.outputs[fwd.outputs.length - 1], Int32Array.from(b.y));
        testOps.backward(net, fwd, grad);
        opt.step(networkParams(net), settings.lr);
      }
      const want = runPython<number[][]>(
        torchPython as string,
        `import torch
torch.set_num_threads(1)
m = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))
with torch.no_grad():
    for p, v in zip(m.parameters(), data['init']): p.copy_(torch.tensor(v).reshape(p.shape))
s = data['s']
opt = torch.optim.Adam(m.parameters(), lr=s['lr'], weight_decay=s['weightDecay']) if s['name'] == 'adam' else torch.optim.SGD(m.parameters(), lr=s['lr'], momentum=s['momentum'], weight_decay=s['weightDecay'])
for b in data['batches']:
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(m(torch.tensor(b['x']).reshape(6, 5)), torch.tensor(b['y']))
    loss.backward(); opt.step()
result = [p.detach().reshape(-1).tolist() for p in m.parameters()]`,
        { init, s: settings, batches },
      );
      networkParams(net).forEach((p, i) => {
        for (let j = 0; j < p.value.length; j++) expect(Math.abs(p.value[j] - want[i][j])).toBeLessThan(1e-5);
      });
    });
  },
);
