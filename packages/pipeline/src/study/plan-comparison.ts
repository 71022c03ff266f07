/**
 * The comparison study of data/studies/*.json as a graph of items (study-items.ts):
 *   stimuli → activations/<network> → brain/<dataset> (needs the first network, whose stimulus labels order the
 *   conditions, and the network a simulation copies) → scores/<dataset>/<network> → study (results and report).
 * Independent networks, datasets and score pairs run in parallel on the local pool or on BullMQ workers; the final
 * item's folder holds results.csv/json, rdms.json, report.html, the figures, generated stimuli and simulated
 * recordings, and is copied to the output folder by the executor. Paths are absolute; the activation cache is
 * pinned beside the output folder unless the study names one.
 */
import { resolve } from 'node:path';
import { COMPARE_METHODS, RDM_METHODS } from '@concord/rsa';
import type { Json, Plan, PlanItem } from '../plan/types.ts';
import { type StudyConfig, StudyConfigError, studyCacheDir } from './config.ts';
import { inputFingerprint } from './input-fingerprint.ts';
import type { ReportParams } from './study-items.ts';

export const COMPARISON_FINAL_ITEM = 'study';

/** Method names are checked against the libraries' tables up front. */
export function checkMetricOptions(config: StudyConfig): void {
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

export function planComparisonStudy(config: StudyConfig): Plan {
  checkMetricOptions(config);
  const output = resolve(config.output);
  const cache = studyCacheDir(config);
  // The output folder is not part of any item: the same study written elsewhere is the same computation.
  const { output: _output, ...rest } = config;
  const items: PlanItem[] = [];
  const add = (id: string, kind: string, params: unknown, deps: string[]) => {
    items.push({ id, kind, params: params as Json, deps });
    return id;
  };
  // Items that read user files carry those files' fingerprints (the activation cache is not an input).
  const inputs = (v: unknown) => inputFingerprint(v, new Set(['cache']));
  const stimuli = add('stimuli', 'study-stimuli', { stimuli: config.stimuli, inputs: inputs(config.stimuli) }, []);
  const networks = new Map<string, string>();
  for (const net of config.networks)
    networks.set(
      net.name,
      add(`activations/${net.name}`, 'study-activations', { network: net, cache, stimuli, inputs: inputs(net) }, [
        stimuli,
      ]),
    );
  const first = networks.get(config.networks[0].name) as string;
  const brains = config.brain.map((b) => {
    const sim = 'simulate' in b && b.simulate ? networks.get(b.simulate.network) : undefined;
    const needs = [...new Set([first, ...(sim ? [sim] : [])])];
    return add(`brain/${b.name}`, 'study-brain', { brain: b, networks: needs, inputs: inputs(b) }, needs);
  });
  const scores = config.brain.map((b, bi) =>
    config.networks.map((net) => {
      const network = networks.get(net.name) as string;
      return add(
        `scores/${b.name}/${net.name}`,
        'study-scores',
        { brain: brains[bi], network, metrics: config.metrics },
        [brains[bi], network],
      );
    }),
  );
  const report: ReportParams = {
    config: { ...rest, cache },
    stimuli,
    networks: [...networks.values()],
    brains,
    scores,
  };
  add(COMPARISON_FINAL_ITEM, 'study-report', report, [stimuli, ...networks.values(), ...brains, ...scores.flat()]);
  return { study: config.name, outputDir: output, final: COMPARISON_FINAL_ITEM, items };
}
