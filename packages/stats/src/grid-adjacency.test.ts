import { spawnSync } from 'node:child_process';
import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { permutationCluster1sampTest } from './cluster-test.ts';
import { gridAdjacency } from './clusters.ts';
import { MNE_PYTHON, runPython } from './mne-python.ts';

const hasSklearn = spawnSync(MNE_PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;

const shape = [5, 4, 6];
const rng = new Rng(12);
const mask = Array.from({ length: 120 }, () => rng.random() < 0.7);

describe.skipIf(!hasSklearn)(
  `gridAdjacency: scikit-learn grid_to_graph${hasSklearn ? '' : ' [skipped: Debian python3-sklearn is not installed]'}`,
  () => {
    const ref = hasSklearn
      ? runPython<number[][]>(
          `from sklearn.feature_extraction.image import grid_to_graph
m = np.array(inp, dtype=bool).reshape(${shape.join(', ')})
g = grid_to_graph(*m.shape, mask=m).tocsr()
emit([sorted(int(j) for j in g.indices[g.indptr[i]:g.indptr[i + 1]] if j != i) for i in range(g.shape[0])])`,
          mask,
        )
      : [];
    it('the same neighbour lists over a random 3-D mask', () => {
      expect(gridAdjacency(shape, mask)).toEqual(ref);
    });
  },
);

describe('gridAdjacency', () => {
  it('without a mask, the lattice structure: a cluster test over the full grid gives the same clusters', () => {
    const X = {
      rows: 6,
      cols: 120,
      data: Float64Array.from({ length: 720 }, (_, k) => rng.normal() + (k % 120 < 40 ? 1 : 0)),
    };
    const viaGraph = permutationCluster1sampTest(X, {
      threshold: 1,
      adjacency: gridAdjacency(shape),
      nPermutations: 'all',
    });
    const viaLattice = permutationCluster1sampTest(X, { threshold: 1, shape, nPermutations: 'all' });
    expect(viaGraph.clusters.map((c) => Array.from(c))).toEqual(viaLattice.clusters.map((c) => Array.from(c)));
    expect(Array.from(viaGraph.pValues)).toEqual(Array.from(viaLattice.pValues));
  });
  it('checks the mask length', () => {
    expect(() => gridAdjacency([2, 3], [true])).toThrow(/mask: expected 6 entries/);
  });
});
