/**
 * The computations behind the /v1 routes, as plain tasks (structured-clone friendly) so the same code runs in a
 * worker thread (heavy requests) or inline on the event loop (tiny ones). Everything numeric is the libraries':
 * this file only converts shapes and names, so the numbers are exactly those of `calcRdm`, `compareRdms`, ... and
 * of the CLI commands built on them.
 */
import { Dataset, Matrix, VERSION } from '@concord/core';
import { readMatrixNpy } from '@concord/io';
import type * as RsaLib from '@concord/rsa';
import type * as SimilarityLib from '@concord/similarity';
import { type ErrorBody, errorBody } from './errors.ts';
import type { MatrixRef } from './input.ts';

export type RdmTask = {
  op: 'rdm';
  data: MatrixRef;
  conditions: (string | number)[];
  runs?: (string | number)[];
  method: string;
  noise?: MatrixRef;
  removeMean?: boolean;
  priorLambda?: number;
  priorWeight?: number;
  poissonCvFolds?: 'all' | 'last';
};
export type CompareTask = { op: 'compare'; a: MatrixRef; b: MatrixRef; method: string; sigmaK?: MatrixRef };
export type NoiseCeilingTask = { op: 'noiseCeiling'; rdms: MatrixRef; method: string };
export type CkaTask = {
  op: 'cka';
  x: MatrixRef;
  y: MatrixRef;
  kernel: string;
  debiased: boolean;
  threshold?: number;
  sigma?: number;
  median?: 'full' | 'pairs';
};
export type SimilarityTask = {
  op: 'similarity';
  x: MatrixRef;
  y: MatrixRef;
  metric: string;
  options: Record<string, unknown>;
};
export type Task = RdmTask | CompareTask | NoiseCeilingTask | CkaTask | SimilarityTask;

export interface RdmResult {
  method: string;
  conditions: (string | number)[];
  dissimilarities: Float64Array;
}
export interface CompareResult {
  method: string;
  values: (number | null)[][];
}
export interface NoiseCeilingResult {
  method: string;
  lower: number | null;
  upper: number | null;
}
export interface CkaResult {
  metric: 'cka';
  kernel: string;
  debiased: boolean;
  value: number | null;
  details: Record<string, unknown>;
}
export interface SimilarityResult {
  metric: string;
  value: number | null;
  details: Record<string, unknown>;
}
export type TaskResult = RdmResult | CompareResult | NoiseCeilingResult | CkaResult | SimilarityResult;

export type TaskOutcome = { ok: true; result: TaskResult; version: string } | { ok: false; error: ErrorBody };

/** Decoded uploads, least recently used first out, bounded by bytes (per thread). */
class MatrixCache {
  private readonly entries = new Map<string, Matrix>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}
  get(id: string, load: () => Matrix): Matrix {
    const hit = this.entries.get(id);
    if (hit) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const m = load();
    const size = m.data.byteLength;
    if (size <= this.maxBytes) {
      this.entries.set(id, m);
      this.bytes += size;
      for (const [k, v] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= v.data.byteLength;
      }
    }
    return m;
  }
}

export interface Libraries {
  rsa: typeof RsaLib;
  similarity: typeof SimilarityLib;
}
let libraries: Promise<Libraries> | undefined;
/**
 * Loaded on first use on the event loop, so a library that fails to load breaks its routes (500) and not the whole
 * service. Workers import them statically instead (worker.ts): under `--import tsx` a worker's dynamic import()
 * bypasses the TypeScript loader.
 */
function loadLibraries(): Promise<Libraries> {
  libraries ??= Promise.all([import('@concord/rsa'), import('@concord/similarity')]).then(([rsa, similarity]) => ({
    rsa,
    similarity,
  }));
  return libraries;
}

const cache = new MatrixCache(256 * 1024 * 1024);

export function toMatrix(ref: MatrixRef): Matrix {
  if (ref.kind === 'inline') return new Matrix(ref.rows, ref.cols, ref.data);
  const m = cache.get(ref.id, () => readMatrixNpy(ref.path, { dtype: 'float64', vectorAs: 'row' }));
  return m;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Library details as plain JSON values: typed arrays become arrays, non-finite numbers null. */
function plainDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  return JSON.parse(
    JSON.stringify(details, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (typeof v === 'bigint') return Number(v);
      if (ArrayBuffer.isView(v) && !(v instanceof DataView))
        return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
      if (v instanceof Matrix)
        return { rows: v.rows, cols: v.cols, data: Array.from(v.data, (x) => (Number.isFinite(x) ? x : null)) };
      return v;
    }),
  ) as Record<string, unknown>;
}

