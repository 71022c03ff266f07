/**
 * `concord train` and `concord train rules`: the JSON contract, the files written, the round trip through
 * `concord activations extract` (same hidden activations as the engine, 1e-5), and bad input (exit 2, a message
 * naming what and where, no partial files).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { readNpz, writeNpy } from '@concord/io';
import { encodeOnnx, loadDataset, trainNetwork } from '@concord/learning';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../run.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        f(String(chunk));
        cb();
      },
    });
  const code = await runCli(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: dir,
  });
  return { code, stdout, stderr };
}

describe('concord train rules', () => {
  it('--json lists every rule with the contract fields', async () => {
    const r = await cli(['train', 'rules', '--json']);
    expect(r.code).toBe(0);
    const { rules } = JSON.parse(r.stdout) as { rules: Record<string, unknown>[] };
    const names = rules.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['bp', 'fa', 'dfa', 'sign-symmetry']));
    for (const rule of rules) {
      expect(Object.keys(rule)).toEqual(
        expect.arrayContaining(['name', 'family', 'variant', 'reference', 'criteria', 'architectures', 'defaults']),
      );
      const c = rule.criteria as Record<string, unknown>;
      expect(Object.keys(c).sort()).toEqual(['asymmetricWeights', 'localErrors', 'singlePhase']);
      expect(Object.values(c).every((v) => typeof v === 'boolean')).toBe(true);
    }
    const bp = rules.find((x) => x.name === 'bp');
    expect(bp?.architectures).toEqual(['mlp', 'cnn']);
    expect(bp?.criteria).toEqual({ asymmetricWeights: false, localErrors: false, singlePhase: false });
    expect(bp?.defaults).toMatchObject({ optimizer: 'adam', batch: 128, hidden: [1024, 512, 256] });
  });
});

describe('concord train', () => {
  it('trains on the digits, writes net.onnx and net.json, prints the contract JSON, leaves no checkpoint', async () => {
    const out = join(dir, 'digits-net.onnx');
    const r = await cli([
      'train',
      '--rule',
      'fa',
      '--arch',
      'mlp',
      '--hidden',
      '32,16',
      '--dataset',
      'digits',
      '--epochs',
      '2',
      '--batch',
      '64',
      '--lr',
      '0.01',
      '--seed',
      '3',
      '--out',
      'digits-net.onnx',
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s).sort()).toEqual(
      [
        'arch',
        'criteria',
        'dataset',
        'epochs',
        'layers',
        'onnx',
        'rule',
        'secondsPerEpoch',
        'seed',
        'testAccuracy',
        'trainLoss',
        'trainSeconds',
      ].sort(),
    );
    expect(s).toMatchObject({ rule: 'fa', arch: 'mlp', dataset: 'digits', epochs: 2, seed: 3, onnx: out });
    expect(s.layers).toEqual(['fc1', 'fc1_tanh', 'fc2', 'fc2_tanh', 'fc3']);
    expect(s.secondsPerEpoch).toHaveLength(2);
    expect(s.trainLoss).toHaveLength(2);
    expect(s.testAccuracy).toBeGreaterThan(0.5);
    expect(s.testAccuracy).toBeLessThanOrEqual(1);
    expect(s.criteria).toEqual({ asymmetricWeights: true, localErrors: false, singlePhase: false });
    expect(existsSync(out)).toBe(true);
    expect(existsSync(join(dir, 'digits-net.json'))).toBe(true);
    expect(existsSync(join(dir, 'digits-net.ckpt'))).toBe(false);
  });

  it('`concord activations extract` on the exported file returns the engine hidden activations (1e-5)', async () => {
    const dataset = loadDataset('digits');
    const r = trainNetwork({ rule: 'bp', arch: 'mlp', dataset, seed: 1, training: { hidden: [20, 12], epochs: 1 } });
    const model = join(dir, 'extract.onnx');
    writeFileSync(model, encodeOnnx(r.network));
    const n = 10;
    const x = dataset.test.images.slice(0, n * 64);
    writeNpy(join(dir, 'x.npy'), { data: x, shape: [n, 64] });
    const res = await cli([
      'activations',
      'extract',
      '--model',
      model,
      '--inputs',
      'x.npy',
      '--layers',
      'fc1,fc1_tanh,fc2_tanh',
      '--out',
      'acts.npz',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const acts = readNpz(join(dir, 'acts.npz'));
    const engine = r.ops.forward(r.network, { data: x, shape: [n, 64] });
    for (const [name, i] of [
      ['fc1', 0],
      ['fc1_tanh', 1],
      ['fc2_tanh', 3],
    ] as const) {
      const key = Object.keys(acts).find((k) => k === name || k.endsWith(name)) as string;
      const got = acts[key].data as Float32Array;
      const want = engine.outputs[i].data;
      let worst = 0;
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
      expect(worst, name).toBeLessThan(1e-5);
    }
  });
});

describe('concord train: bad input exits 2 with a message naming what and where, no files', () => {
  const base = ['--dataset', 'digits', '--epochs', '1', '--hidden', '8'];
  async function expectBad(args: string[], pattern: RegExp, out = 'bad.onnx') {
    const before = readdirSync(dir).length;
    const r = await cli(['train', ...args, '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(readdirSync(dir).length).toBe(before);
  }
  it('unknown rule (lists the valid ones)', () =>
    expectBad(
      ['--rule', 'hebb-ish', '--arch', 'mlp', ...base],
      /unknown rule 'hebb-ish'; valid rules: bp, fa, dfa, sign-symmetry/,
    ));
  it('unknown architecture', () =>
    expectBad(['--rule', 'bp', '--arch', 'rnn', ...base], /unknown architecture 'rnn'; valid: mlp, cnn/));
  it('images too small for the CNN', () =>
    expectBad(['--rule', 'bp', '--arch', 'cnn', ...base], /1×8×8 are too small for LeNet-5/));
  it('a corrupt IDX file (wrong magic number)', () => {
    const d = join(dir, 'corrupt-idx');
    mkdirSync(d, { recursive: true });
    for (const f of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ])
      writeFileSync(join(d, f), Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    return expectBad(
      ['--rule', 'bp', '--arch', 'mlp', '--dataset', d],
      /train-images-idx3-ubyte \(field magic, byte offset 0\): wrong magic/,
    );
  });
  it('a truncated CIFAR batch', () => {
    const d = join(dir, 'corrupt-cifar');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'data_batch_1.bin'), new Uint8Array(3073 + 100));
    writeFileSync(join(d, 'test_batch.bin'), new Uint8Array(3073));
    return expectBad(
      ['--rule', 'bp', '--arch', 'mlp', '--dataset', d],
      /data_batch_1\.bin \(byte offset 3073\).*CIFAR-10 records/,
    );
  });
  it('a non-writable output (missing folder)', () =>
    expectBad(
      ['--rule', 'bp', '--arch', 'mlp', ...base],
      /no-such-folder\/net\.onnx: cannot write the output/,
      'no-such-folder/net.onnx',
    ));
  it('a bad flag value', () =>
    expectBad(['--rule', 'bp', '--arch', 'mlp', ...base, '--lr', 'fast'], /--lr: expected a number/));
});
