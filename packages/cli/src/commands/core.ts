/** `concord info` and `concord bench gemm`. */
import { availableParallelism } from 'node:os';
import {
  BACKEND_NAMES,
  type BackendName,
  backendFor,
  backendReport,
  loadBackend,
  Matrix,
  Rng,
  setBackend,
  VERSION,
} from '@concord/core';
import { type Command, choiceOption, requiredChoice, requiredNumber, UsageError } from '../command.ts';

const info: Command = {
  name: 'info',
  summary: 'version, compute backend and threads',
  options: {},
  run(_opts, _pos, ctx) {
    const report = backendReport();
    const selected = report.backends.find((b) => b.name === report.selected);
    const result = {
      version: VERSION,
      node: process.versions.node,
      backend: report.selected,
      forcedBackend: report.forced,
      threads: selected?.threads ?? 1,
      cpus: availableParallelism(),
      backends: report.backends,
    };
    ctx.output(result, (r: typeof result) =>
      [
        `concord ${r.version} (node ${r.node})`,
        `backend: ${r.backend}${r.forcedBackend ? ' (forced by CONCORD_BACKEND)' : ''}, ${r.threads} thread(s), ${r.cpus} CPU(s)`,
        ...r.backends.map(
          (b) => `  ${b.name.padEnd(7)} ${b.available ? `available: ${b.description}` : `unavailable: ${b.reason}`}`,
        ),
      ].join('\n'),
    );
    return 0;
  },
};

const benchGemm: Command = {
  name: 'bench gemm',
  summary: 'time C = X·Xᵀ for a random X (n×p), best of 3 runs',
  options: {
    n: { type: 'string', value: 'N', description: 'rows of X', default: '1000' },
    p: { type: 'string', value: 'P', description: 'columns of X', default: '20000' },
    dtype: { type: 'string', value: 'f64|f32', description: 'element type', default: 'f64' },
    backend: {
      type: 'string',
      value: 'B',
      description: `backend to use (${BACKEND_NAMES.join('|')}); default: the automatic choice`,
    },
    repeats: { type: 'string', value: 'R', description: 'runs (the best is reported)', default: '3' },
  },
  details: 'gflops counts 2·n²·p floating-point operations (the general product), as numpy comparisons do.',
  run(opts, _pos, ctx) {
    const n = requiredNumber(opts, 'n', { integer: true, min: 1 });
    const p = requiredNumber(opts, 'p', { integer: true, min: 1 });
    const repeats = requiredNumber(opts, 'repeats', { integer: true, min: 1 });
    const dtype = requiredChoice(opts, 'dtype', ['f64', 'f32'] as const);
    const name = choiceOption(opts, 'backend', BACKEND_NAMES);
    if (name) {
      const r = loadBackend(name as BackendName);
      if (!r.backend) throw new UsageError(`--backend: '${name}' is not available here: ${r.reason}`);
      setBackend(name as BackendName);
    }
    if (n * p > 2 ** 31) throw new UsageError(`--n × --p = ${n * p} elements is too large (limit 2^31)`);
    const rng = new Rng(0);
    const x = Matrix.zeros(n, p, dtype === 'f32' ? 'float32' : 'float64');
    rng.fillNormal(x.data);
    const backend = backendFor('syrk', n * n * p);
    let best = Infinity;
    const progress = ctx.progress('bench gemm');
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      backend.syrk(x, false);
      best = Math.min(best, (performance.now() - t0) / 1000);
      progress({ stage: backend.name, done: r + 1, total: repeats });
    }
    const result = { backend: backend.name, n, p, dtype, seconds: best, gflops: (2 * n * n * p) / best / 1e9 };
    ctx.output(
      result,
      (r: typeof result) =>
        `${r.backend} ${r.dtype}: X ${r.n}×${r.p}, C = X·Xᵀ in ${r.seconds.toFixed(4)} s (${r.gflops.toFixed(1)} GFLOP/s)`,
    );
    return 0;
  },
};

export const coreCommands: Command[] = [info, benchGemm];