function matrixRows(m: Matrix): (number | null)[][] {
  const out: (number | null)[][] = [];
  for (let i = 0; i < m.rows; i++) {
    const row: (number | null)[] = new Array(m.cols);
    for (let j = 0; j < m.cols; j++) row[j] = finite(m.data[i * m.cols + j]);
    out.push(row);
  }
  return out;
}

function rdm(t: RdmTask, { rsa: { calcRdm } }: Libraries): RdmResult {
  const obsDescriptors: Record<string, (string | number)[]> = { conditions: t.conditions };
  if (t.runs) obsDescriptors.runs = t.runs;
  const ds = new Dataset(toMatrix(t.data), { obsDescriptors });
  const rdms = calcRdm(ds, {
    method: t.method,
    descriptor: 'conditions',
    ...(t.runs ? { cvDescriptor: 'runs' } : {}),
    ...(t.noise ? { noise: toMatrix(t.noise) } : {}),
    ...(t.removeMean !== undefined ? { removeMean: t.removeMean } : {}),
    ...(t.priorLambda !== undefined ? { priorLambda: t.priorLambda } : {}),
    ...(t.priorWeight !== undefined ? { priorWeight: t.priorWeight } : {}),
    ...(t.poissonCvFolds !== undefined ? { poissonCvFolds: t.poissonCvFolds } : {}),
  } as Parameters<typeof RsaLib.calcRdm>[1]);
  const d = rdms.dissimilarities;
  const conditions = (rdms.patternDescriptors?.conditions as (string | number)[] | undefined) ?? [];
  return { method: t.method, conditions, dissimilarities: Float64Array.from(d.data.subarray(0, d.cols)) };
}

function compare(t: CompareTask, { rsa: { Rdms, compareRdms } }: Libraries): CompareResult {
  const a = Rdms.fromVectors(toMatrix(t.a));
  const b = Rdms.fromVectors(toMatrix(t.b));
  const values = compareRdms(a, b, {
    method: t.method,
    ...(t.sigmaK ? { sigmaK: toMatrix(t.sigmaK) } : {}),
  } as Parameters<typeof RsaLib.compareRdms>[2]);
  return { method: t.method, values: matrixRows(values) };
}

function ceiling(t: NoiseCeilingTask, { rsa: { Rdms, noiseCeiling } }: Libraries): NoiseCeilingResult {
  const r = noiseCeiling(Rdms.fromVectors(toMatrix(t.rdms)), { method: t.method });
  return { method: t.method, lower: finite(r.lower), upper: finite(r.upper) };
}

function runCka(t: CkaTask, { similarity: { cka } }: Libraries): CkaResult {
  const r = cka(toMatrix(t.x), toMatrix(t.y), {
    kernel: t.kernel,
    debiased: t.debiased,
    ...(t.threshold !== undefined ? { threshold: t.threshold } : {}),
    ...(t.sigma !== undefined ? { sigma: t.sigma } : {}),
    ...(t.median !== undefined ? { median: t.median } : {}),
  } as Parameters<typeof SimilarityLib.cka>[2]);
  return {
    metric: 'cka',
    kernel: t.kernel,
    debiased: t.debiased,
    value: finite(r.value),
    details: plainDetails(r.details),
  };
}

function runSimilarity(t: SimilarityTask, { similarity: { similarity } }: Libraries): SimilarityResult {
  const r = similarity(toMatrix(t.x), toMatrix(t.y), { ...t.options, metric: t.metric } as Parameters<
    typeof SimilarityLib.similarity
  >[2]);
  return { metric: r.metric, value: finite(r.value), details: plainDetails(r.details) };
}

const OPS: { [K in Task['op']]: (t: Extract<Task, { op: K }>, libs: Libraries) => TaskResult } = {
  rdm,
  compare,
  noiseCeiling: ceiling,
  cka: runCka,
  similarity: runSimilarity,
};

/** Run a task; errors come back as values (custom error classes do not survive a thread boundary). */
export async function runTask(task: Task, libs?: Libraries): Promise<TaskOutcome> {
  try {
    const fn = OPS[task.op] as (t: Task, libs: Libraries) => TaskResult;
    return { ok: true, result: fn(task, libs ?? (await loadLibraries())), version: VERSION };
  } catch (e) {
    const body = errorBody(e);
    if (body.statusCode >= 500)
      body.message = `internal error in ${task.op}: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, error: body };
  }
}
