/**
 * Simulated fMRI runs with a known representational geometry: a small volume with a spherical region of interest
 * whose voxels carry the condition patterns (an exact embedding of a network layer's geometry), presented in
 * shuffled event-related runs, convolved with SPM's canonical HRF through Concord's own design-matrix code, plus
 * AR(1) noise and a slow drift. Written as real BIDS-style files: NIfTI BOLD (.nii.gz), *_events.tsv and a mask.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix, matmul, Rng } from '@concord/core';
import { designMatrix, eventsFromObjects, writeNifti } from '@concord/fmri';
import { writeFileAtomic } from '@concord/io';
import { embedGeometry } from './simulate-geometry.ts';

export interface FmriSimulationOptions {
  /** Volume shape (default 12×12×8) and voxel size in mm (default 3). */
  shape?: [number, number, number];
  voxelSize?: number;
  /** Radius of the spherical ROI in voxels (default 3.2). */
  roiRadius?: number;
  runs?: number;
  tr?: number;
  /** Event duration and onset spacing (s). */
  duration?: number;
  soa?: number;
  /** Percent signal change of unit-power patterns, baseline level, noise sd (in signal units) and AR(1) coefficient. */
  percentChange?: number;
  baseline?: number;
  noise?: number;
  rho?: number;
  seed?: number;
}

export interface SimulatedSubjectFiles {
  runs: { bold: string; events: string }[];
  mask: string;
  tr: number;
}

export function simulateFmriSubject(
  dir: string,
  subject: string,
  layer: Matrix,
  labels: string[],
  opts: FmriSimulationOptions = {},
): SimulatedSubjectFiles {
  const shape = opts.shape ?? [12, 12, 8];
  const vs = opts.voxelSize ?? 3;
  const radius = opts.roiRadius ?? 3.2;
  const nRuns = opts.runs ?? 4;
  const tr = opts.tr ?? 2;
  const duration = opts.duration ?? 1;
  const soa = opts.soa ?? 4;
  const baseline = opts.baseline ?? 1000;
  const signal = ((opts.percentChange ?? 2) / 100) * baseline;
  const noiseSd = (opts.noise ?? 0.3) * signal;
  const rho = opts.rho ?? 0.3;
  const rng = new Rng(opts.seed ?? 0);
  mkdirSync(dir, { recursive: true });

  // Spherical ROI around the volume centre; voxel index in NIfTI order (x fastest).
  const [nx, ny, nz] = shape;
  const nVox = nx * ny * nz;
  const mask = new Uint8Array(nVox);
  const roi: number[] = [];
  const c = shape.map((s) => (s - 1) / 2);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        if ((i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 <= radius * radius) {
          const f = i + nx * (j + ny * k);
          mask[f] = 1;
          roi.push(f);
        }
      }
    }
  }
  const affine = [
    [vs, 0, 0, -vs * c[0]],
    [0, vs, 0, -vs * c[1]],
    [0, 0, vs, -vs * c[2]],
    [0, 0, 0, 1],
  ];
  const maskPath = join(dir, `${subject}_mask.nii.gz`);
  writeNifti(maskPath, { data: mask, shape: [nx, ny, nz], affine, datatype: 'uint8' });

  const patterns = embedGeometry(layer, roi.length, rng); // conditions × ROI voxels, unit power
  const nCond = labels.length;
  const runs: SimulatedSubjectFiles['runs'] = [];
  for (let r = 0; r < nRuns; r++) {
    const order = rng.permutation(nCond);
    const events = Array.from(order, (ci, q) => ({
      onset: 8 + q * soa + rng.uniform(-0.5, 0.5),
      duration,
      trialType: labels[ci],
    }));
    const nScans = Math.ceil((8 + nCond * soa + 16) / tr);
    const design = designMatrix(eventsFromObjects(events), { nScans, tr, driftModel: 'none' });
    // Condition columns come first, in design.conditions order.
    const betas = Matrix.zeros(design.conditions.length, roi.length);
    design.conditions.forEach((name, k) => {
      const ci = labels.indexOf(name);
      for (let v = 0; v < roi.length; v++) betas.data[k * roi.length + v] = signal * patterns.data[ci * roi.length + v];
    });
    const x = design.matrix.selectCols(design.conditions.map((_, k) => k));
    const roiSignal = matmul(x, betas); // scans × ROI voxels
    const data = new Float32Array(nVox * nScans);
    const roiPos = new Int32Array(nVox).fill(-1);
    roi.forEach((f, v) => {
      roiPos[f] = v;
    });
    for (let f = 0; f < nVox; f++) {
      let e = 0;
      const drift = rng.normal(0, 0.5 * noiseSd);
      const level = baseline * rng.uniform(0.8, 1.2);
      for (let t = 0; t < nScans; t++) {
        e = rho * e + Math.sqrt(1 - rho * rho) * rng.normal(0, noiseSd);
        const s = roiPos[f] >= 0 ? roiSignal.data[t * roi.length + roiPos[f]] : 0;
        data[t * nVox + f] = level + s + e + (drift * t) / nScans;
      }
    }
    const base = `${subject}_task-objects_run-${r + 1}`;
    const bold = join(dir, `${base}_bold.nii.gz`);
    writeNifti(bold, { data, shape: [nx, ny, nz, nScans], affine, tr, datatype: 'float32' });
    const eventsPath = join(dir, `${base}_events.tsv`);
    writeFileAtomic(
      eventsPath,
      `onset\tduration\ttrial_type\n${events.map((e) => `${e.onset.toFixed(3)}\t${e.duration}\t${e.trialType}`).join('\n')}\n`,
    );
    writeFileAtomic(
      join(dir, `${base}_bold.json`),
      `${JSON.stringify({ RepetitionTime: tr, TaskName: 'objects' }, null, 2)}\n`,
    );
    runs.push({ bold, events: eventsPath });
  }
  return { runs, mask: maskPath, tr };
}
