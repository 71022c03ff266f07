/**
 * Nelder–Mead minimisation following scipy.optimize.minimize(method='Nelder-Mead') step for step (default,
 * non-adaptive coefficients, scipy's initial simplex, xatol = fatol = 1e-4, maxiter = maxfev = 200·dim), so that
 * neg_riem_dist lands on the same simplex vertex as rsatoolbox.
 */
export interface NelderMeadResult {
  x: Float64Array;
  fun: number;
  iterations: number;
  evaluations: number;
}

export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  opts: { xatol?: number; fatol?: number } = {},
): NelderMeadResult {
  const dim = x0.length;
  const rho = 1;
  const chi = 2;
  const psi = 0.5;
  const sigma = 0.5;
  const xatol = opts.xatol ?? 1e-4;
  const fatol = opts.fatol ?? 1e-4;
  const maxiter = 200 * dim;
  const maxfun = 200 * dim;
  let evaluations = 0;
  const fn = (x: Float64Array) => {
    evaluations++;
    return f(x);
  };
  let sim: Float64Array[] = [Float64Array.from(x0)];
  for (let k = 0; k < dim; k++) {
    const y = Float64Array.from(x0);
    y[k] = y[k] !== 0 ? 1.05 * y[k] : 0.00025;
    sim.push(y);
  }
  let fsim = sim.map((x) => fn(x));
  const sortSimplex = () => {
    const idx = fsim.map((_, i) => i).sort((a, b) => (fsim[a] < fsim[b] ? -1 : fsim[a] > fsim[b] ? 1 : a - b));
    sim = idx.map((i) => sim[i]);
    fsim = idx.map((i) => fsim[i]);
  };
  sortSimplex();
  let iterations = 1;
  const combine = (a: number, xbar: Float64Array, b: number, last: Float64Array) => {
    const out = new Float64Array(dim);
    for (let k = 0; k < dim; k++) out[k] = a * xbar[k] + b * last[k];
    return out;
  };
  while (evaluations < maxfun && iterations < maxiter) {
    let xMax = 0;
    let fMax = 0;
    for (let j = 1; j <= dim; j++) {
      for (let k = 0; k < dim; k++) xMax = Math.max(xMax, Math.abs(sim[j][k] - sim[0][k]));
      fMax = Math.max(fMax, Math.abs(fsim[0] - fsim[j]));
    }
    if (xMax <= xatol && fMax <= fatol) break;
    const xbar = new Float64Array(dim);
    for (let j = 0; j < dim; j++) for (let k = 0; k < dim; k++) xbar[k] += sim[j][k];
    for (let k = 0; k < dim; k++) xbar[k] /= dim;
    const last = sim[dim];
    const xr = combine(1 + rho, xbar, -rho, last);
    const fxr = fn(xr);
    let shrink = false;
    if (fxr < fsim[0]) {
      const xe = combine(1 + rho * chi, xbar, -rho * chi, last);
      const fxe = fn(xe);
      if (fxe < fxr) {
        sim[dim] = xe;
        fsim[dim] = fxe;
      } else {
        sim[dim] = xr;
        fsim[dim] = fxr;
      }
    } else if (fxr < fsim[dim - 1]) {
      sim[dim] = xr;
      fsim[dim] = fxr;
    } else if (fxr < fsim[dim]) {
      const xc = combine(1 + psi * rho, xbar, -psi * rho, last);
      const fxc = fn(xc);
      if (fxc <= fxr) {
        sim[dim] = xc;
        fsim[dim] = fxc;
      } else shrink = true;
    } else {
      const xcc = combine(1 - psi, xbar, psi, last);
      const fxcc = fn(xcc);
      if (fxcc < fsim[dim]) {
        sim[dim] = xcc;
        fsim[dim] = fxcc;
      } else shrink = true;
    }
    if (shrink) {
      for (let j = 1; j <= dim; j++) {
        const y = new Float64Array(dim);
        for (let k = 0; k < dim; k++) y[k] = sim[0][k] + sigma * (sim[j][k] - sim[0][k]);
        sim[j] = y;
        fsim[j] = fn(y);
      }
    }
    iterations++;
    sortSimplex();
  }
  return { x: sim[0], fun: fsim[0], iterations, evaluations };
}
