/**
 * Real data: Kriegeskorte et al. (2008) human-IT RDMs of 92 images (4 subjects × 2 sessions; each subject's two
 * sessions averaged, so 4 subjects — never 8) and the 8 model RDMs shipped beside them, evaluated with a pattern
 * bootstrap.
 *
 * Source of the expected values and of the expected ordering: rsatoolbox itself (eval_bootstrap_pattern and
 * Result.test_pairwise at f1f83ca) run on the same data with the same 200 draws by
 * scripts/rsatoolbox-evaluation-references.py (stored in fixtures/rsatoolbox-evaluation.json, key "hit").
 * Concord must reproduce every evaluation and p-value to 1e-9, and a seeded run with Concord's own 600 draws must
 * order every pair of models that rsatoolbox finds different (FDR-corrected t-test, q < 0.05) the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { isMatArray, isMatStructArray, readMat } from '@concord/io';
import { Rdms } from '@concord/rsa';
import { expect, it } from 'vitest';
import { evalBootstrapPattern } from './evaluate.ts';
import { correctPValues } from './multiple-comparisons.ts';
import { expectClose } from './testing/rsatoolbox-fixture.ts';

const PARTS = ['rsa', 'rsatoolbox', '92imageData'];
const here = fileURLToPath(new URL('.', import.meta.url));

function load(): { subjects: Rdms; models: Rdms } {
  const toMatrix = (v: unknown) => {
    if (!isMatArray(v)) throw new Error('RDM field is not numeric');
    return new Matrix(v.shape[0], v.shape[1], Float64Array.from(v.data as ArrayLike<number>));
  };
  const brain = readMat(sharedData(...PARTS, '92_brainRDMs.mat')).RDMs;
  const models = readMat(sharedData(...PARTS, '92_modelRDMs.mat')).Models;
  if (!isMatStructArray(brain) || !isMatStructArray(models)) throw new Error('expected struct arrays RDMs and Models');
  const sessions = Rdms.fromMatrices(
    brain.structs.map((s) => toMatrix(s.RDM)),
    { checkSymmetric: false },
  );
  const subjectOf = brain.structs.map((s) => String(s.name).split('|')[1].trim());
  const names = [...new Set(subjectOf)];
  const averaged = Matrix.zeros(names.length, sessions.nPairs);
  names.forEach((name, i) => {
    const rows = subjectOf.flatMap((s, r) => (s === name ? [r] : []));
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      const v = sessions.getVector(r);
      for (let k = 0; k < v.length; k++) averaged.data[i * sessions.nPairs + k] += v[k] / rows.length;
    }
  });
  const modelRdms = Rdms.fromMatrices(
    models.structs.map((s) => toMatrix(s.RDM)),
    { checkSymmetric: false, rdmDescriptors: { name: models.structs.map((s) => String(s.name)) } },
  );
  return { subjects: new Rdms(averaged, { rdmDescriptors: { subject: names } }), models: modelRdms };
}

describeWithSharedData(
  PARTS,
  '92-image hIT data (4 subjects, sessions averaged): pattern bootstrap of the 8 model RDMs',
  () => {
    const ref = JSON.parse(readFileSync(join(here, 'fixtures', 'rsatoolbox-evaluation.json'), 'utf8')).hit;

    for (const method of ['corr', 'spearman']) {
      it(`${method}: rsatoolbox's evaluations and pairwise p-values for the same 200 draws; seeded ordering agrees`, () => {
        const { subjects, models } = load();
        expect(subjects.nRdms).toBe(4);
        expect(models.rdmDescriptors.name).toEqual(ref.model_names);
        const out = ref.outputs[method].pattern;
        const r = evalBootstrapPattern(models, subjects, { method, draws: ref.draws });
        expectClose(r.evaluations.data, out.evaluations, `${method} evaluations`);
        expectClose(r.noiseCeiling.data, out.noise_ceiling, `${method} noise ceiling`);
        expectClose(r.testPairwise().data, out.p_pairwise_t, `${method} pairwise p`);

        // which models differ (rsatoolbox's p-values, FDR over the 28 pairs)
        const names: string[] = ref.model_names;
        const m = names.length;
        const pairs: [number, number][] = [];
        for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) pairs.push([i, j]);
        const p = pairs.map(([i, j]) => (out.p_pairwise_t as number[][])[i][j]);
        const q = correctPValues(p, 'fdr_bh').pCorrected;
        const refMeans = out.means as number[];
        const differ = pairs.filter((_, k) => q[k] < 0.05);
        const seeded = evalBootstrapPattern(models, subjects, { method, nSamples: 600, seed: 2008 });
        const means = seeded.getMeans();
        const seededQ = seeded.testPairwise({ correction: 'fdr_bh' });
        const report = differ.map(([i, j]) => {
          const [hi, lo] = refMeans[i] > refMeans[j] ? [i, j] : [j, i];
          return `${names[hi]} > ${names[lo]}`;
        });
        console.log(`${method}: models that differ (rsatoolbox, 200 draws, FDR q < 0.05): ${report.join('; ')}`);
        console.log(
          `${method}: Concord seeded 600 draws: ${names.map((n, i) => `${n} ${means[i].toFixed(3)}`).join(', ')}; ` +
            `${pairs.filter(([i, j]) => seededQ.get(i, j) < 0.05).length} of 28 pairs differ`,
        );
        expect(differ.length).toBeGreaterThan(5);
        for (const [i, j] of differ)
          expect(Math.sign(means[i] - means[j]), `${names[i]} vs ${names[j]}`).toBe(
            Math.sign(refMeans[i] - refMeans[j]),
          );
      }, 60_000);
    }
  },
);
