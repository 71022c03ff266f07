/**
 * The comparison study's outputs from its scored rows: results.csv / results.json (with the study's provenance),
 * rdms.json (heatmaps for the web page) and report.html with its figures: each brain dataset's mean RDM (at the
 * peak time for EEG) and the model RDMs of its best and true layers.
 */
import { join } from 'node:path';
import { VERSION } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { matrixToVector } from '@concord/rsa';
import type { NetworkActivations } from './activations-stage.ts';
import type { BrainData } from './brain-stage.ts';
import type { StudyConfig } from './config.ts';
import { meanBrainRdm, modelRdm } from './metrics-stage.ts';
import { rdmsDocument } from './rdms-json.ts';
import { type ReportRdm, writeReport } from './report.ts';
import { CV_PEAK_LABEL, isLayerSummary, type ResultRow, writeResults } from './results.ts';

export async function writeStudyOutputs(
  outDir: string,
  config: Omit<StudyConfig, 'output'>,
  nets: NetworkActivations[],
  brains: BrainData[],
  rows: ResultRow[],
): Promise<{ report: string; csv: string; json: string }> {
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
  return { report, csv, json };
}

/** "4 subjects (2 sessions each, averaged per subject)": subjects are the unit of inference. */
function subjectsText(b: BrainData): string {
  const sessions = [...new Set(b.subjects.map((s) => s.sessions ?? 1))];
  const n = `${b.subjects.length} subject${b.subjects.length === 1 ? '' : 's'}`;
  if (sessions.length === 1 && sessions[0] === 1) return n;
  const each = sessions.length === 1 ? `${sessions[0]} sessions each` : `${sessions.join('/')} sessions`;
  return `${n} (${each}, averaged per subject)`;
}
