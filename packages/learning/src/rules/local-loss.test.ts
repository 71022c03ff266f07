import { Matrix, Rng } from '@concord/core';
import { describeWithPython, runPythonJson } from '@concord/core/testing';
import { beforeAll, expect, it } from 'vitest';
import { localLoss, similarityMatrix } from './local-loss.ts';

function randomMatrix(rng: Rng, rows: number, cols: number, sd = 1): Matrix {
  const m = Matrix.zeros(rows, cols);
  rng.fillNormal(m.data as Float64Array, 0, sd);
  return m;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

/** The reference's losses (anokland/local-loss train.py, non-bio mode), transcribed to torch with autograd. */
const TORCH_LOCAL_LOSS = `
import torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
def similarity_matrix(x):
    xc = x - x.mean(dim=1).unsqueeze(1)
    xn = xc / (1e-8 + torch.sqrt(torch.sum(xc**2, dim=1))).unsqueeze(1)
    return xn.matmul(xn.transpose(1, 0)).clamp(-1, 1)
h = torch.tensor(data['h'], requires_grad=True)
D = torch.tensor(data['D'], requires_grad=True)
b = torch.tensor(data['b'], requires_grad=True)
S = torch.tensor(data['S'], requires_grad=True)
y = torch.tensor(data['y'])
y_onehot = F.one_hot(y, data['classes']).double()
beta = data['beta']
result = {'R': similarity_matrix(h).detach().flatten().tolist()}
for kind in ['pred', 'sim', 'predsim']:
    for t in (h, D, b, S):
        t.grad = None
    pred = F.cross_entropy(F.linear(h, D, b), y)
    sim = F.mse_loss(similarity_matrix(F.linear(h, S)), similarity_matrix(y_onehot).detach())
    loss = pred if kind == 'pred' else sim if kind == 'sim' else (1 - beta) * pred + beta * sim
    loss.backward()
    z = lambda t: (t.grad if t.grad is not None else torch.zeros_like(t)).flatten().tolist()
    result[kind] = {'loss': loss.item(), 'dh': z(h), 'dD': z(D), 'db': z(b), 'dS': z(S)}
`;

describeWithPython(['torch'], 'local losses against a torch transcription of anokland/local-loss', () => {
  const rng = new Rng(3);
  const n = 12;
  const f = 7;
  const classes = 4;
  const h = randomMatrix(rng, n, f);
  const d = randomMatrix(rng, classes, f, 0.5);
  const b = Float64Array.from({ length: classes }, () => rng.normal());
  const s = randomMatrix(rng, f, f, 0.4);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7 + 1) % classes);
  type Grads = { loss: number; dh: number[]; dD: number[]; db: number[]; dS: number[] };
  let reference: { R: number[]; pred: Grads; sim: Grads; predsim: Grads };
  beforeAll(() => {
    reference = runPythonJson(TORCH_LOCAL_LOSS, {
      h: h.toArray(),
      D: d.toArray(),
      b: [...b],
      S: s.toArray(),
      y: [...labels],
      classes,
      beta: 0.99,
    });
  });
  for (const kind of ['pred', 'sim', 'predsim'] as const) {
    it(`${kind}: loss and gradients for h, the classifier and the projection to 1e-5`, () => {
      const ref = reference[kind];
      const r = localLoss(kind, h, labels, classes, { decoderWeight: d, decoderBias: b, projection: s }, 0.99);
      expect(Math.abs(r.loss - ref.loss)).toBeLessThan(1e-7);
      expectClose(r.dH.data, ref.dh);
      if (kind !== 'sim') {
        expectClose(r.dDecoderWeight?.data ?? [], ref.dD);
        expectClose(r.dDecoderBias ?? [], ref.db);
      }
      if (kind !== 'pred') expectClose(r.dProjection?.data ?? [], ref.dS);
    });
  }
  it('the similarity matrix matches the reference in float32 too', () => {
    expectClose(similarityMatrix(h.astype('float32')).r.data, reference.R);
  });
});
