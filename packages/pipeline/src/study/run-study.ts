/**
 * `concord compare-models`: the whole comparison study. Order: validate the study file and open every model
 * (cheap; a broken entry fails here, before any heavy work), then stimuli → activations (cached) → brain data
 * (simulated recordings are written as EDF/NIfTI and read back) → metrics → results table → report.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ProgressCallback, VERSION } from '@concord/core';
import { loadHdf5, writeFileAtomic } from '@concord/io';
import { COMPARE_METHODS, matrixToVector, RDM_METHODS } from '@concord/rsa';
import { extractNetwork, type NetworkActivations, openNetworks, prepareStimuli } from './activations-stage.ts';
import { type BrainData, loadBrainData } from './brain-stage.ts';
import { type StudyConfig, StudyConfigError } from './config.ts';
import { meanBrainRdm, modelRdm, scoreAll } from './metrics-stage.ts';
import { rdmsDocument } from './rdms-json.ts';
import { type ReportRdm, writeReport } from './report.ts';
import { CV_PEAK_LABEL, isLayerSummary, type ResultRow, writeResults } from './results.ts';

export interface StudyOutcome {
  rows: ResultRow[];
  report: string;
  csv: string;
  json: string;
  /** Seconds per stage. */
  timings: Record<string, number>;
  cachedActivations: boolean;
}

export interface RunStudyOptions {
  /** Progress bar factory (one per stage). */
  progress?: (label: string) => ProgressCallback;
  log?: (message: string) => void;
}

/** Method names are checked against the libraries' tables up front. */
function checkMetricOptions(config: StudyConfig): void {
  config.metrics.forEach((m, i) => {
    if (m.type === 'rsa') {
      if (m.modelRdmMethod && !(RDM_METHODS as readonly string[]).includes(m.modelRdmMethod))
        throw new StudyConfigError(
          `metrics[${i}].modelRdmMethod`,
          `unknown RDM method '${m.modelRdmMethod}'; expected one of ${RDM_METHODS.join(', ')}`,
        );
      if (m.compare && !(COMPARE_METHODS as readonly string[]).includes(m.compare))
        throw new StudyConfigError(
          `metrics[${i}].compare`,
          `unknown comparator '${m.compare}'; expected one of ${COMPARE_METHODS.join(', ')}`,
        );
    }
  });
  config.brain.forEach((b, i) => {
    if (b.type !== 'rdms' && b.rdmMethod && !(RDM_METHODS as readonly string[]).includes(b.rdmMethod))
      throw new StudyConfigError(
        `brain[${i}] (${b.name}).rdmMethod`,
        `unknown RDM method '${b.rdmMethod}'; expected one of ${RDM_METHODS.join(', ')}`,
      );
  });
}

