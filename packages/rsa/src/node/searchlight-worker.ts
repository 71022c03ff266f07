/** Piscina worker: runs searchlight chunks on SharedArrayBuffer-backed inputs and writes into the shared output. */
import { backendFor, gramT, Matrix } from '@concord/core';
import { type FastCompareMethod, type FastRdmMethod, runSearchlightChunk } from '../searchlight-kernel.ts';

type GramT = (x: Float64Array, rows: number, cols: number) => Float64Array;
let blasGramTCache: GramT | null | undefined;

/**
 * XᵀX through core (BLAS syrk when the native backend loaded in this thread), else undefined (plain TS loops).
 * Resolved on first use, not at import: importing @concord/rsa/node must not pick a backend (or fail on a bad
 * CONCORD_BACKEND) before any command has run.
 */
export function blasGramT(): GramT | undefined {
  if (blasGramTCache === undefined) {
    blasGramTCache =
      backendFor('syrk', 1e6).name === 'native'
        ? (x, rows, cols) => gramT(new Matrix(rows, cols, x)).data as Float64Array
        : null;
  }
  return blasGramTCache ?? undefined;
}

export interface SearchlightTask {
  nCond: number;
  data: SharedArrayBuffer;
  offsets: SharedArrayBuffer;
  neighbours: SharedArrayBuffer;
  models: SharedArrayBuffer;
  out: SharedArrayBuffer;
  nModels: number;
  rdmMethod: FastRdmMethod;
  compareMethod: FastCompareMethod;
  minVoxels: number;
  /** Use BLAS for the sphere products when available. */
  blas: boolean;
  start: number;
  end: number;
}

export default function run(t: SearchlightTask): number {
  const gram = t.blas ? blasGramT() : undefined;
  runSearchlightChunk(
    {
      nCond: t.nCond,
      data: new Float64Array(t.data),
      offsets: new Int32Array(t.offsets),
      neighbours: new Int32Array(t.neighbours),
      models: new Float64Array(t.models),
      nModels: t.nModels,
      rdmMethod: t.rdmMethod,
      compareMethod: t.compareMethod,
      minVoxels: t.minVoxels,
      out: new Float64Array(t.out),
      ...(gram ? { gramT: gram } : {}),
    },
    t.start,
    t.end,
  );
  return t.end - t.start;
}
