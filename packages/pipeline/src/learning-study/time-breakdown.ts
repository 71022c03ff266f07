/**
 * Where a learning-rule study's time goes: training per rule, extraction (the networks run on the stimuli and their
 * RDMs), scoring and statistics. Item times are read from the items' stored outputs, so a study resumed across
 * several invocations (the full profile is hours of training) reports the compute every item took when it ran, not
 * only what the last invocation did; the wall times are the last invocation's.
 */
import type { PlanRunResult } from '../plan/run-in-process.ts';
import type { RdmsOutput, TrainOutput } from './items.ts';
import type { LearningStudy } from './load-study.ts';
import type { PlannedStudyIds } from './plan-study.ts';

export interface TimeBreakdown {
  /** Training seconds per rule (summed over its seeds), largest first. */
  training: { rule: string; networks: number; seconds: number }[];
  trainingSeconds: number;
  /** Stimuli through every network (trained, random, sensitivity transforms) and their RDMs. */
  extraction: { seconds: number; items: number; unrecorded: number };
  scoring: number;
  statistics: number;
  /** Compute seconds of the items above (what a single worker would need). */
  computeSeconds: number;
  /** The fraction of the compute that is scoring and statistics. */
  scoringShare: number;
}

export function timeBreakdown(
  study: LearningStudy,
  ids: PlannedStudyIds,
  run: Pick<PlanRunResult, 'outputs'>,
  measured: { scoring: number; statistics: number },
): TimeBreakdown {
  const out = <T>(id: string) => run.outputs.get(id) as unknown as T;
  const perRule = new Map<string, { networks: number; seconds: number }>();
  for (const n of study.networks) {
    const seconds = out<TrainOutput>(ids.networks[n.id].train).trainSeconds;
    const r = perRule.get(n.name) ?? { networks: 0, seconds: 0 };
    perRule.set(n.name, { networks: r.networks + 1, seconds: r.seconds + seconds });
  }
  const training = [...perRule]
    .map(([rule, r]) => ({ rule, ...r }))
    .sort((a, b) => b.seconds - a.seconds || a.rule.localeCompare(b.rule));
  const trainingSeconds = training.reduce((a, r) => a + r.seconds, 0);

  const rdmsIds = new Set([
    ...Object.values(ids.networks).map((n) => n.rdms),
    ...ids.random.map((r) => r.rdms),
    ...ids.sensitivity.flatMap((s) => Object.values(s.rdms)),
  ]);
  const extraction = { seconds: 0, items: rdmsIds.size, unrecorded: 0 };
  for (const id of rdmsIds) {
    const s = out<RdmsOutput>(id).seconds;
    if (s === undefined)
      extraction.unrecorded++; // computed before items recorded their time
    else extraction.seconds += s;
  }
  const computeSeconds = trainingSeconds + extraction.seconds + measured.scoring + measured.statistics;
  return {
    training,
    trainingSeconds,
    extraction,
    scoring: measured.scoring,
    statistics: measured.statistics,
    computeSeconds,
    scoringShare: computeSeconds > 0 ? (measured.scoring + measured.statistics) / computeSeconds : 0,
  };
}
