/**
 * The per-sample work of the bootstrap evaluations as a chunk function for parallel.ts: a chunk of samples in, one
 * row per sample out ([evaluations…, lower, upper], three such blocks for a dual bootstrap). A sample's row depends
 * only on the job's input and its draw, so results are the same bytes on any number of threads.
 */
import {
  type BootstrapKind,
  distinctCount,
  type Grouping,
  itemMultiplicities,
  sampleItems,
} from './bootstrap-sample.ts';
import { evaluateExpanded } from './expanded-sample.ts';
import type { ChunkSpec } from './parallel.ts';
import { isWeightedMethod, type SampleEvaluation, WeightedEvaluator } from './weighted-evaluator.ts';

export interface BootstrapJobInput {
  kind: BootstrapKind | 'dual';
  method: string;
  nCond: number;
  predictions: Float64Array[];
  vectors: Float64Array[];
  complete: boolean;
  patternGrouping: Grouping;
  rdmGrouping: Grouping;
  draws: { patterns?: Int32Array; rdms?: Int32Array }[];
  bootNoiseCeil: boolean;
}

/** Values per sample in a chunk's output. */
export function rowLength(input: BootstrapJobInput): number {
  return (input.predictions.length + 2) * (input.kind === 'dual' ? 3 : 1);
}

class SampleRunner {
  private readonly fast: WeightedEvaluator | undefined;
  constructor(private readonly p: BootstrapJobInput) {
    if (p.complete && isWeightedMethod(p.method))
      this.fast = new WeightedEvaluator(p.predictions, p.vectors, p.nCond, p.rdmGrouping.groupOf, p.method);
  }

  run(
    patterns: ArrayLike<number> | undefined,
    rdms: ArrayLike<number> | undefined,
    withNoiseCeiling: boolean,
  ): SampleEvaluation {
    if (this.fast)
      return this.fast.evaluate(
        itemMultiplicities(patterns, this.p.patternGrouping),
        itemMultiplicities(rdms, this.p.rdmGrouping),
        withNoiseCeiling,
      );
    return evaluateExpanded(
      this.p.predictions,
      this.p.vectors,
      this.p.nCond,
      sampleItems(rdms, this.p.rdmGrouping, false),
      patterns === undefined ? undefined : sampleItems(patterns, this.p.patternGrouping, true),
      this.p.rdmGrouping.groupOf,
      this.p.method,
      withNoiseCeiling,
    );
  }
}

// one runner per job input and thread (its argsorts are reused by every chunk the thread takes)
const runners = new WeakMap<BootstrapJobInput, SampleRunner>();

/** Rows of the samples first..first+count−1 (NaN rows for samples with fewer than 3 distinct condition groups). */
export function evaluateBootstrapChunk(input: BootstrapJobInput, chunk: ChunkSpec): Float64Array {
  let runner = runners.get(input);
  if (!runner) {
    runner = new SampleRunner(input);
    runners.set(input, runner);
  }
  const M = input.predictions.length;
  const len = rowLength(input);
  const out = new Float64Array(chunk.count * len).fill(Number.NaN);
  for (let i = 0; i < chunk.count; i++) {
    const d = input.draws[chunk.first + i];
    const patterns = input.kind === 'rdm' ? undefined : d.patterns;
    const rdms = input.kind === 'pattern' ? undefined : d.rdms;
    if (patterns !== undefined && distinctCount(patterns) < 3) continue;
    const runs =
      input.kind === 'dual'
        ? [runner.run(patterns, rdms, true), runner.run(undefined, rdms, true), runner.run(patterns, undefined, true)]
        : [runner.run(patterns, rdms, input.bootNoiseCeil)];
    runs.forEach((e, t) => {
      const at = i * len + t * (M + 2);
      out.set(e.evaluations, at);
      out[at + M] = e.lower;
      out[at + M + 1] = e.upper;
    });
  }
  return out;
}
