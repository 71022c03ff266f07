/** Piscina worker: runs searchlight chunks on SharedArrayBuffer-backed inputs and writes into the shared output. */
import { type FastCompareMethod, type FastRdmMethod, runSearchlightChunk } from './searchlight-kernel.ts';

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
  start: number;
  end: number;
}

export default function run(t: SearchlightTask): number {
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
    },
    t.start,
    t.end,
  );
  return t.end - t.start;
}
