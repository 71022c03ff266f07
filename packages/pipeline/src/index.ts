/** @concord/pipeline: studies planned into items, an artifact store, and the executors that run them. */
export { PIPELINE_ERRORS } from './errors.ts';
export { collectItem, failItem, noopItem } from './executors/builtin-kinds.ts';
export type { ItemEvent, ItemFailure, ItemState, PlanOutcome } from './executors/events.ts';
export { executeItem } from './executors/execute-item.ts';
export { type LocalPoolOptions, runPlanLocal } from './executors/local-pool.ts';
export { materializeOutputs } from './executors/materialize.ts';
export { type PreparedItem, type PreparedPlan, preparePlan } from './executors/prepared-plan.ts';
export { ENGINES, type EngineName, type PlanResult, type RunPlanOptions, runPlan } from './executors/run-plan.ts';
export { startWorkerProcess } from './executors/start-worker.ts';
export {
  type BullmqEngineOptions,
  BullmqJobEngine,
  type BullmqWorkerOptions,
  type RunningWorker,
  redisConnection,
  startBullmqWorker,
} from './jobs/bullmq-engine.ts';
export {
  type ItemProgress,
  type JobDetails,
  type JobEngine,
  type JobEvent,
  type JobState,
  type JobStatus,
  publicStatus,
  type SubmittedJob,
  TERMINAL_STATES,
} from './jobs/job-engine.ts';
export { LocalJobEngine } from './jobs/local-engine.ts';
export { type PlanStudyOptions, planStudy, planStudyFile, readStudyFile } from './jobs/plan-study.ts';
export { runWorkerUntilSignal } from './jobs/worker-process.ts';
export {
  DEFAULT_TRANSFORM,
  isLearningStudy,
  isLearningStudyFile,
  type LearningStudy,
  loadLearningStudy,
  type PlannedNetwork,
  type ResolveLearningStudyOptions,
  resolveLearningStudy,
} from './learning-study/load-study.ts';
export { planLearningStudy } from './learning-study/plan-study.ts';
export {
  finishLearningStudy,
  LEARNING_RESULT_FIELDS,
  type LearningResultRow,
  type LearningStudyOutcome,
  type RunLearningStudyOptions,
  runLearningStudy,
} from './learning-study/run-learning-study.ts';
export {
  LearningStudySchema,
  ProfileSchema,
  RuleGridSchema,
  StimulusTransformSchema,
  TrainedNetworkSchema,
  TrainSpecSchema,
} from './learning-study/schema.ts';
export { ArtifactStore } from './plan/artifact-store.ts';
export { canonicalJson, contentKey } from './plan/content-key.ts';
export { registerItemKind, resolveItemKind } from './plan/registry.ts';
export { type PlanRunResult, runPlanInProcess, topologicalOrder } from './plan/run-in-process.ts';
export type { ItemContext, ItemKind, Json, Plan, PlanItem } from './plan/types.ts';
export { firstSchemaError } from './schema/first-error.ts';
export {
  BrainSchema,
  MetricSchema,
  ModelNetworkSchema,
  NetworkSchema,
  StimuliSchema,
  type StudyFile,
  StudySchema,
} from './schema/study-schema.ts';
export {
  METRIC_FAMILIES,
  type MetricFamily,
  metricFamily,
  metricName,
  metricSelects,
  type ParsedMetric,
  parseMetricName,
  UNSPECIFIED_RDM_METHOD,
} from './scores/metrics.ts';
export { API_LABEL_OF, SCORE_FIELDS, type ScoreRecord, scoreRecordOf } from './scores/score-record.ts';
export {
  type BrainConfig,
  loadStudyConfig,
  type MetricConfig,
  type NetworkConfig,
  resolvePath,
  type SimulationConfig,
  type StimuliConfig,
  type StudyConfig,
  StudyConfigError,
  validateStudyConfig,
} from './study/config.ts';
export { COMPARISON_FINAL_ITEM, planComparisonStudy } from './study/plan-comparison.ts';
export {
  CV_PEAK_LABEL,
  isLayerSummary,
  meanAndSem,
  RESULT_COLUMNS,
  type ResultRow,
  resultsToCsv,
  writeResults,
} from './study/results.ts';
export { checkComparisonStudy, type RunStudyOptions, runStudy, type StudyOutcome } from './study/run-study.ts';
