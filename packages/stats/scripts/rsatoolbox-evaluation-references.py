#!/usr/bin/env python3
"""Reference values for @concord/stats model evaluation, produced by rsatoolbox itself.

Runs rsatoolbox's eval_fixed / eval_bootstrap_pattern / eval_bootstrap_rdm / eval_bootstrap / eval_dual_bootstrap
and the Result tests on seeded data, replaying bootstrap draws chosen here (np.random.randint is replaced by a
replay of the stored draws, so rsatoolbox's own code builds, evaluates and summarises every sample). The draws are
written beside the outputs, so the TypeScript test can pass the same draws to Concord.

Usage (rsatoolbox importable, e.g. PYTHONPATH=<rsatoolbox>/src):
  python3 rsatoolbox-evaluation-references.py OUT.json [--hit DIR_WITH_92imageData]
"""
import json
import sys
import warnings

import numpy as np
import rsatoolbox
from rsatoolbox.inference import (eval_bootstrap, eval_bootstrap_pattern, eval_bootstrap_rdm, eval_dual_bootstrap,
                                  eval_fixed)
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs

warnings.simplefilter('ignore')
METHODS = ['corr', 'cosine', 'spearman', 'tau-a', 'corr_cov', 'rho-a']


def nan_to_str(x):
    if isinstance(x, float) and not np.isfinite(x):
        return 'NaN' if np.isnan(x) else ('Infinity' if x > 0 else '-Infinity')
    if isinstance(x, list):
        return [nan_to_str(v) for v in x]
    return x


def arr(a):
    return None if a is None else nan_to_str(np.asarray(a, dtype=float).tolist())


class Replay:
    """np.random.randint replaced by the stored draws, in the order rsatoolbox asks for them."""

    def __init__(self, seq):
        self.seq = [np.asarray(s) for s in seq]
        self.i = 0

    def __call__(self, low, high=None, size=None):
        out = self.seq[self.i]
        self.i += 1
        assert len(out) == size and out.max() < high, (len(out), size, out.max(), high)
        return out


def run_replayed(fn, seq):
    real = np.random.randint
    np.random.randint = Replay(seq)
    try:
        return fn()
    finally:
        np.random.randint = real


def summarise(res, boot_tests):
    out = {
        'evaluations': arr(res.evaluations), 'evaluations_shape': list(res.evaluations.shape),
        'noise_ceiling': arr(res.noise_ceiling), 'variances': arr(res.variances), 'dof': int(res.dof),
        'means': arr(res.get_means()),
        'model_var': arr(res.model_var), 'diff_var': arr(res.diff_var), 'noise_ceil_var': arr(res.noise_ceil_var),
        'p_pairwise_t': arr(res.test_pairwise('t-test')), 'p_zero_t': arr(res.test_zero('t-test')),
        'p_noise_t': arr(res.test_noise('t-test')),
    }
    if boot_tests:
        out['p_pairwise_bootstrap'] = arr(res.test_pairwise('bootstrap'))
        out['p_zero_bootstrap'] = arr(res.test_zero('bootstrap'))
        # rsatoolbox's own test_noise('bootstrap') reshapes the lower bounds to (2, 1) and fails for N != 2; this
        # is the computation it intends (each sample's evaluation against that sample's lower bound):
        lower = res.noise_ceiling[0].reshape(-1, 1)
        out['p_noise_bootstrap_intended'] = arr((((lower - res.evaluations) <= 0).sum(0) + 1) / res.evaluations.shape[0])
    return out


def evaluate_case(models, data, draws, methods, kinds):
    n_cond, n_rdm = data.n_cond, data.n_rdm
    out = {}
    for method in methods:
        out[method] = {}
        if 'fixed' in kinds:
            out[method]['fixed'] = summarise(eval_fixed(models, data, method=method), False)
        if 'pattern' in kinds:
            res = run_replayed(lambda: eval_bootstrap_pattern(models, data, method=method, N=len(draws), verbose=-1),
                               [d['patterns'] for d in draws])
            out[method]['pattern'] = summarise(res, True)
        if 'rdm' in kinds:
            res = run_replayed(lambda: eval_bootstrap_rdm(models, data, method=method, N=len(draws), verbose=-1),
                               [d['rdms'] for d in draws])
            out[method]['rdm'] = summarise(res, True)
        seq = [x for d in draws if 'rdms' in d for x in (d['rdms'], d['patterns'])]
        if 'both' in kinds:
            res = run_replayed(lambda: eval_bootstrap(models, data, method=method, N=len(draws), verbose=-1), seq)
            out[method]['both'] = summarise(res, True)
        if 'dual' in kinds:
            res = run_replayed(lambda: eval_dual_bootstrap(models, data, method=method, N=len(draws), k_pattern=1,
                                                           k_rdm=1, verbose=-1), seq)
            out[method]['dual'] = summarise(res, False)
    return out