export async function runStudy(config: StudyConfig, opts: RunStudyOptions = {}): Promise<StudyOutcome> {
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? (() => () => {});
  const timings: Record<string, number> = {};
  const outDir = resolve(config.output);
  const cacheDir = config.cache ?? join(outDir, '..', '.concord-cache');
  let t0 = performance.now();
  const lap = (name: string) => {
    timings[name] = (performance.now() - t0) / 1000;
    t0 = performance.now();
  };

  checkMetricOptions(config);
  // HDF5 / MAT v7.3 support loads on demand: when any file of the study could need it.
  if (/\.(mat|set|h5|hdf5)"/i.test(JSON.stringify(config))) await loadHdf5();
  const models = await openNetworks(config.networks, cacheDir);
  lap('open models');

  mkdirSync(outDir, { recursive: true });
  const stimuli = prepareStimuli(config.stimuli, outDir);
  log(`stimuli: ${stimuli.labels.length || 'from'} ${stimuli.path}`);
  lap('stimuli');

  const nets: NetworkActivations[] = [];
  for (const net of config.networks) {
    const acts = await extractNetwork(
      net,
      models.get(net.name),
      stimuli,
      cacheDir,
      progress(`activations ${net.name}`),
    );
    log(
      `activations ${net.name}: ${acts.layers.length} layers × ${acts.layers[0].dataset.nObs} stimuli${acts.cached ? ' (from cache)' : ''}`,
    );
    nets.push(acts);
  }
  lap('activations');

  const brains: BrainData[] = [];
  for (const b of config.brain) {
    const data = loadBrainData(b, nets, outDir, progress(`brain ${b.name}`));
    log(
      `brain ${b.name}: ${data.modality}, ${subjectsText(data)}, ${data.conditions.length} conditions${data.times.length ? `, ${data.times.length} time bins` : ''}`,
    );
    brains.push(data);
  }
  lap('brain data');

  const rows = scoreAll(nets, brains, config.metrics, progress('metrics'));
  lap('metrics');

  const meta = {
    study: config.name,
    concord: VERSION,
    created: new Date().toISOString(),
    networks: nets.map((n) => ({ name: n.name, source: n.source, layers: n.layers.map((l) => l.layer) })),
    brain: brains.map((b) => ({
      name: b.name,
      modality: b.modality,
      subjects: b.subjects.length,
      sessionsPerSubject: b.subjects.map((s) => s.sessions ?? 1),
      conditions: b.conditions.length,
      groundTruth: b.groundTruth ?? null,
      files: b.files,
    })),
    metrics: config.metrics,
  };
  const { csv, json } = writeResults(outDir, rows, meta);

  // Figures: each brain dataset's mean RDM (at the peak time for EEG) and the model RDMs of its best and true layers.
  const rdms: ReportRdm[] = [];
  const rsaMetric = config.metrics.find((m) => m.type === 'rsa');
  for (const b of brains) {
    // static data: the layer rows; EEG: the cross-validated peaks (they carry a time)
    const peakRows = rows.filter(
      (r) =>
        r.dataset === b.name &&
        r.metric.startsWith('rsa:') &&
        isLayerSummary(r) &&
        (b.times.length === 0 || r.region.endsWith(CV_PEAK_LABEL)),
    );
    const best = peakRows.reduce<ResultRow | undefined>((a, r) => (!a || r.value > a.value ? r : a), undefined);
    const tIndex = best && best.time !== null ? Math.max(0, b.times.indexOf(best.time)) : 0;
    rdms.push({
      title: `${b.name}: brain RDM (mean of ${b.subjects.length}${b.times.length ? `, ${((b.times[tIndex] ?? 0) * 1000).toFixed(0)} ms` : ''})`,
      rdm: meanBrainRdm(b, tIndex),
      labels: b.conditions,
      dataset: b.name,
    });
    const method = rsaMetric?.modelRdmMethod ?? 'correlation';
    const shown = new Set<string>();
    for (const which of [best ? { network: best.network, layer: best.layer } : undefined, b.groundTruth]) {
      if (!which || shown.has(`${which.network}/${which.layer}`)) continue;
      shown.add(`${which.network}/${which.layer}`);
      const layer = nets.find((n) => n.name === which.network)?.layers.find((l) => l.layer === which.layer);
      if (!layer) continue;
      rdms.push({
        title: `${which.network} ${which.layer} (${method})`,
        rdm: modelRdm(layer.dataset, b.conditions, method).getMatrix(0),
        labels: b.conditions,
        dataset: b.name,
      });
    }
  }
  // The same RDMs for the web page's heatmaps (rdms.json beside results.json).
  const rdmEntries = rdms.map((r) => ({
    title: r.title,
    vector: matrixToVector(r.rdm),
    labels: r.labels,
    ...(r.dataset ? { dataset: r.dataset } : {}),
  }));
  writeFileAtomic(join(outDir, 'rdms.json'), `${JSON.stringify(rdmsDocument([], rdmEntries))}\n`);
  const groundTruth = Object.fromEntries(
    brains.flatMap((b) => (b.groundTruth ? [[b.name, b.groundTruth] as const] : [])),
  );
  const report = await writeReport(outDir, {
    title: `Concord study: ${config.name}`,
    summary: [
      `Networks: ${nets.map((n) => `${n.name} (${n.layers.length} layers${n.cached ? ', activations from cache' : ''})`).join('; ')}`,
      `Brain data: ${brains.map((b) => `${b.name} (${b.modality}, ${subjectsText(b)}${b.groundTruth ? `, simulated from ${b.groundTruth.network}/${b.groundTruth.layer}` : ''})`).join('; ')}`,
      `Metrics: ${[...new Set(rows.map((r) => r.metric))].join(', ')}`,
      `Concord ${VERSION}; ${rows.length} result rows.`,
    ],
    rows,
    rdms,
    groundTruth,
  });
  lap('results and report');
  return { rows, report, csv, json, timings, cachedActivations: nets.every((n) => n.cached) };
}

/** "4 subjects (2 sessions each, averaged per subject)": subjects are the unit of inference. */
function subjectsText(b: BrainData): string {
  const sessions = [...new Set(b.subjects.map((s) => s.sessions ?? 1))];
  const n = `${b.subjects.length} subject${b.subjects.length === 1 ? '' : 's'}`;
  if (sessions.length === 1 && sessions[0] === 1) return n;
  const each = sessions.length === 1 ? `${sessions[0]} sessions each` : `${sessions.join('/')} sessions`;
  return `${n} (${each}, averaged per subject)`;
}
