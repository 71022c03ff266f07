/**
 * The CI sample of the fuzzer: a bounded number of seeded cases per reader (small seeds only), each in a worker
 * process with a time limit. Fails on any bad outcome (untyped error, invalid-but-accepted, hang, crash, memory)
 * and prints the reproducer line of each. `pnpm fuzz` (tsx test/fuzz/run.ts) runs the full 10,000 per format.
 */
import { describe, expect, it } from 'vitest';
import { FUZZ_FORMATS } from './formats.ts';
import { BAD_CLASSES, runFuzz } from './run.ts';

/** Cases per format; FUZZ_CASES overrides (e.g. a longer local run). Slow readers (HDF5 via wasm, onnxruntime) get fewer. */
const CASES = Number(process.env.FUZZ_CASES ?? 100);
const SLOW = new Set(['eeglab-v7.3', 'hdf5', 'onnx']);

describe('fuzz sample: every reader returns valid data or a typed error under corrupt input', () => {
  for (const format of FUZZ_FORMATS) {
    const cases = SLOW.has(format.name) ? Math.ceil(CASES / 2) : CASES;
    it(`${format.name}: ${cases} seeded cases`, async () => {
      const [report] = await runFuzz({ formats: [format.name], cases, seed: 20261202, quick: true, jobs: 2 });
      if (report.note.includes('no seed files')) return;
      expect(report.note, 'an unmutated seed failed to read').not.toMatch(/unmutated seeds failing|prepare failed/);
      const bad = report.bad.map((b) => `${b.class} #${b.index} ${b.seed} ${b.member}: ${b.what} -> ${b.detail}`);
      expect(bad, `bad outcomes (${BAD_CLASSES.join(', ')})`).toEqual([]);
      expect(report.counts.ok + report.counts.typed).toBe(cases);
    }, 120_000);
  }
});