def synthetic_case(seed, n_cond, n_rdm, n_samples):
    rng = np.random.RandomState(seed)
    n_pairs = n_cond * (n_cond - 1) // 2
    truth = rng.rand(n_pairs)
    data = np.array([truth + 0.6 * rng.rand(n_pairs) for _ in range(n_rdm)])
    categories = rng.randint(0, 3, n_cond)
    categorical = np.array([float(categories[i] != categories[j]) for i in range(n_cond) for j in range(i + 1, n_cond)])
    model_vectors = [truth + 0.3 * rng.rand(n_pairs), rng.rand(n_pairs), categorical + 0.0]
    models = [ModelFixed('model %d' % i, v) for i, v in enumerate(model_vectors)]
    draws = [{'patterns': rng.randint(0, n_cond, n_cond), 'rdms': rng.randint(0, n_rdm, n_rdm)} for _ in range(n_samples)]
    # one sample with only 2 distinct conditions (a NaN row in rsatoolbox) and one drawing a single subject
    draws[3]['patterns'] = np.array([1, 4] * (n_cond // 2) + [1] * (n_cond % 2))
    draws[5]['rdms'] = np.full(n_rdm, 2)
    return {
        'seed': seed, 'n_cond': n_cond, 'n_rdm': n_rdm,
        'data': data.tolist(), 'models': [v.tolist() for v in model_vectors],
        'draws': [{'patterns': d['patterns'].tolist(), 'rdms': d['rdms'].tolist()} for d in draws],
    }, models, RDMs(data), draws


def hit_case(directory, n_samples, seed):
    import scipy.io as sio
    from scipy.spatial.distance import squareform
    b = sio.loadmat(directory + '/92_brainRDMs.mat')['RDMs']
    m = sio.loadmat(directory + '/92_modelRDMs.mat')['Models']
    # each subject's two sessions averaged: 4 subjects, never 8
    subjects = np.array([np.mean([squareform(b[0, i, j]['RDM'].astype(float), checks=False) for j in range(2)], 0)
                         for i in range(4)])
    names = [str(m[0, i]['name'][0]) for i in range(m.shape[1])]
    model_vectors = [squareform(m[0, i]['RDM'].astype(float), checks=False) for i in range(m.shape[1])]
    rng = np.random.RandomState(seed)
    draws = [{'patterns': rng.randint(0, 92, 92)} for _ in range(n_samples)]
    models = [ModelFixed(n, v) for n, v in zip(names, model_vectors)]
    return {'model_names': names, 'n_samples': n_samples, 'seed': seed,
            'draws': [{'patterns': d['patterns'].tolist()} for d in draws]}, models, RDMs(subjects), draws


class ShuffleReplay:
    """np.random.shuffle replaced by stored permutations: x[:] = x[perm]."""

    def __init__(self, rng):
        self.rng = rng
        self.perms = []

    def __call__(self, x):
        perm = self.rng.permutation(len(x))
        self.perms.append(perm.tolist())
        x[:] = np.asarray(x)[perm].copy()


def flexible_case(seed):
    """Fitters, sets_k_fold + crossval and bootstrap_crossval with flexible models, shuffles recorded."""
    from rsatoolbox.inference import bootstrap_crossval, crossval, sets_k_fold
    from rsatoolbox.model import ModelInterpolate, ModelSelect, ModelWeighted
    from rsatoolbox.model.fitter import fit_interpolate, fit_regress, fit_regress_nn, fit_select
    rng = np.random.RandomState(seed)
    n_cond, n_rdm = 12, 5
    n_pairs = n_cond * (n_cond - 1) // 2
    basis = rng.rand(3, n_pairs)
    truth = 0.7 * basis[0] + 0.3 * basis[2]
    data = np.array([truth + 0.4 * rng.rand(n_pairs) for _ in range(n_rdm)])
    rdms = RDMs(data)
    pattern_idx = np.sort(rng.randint(0, n_cond, n_cond))
    sample = rdms.subsample_pattern('index', pattern_idx)
    fits = {}
    for name, d, pidx in [('full', rdms, None), ('bootstrap sample', sample, pattern_idx)]:
        kw = {} if pidx is None else {'pattern_idx': pidx, 'pattern_descriptor': 'index'}
        f = {}
        for method in ['cosine', 'corr']:
            f['regress_nn ' + method] = fit_regress_nn(ModelWeighted('w', basis), d, method=method, **kw).tolist()
            f['regress ' + method] = fit_regress(ModelWeighted('w', basis), d, method=method, **kw).tolist()
        for method in ['corr', 'spearman']:
            f['select ' + method] = int(fit_select(ModelSelect('s', basis), d, method=method, **kw))
            f['interpolate ' + method] = fit_interpolate(ModelInterpolate('i', basis), d, method=method, **kw).tolist()
        fits[name] = f
    models = [ModelFixed('fixed', basis[0]), ModelSelect('select', basis), ModelWeighted('weighted', basis)]
    fitters = [None, fit_select, fit_regress_nn]
    real_shuffle = np.random.shuffle
    replay = ShuffleReplay(np.random.RandomState(seed + 100))
    np.random.shuffle = replay
    try:
        train, test, ceil = sets_k_fold(rdms, k_rdm=2, k_pattern=3, random=True)
        cv = {}
        for method in ['corr', 'cosine']:
            r = crossval(models, rdms, train, test, ceil_set=ceil, method=method, fitter=fitters)
            cv[method] = {'evaluations': arr(r.evaluations), 'noise_ceiling': arr(r.noise_ceiling)}
        kfold_perms = replay.perms
        replay.perms = []
        draws = [{'patterns': rng.randint(0, n_cond, n_cond), 'rdms': rng.randint(0, n_rdm, n_rdm)} for _ in range(8)]
        seq = [x for d in draws for x in (d['rdms'], d['patterns'])]
        res = run_replayed(lambda: bootstrap_crossval(models[:2], rdms, method='corr', fitter=fitters[:2], k_pattern=2,
                                                      k_rdm=2, N=len(draws), n_cv=2, verbose=-1), seq)
        boot_perms = replay.perms
        replay.perms = []
        dual = run_replayed(lambda: eval_dual_bootstrap(models[:2], rdms, method='corr', fitter=fitters[:2], k_pattern=2,
                                                        k_rdm=2, N=len(draws), n_cv=2, verbose=-1), seq)
        dual_perms = replay.perms
    finally:
        np.random.shuffle = real_shuffle
    return {
        'seed': seed, 'n_cond': n_cond, 'data': data.tolist(), 'basis': basis.tolist(),
        'pattern_idx': pattern_idx.tolist(), 'fits': fits, 'kfold_permutations': kfold_perms, 'crossval': cv,
        'bootstrap_crossval': {
            'draws': [{'patterns': d['patterns'].tolist(), 'rdms': d['rdms'].tolist()} for d in draws],
            'permutations': boot_perms, 'evaluations': arr(res.evaluations), 'noise_ceiling': arr(res.noise_ceiling),
            'variances': arr(res.variances), 'p_pairwise_t': arr(res.test_pairwise()), 'means': arr(res.get_means()),
        },
        'dual_bootstrap_crossval': {
            'permutations': dual_perms, 'evaluations': arr(dual.evaluations), 'noise_ceiling': arr(dual.noise_ceiling),
            'variances': arr(dual.variances), 'p_pairwise_t': arr(dual.test_pairwise()),
            'p_zero_t': arr(dual.test_zero()), 'p_noise_t': arr(dual.test_noise()), 'means': arr(dual.get_means()),
        },
    }


def main():
    out_path = sys.argv[1]
    result = {
        'oracle': 'rsatoolbox %s from source (%s), numpy %s' % (getattr(rsatoolbox, '__version__', '?'),
                                                            rsatoolbox.__file__, np.__version__),
        'note': 'np.random.randint replayed from "draws"; bootstrap_sample draws rdms then patterns',
        'cases': [],
    }
    for seed, n_cond, n_rdm in [(11, 12, 5), (12, 9, 4)]:
        case, models, data, draws = synthetic_case(seed, n_cond, n_rdm, 14)
        case['outputs'] = evaluate_case(models, data, draws, METHODS, ['fixed', 'pattern', 'rdm', 'both', 'dual'])
        result['cases'].append(case)
    result['flexible'] = flexible_case(21)
    if '--hit' in sys.argv:
        case, models, data, draws = hit_case(sys.argv[sys.argv.index('--hit') + 1], 200, 92)
        case['outputs'] = evaluate_case(models, data, draws, ['corr', 'spearman'], ['pattern'])
        result['hit'] = case
    with open(out_path, 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main()
