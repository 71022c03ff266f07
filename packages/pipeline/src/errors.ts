/** Stable error codes of @concord/pipeline (the CLI prints them with --json; the service maps them to statuses). */
export const PIPELINE_ERRORS = {
  /** A study file entry that is missing, unknown or malformed (named in the message). */
  STUDY_CONFIG: 'ERR_PIPELINE_STUDY_CONFIG',
  /** A study summary that needs more subjects than the dataset has (the cross-validated peak needs 2). */
  STUDY_TOO_FEW_SUBJECTS: 'ERR_PIPELINE_STUDY_TOO_FEW_SUBJECTS',
  /** A plan whose items name a dependency that is not in the plan, or that form a cycle. */
  PLAN: 'ERR_PIPELINE_PLAN',
  /** An item kind that no registered item function handles. */
  UNKNOWN_ITEM_KIND: 'ERR_PIPELINE_UNKNOWN_ITEM_KIND',
  /** An item that failed (after its retries); the message names the item and its error. */
  ITEM_FAILED: 'ERR_PIPELINE_ITEM_FAILED',
} as const;
