/** `concord compare-models --config study.json|yaml`: the end-to-end brain–model comparison study. */
import { resolve } from 'node:path';
import { ConcordError } from '@concord/core';
import {
  isLearningStudyFile,
  type LearningStudyOutcome,
  loadStudyConfig,
  PIPELINE_ERRORS,
  runLearningStudy,
  runStudy,
  StudyConfigError,
} from '@concord/pipeline';
import { type Command, requiredString, stringOption } from '../command.ts';
import { ENGINE_OPTIONS, engineChoiceOf, runComparisonOnEngine } from './jobs.ts';
import { longItemProgress } from './long-item-progress.ts';

const compareModels: Command = {
  name: 'compare-models',
  summary: 'run a comparison study: networks × layers × brain datasets × metrics → results table and report',
  options: {
    config: { type: 'string', value: 'FILE', description: 'study file (.json, .yaml)', required: true },
    output: { type: 'string', value: 'DIR', description: "output folder (overrides the study file's output)" },
    profile: { type: 'string', value: 'quick|full', description: 'profile of a learning-rule study (default quick)' },
    seeds: {
      type: 'string',
      value: 'LIST',
      description:
        "learning-rule study: train only these of the profile's seeds, e.g. 0 or 0,2 (output <profile>-seeds-…)",
    },
    ...ENGINE_OPTIONS,
  },
  details: [
    'The study file names the stimuli (generated, a folder of images, or an .npy tensor), the networks (ONNX, TF.js',
    'model.json, builtin:mobilenet_v2, or activation .npz files) with their layers, the brain datasets (EEG recordings,',
    'fMRI runs + mask, ready RDMs, or simulations from a network layer) and the metrics (rsa, cka, encoding).',
    'Every entry is checked before heavy work starts. Writes results.csv, results.json, report.html and figures/.',
    'See data/studies/default.json for the README main job.',
  ].join('\n'),
  async run(opts, _pos, ctx) {
    const configPath = resolve(ctx.cwd, requiredString(opts, 'config'));
    if (isLearningStudyFile(configPath)) return runLearningRuleStudy(configPath, opts, ctx);
    const { config } = loadStudyConfig(configPath);
    const out = stringOption(opts, 'output');
    if (out) config.output = resolve(ctx.cwd, out);
    // Its items run on the local pool unless --engine says otherwise; --engine in-process runs them here, with a
    // progress bar per item.
    const choice = engineChoiceOf(opts, ctx.cwd);
    if (choice.engine !== 'in-process') return runComparisonOnEngine(config, choice, ctx);
    const t0 = performance.now();
    const outcome = await runStudy(config, {
      progress: (label) => ctx.progress(label),
      log: ctx.log,
      // the study's own store (beside its activation cache) unless --store names one
      ...(opts.store !== undefined ? { storeDir: choice.store } : {}),
    });
    const result = {
      study: config.name,
      report: outcome.report,
      results: { csv: outcome.csv, json: outcome.json },
      rows: outcome.rows.length,
      cachedActivations: outcome.cachedActivations,
      seconds: (performance.now() - t0) / 1000,
      timings: outcome.timings,
    };
    ctx.output(result, (r: typeof result) =>
      [
        `study '${r.study}' finished in ${r.seconds.toFixed(1)} s (${r.rows} result rows${r.cachedActivations ? ', activations from cache' : ''})`,
        `results: ${r.results.csv}`,
        `report:  ${r.report}`,
      ].join('\n'),
    );
    return 0;
  },
};

/** One line of where a study's compute went: training (the three largest rules), extraction, scoring, statistics. */
function computeLine(time: LearningStudyOutcome['time']): string {
  const top = time.training.slice(0, 3).map((t) => `${t.rule} ${t.seconds.toFixed(1)}`);
  if (time.training.length > 3) top.push('…');
  return [
    `compute: training ${time.trainingSeconds.toFixed(1)} s (${top.join(', ')})`,
    `extraction ${time.extraction.seconds.toFixed(1)} s`,
    `scoring ${time.scoring.toFixed(1)} s`,
    `statistics ${time.statistics.toFixed(2)} s`,
  ].join(', ');
}

/** `--seeds 0,2` → [0, 2]; anything but comma-separated integers is refused naming the option. */
function seedList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (!parts.every((s) => /^-?\d+$/.test(s)))
    throw new StudyConfigError('--seeds', `expected integer seeds separated by commas, received '${text}'`);
  return parts.map(Number);
}

/** A learning-rule study (data/studies/learning-rules.yaml): train, extract, score, statistics, report (issue 17). */
async function runLearningRuleStudy(
  configPath: string,
  opts: Parameters<Command['run']>[0],
  ctx: Parameters<Command['run']>[2],
): Promise<number> {
  const out = stringOption(opts, 'output');
  const bar = ctx.progress('study items');
  const itemProgress = longItemProgress((item) => ctx.progress(item));
  // The items run on the pipeline's executors (the local pool of one process per core unless --engine says
  // otherwise); finishing (statistics, report) stays here. The study file's store is used unless --store is given.
  const choice = engineChoiceOf(opts, ctx.cwd);
  const seeds = stringOption(opts, 'seeds');
  const outcome = await runLearningStudy(configPath, {
    profile: stringOption(opts, 'profile') ?? 'quick',
    ...(seeds !== undefined ? { seeds: seedList(seeds) } : {}),
    ...(out ? { outputDir: resolve(ctx.cwd, out) } : {}),
    onItem: (id, done, total) => bar({ stage: id, done, total }),
    ...(opts.store !== undefined ? { storeDir: choice.store } : {}),
    execute: async (plan, store, onItem) => {
      const { runPlan } = await import('@concord/pipeline');
      const r = await runPlan(plan, store, {
        engine: choice.engine,
        ...(choice.workers ? { workers: choice.workers } : {}),
        ...(choice.redis ? { redis: choice.redis } : {}),
        onItem,
        itemProgress,
        onSubmitted: (jobId) =>
          ctx.log(`job ${jobId} submitted; waiting for workers (concord jobs worker --redis URL)`),
      });
      for (const f of r.failures) ctx.log(`failed: ${f.item} after ${f.attempts} attempts: ${f.error}`);
      if (r.state !== 'completed')
        throw new ConcordError(
          PIPELINE_ERRORS.ITEM_FAILED,
          `learning-rule study ${r.state}: ${r.failures.map((f) => `${f.item}: ${f.error}`).join('; ')}`,
          {},
          { badInput: false },
        );
      return r;
    },
  });
  const result = {
    study: outcome.study,
    profile: outcome.profile,
    outputDir: outcome.outputDir,
    rows: outcome.rows.length,
    results: outcome.results,
    report: outcome.report,
    networks: outcome.networks,
    time: outcome.time,
  };
  ctx.output(result, (r: typeof result) =>
    [
      `study '${r.study}' (${r.profile}) finished in ${(outcome.timings.total ?? 0).toFixed(1)} s: ${r.networks.length} networks, ${r.rows} result rows`,
      computeLine(r.time),
      `results: ${r.results}`,
      `report:  ${r.report}`,
    ].join('\n'),
  );
  return 0;
}

export const studyCommands: Command[] = [compareModels];
