/** Stable error codes of @concord/cli (with --json a failure prints {"error": {"code", "message"}}). */
export const CLI_ERRORS = {
  /** Bad usage: an unknown command or option, a missing or malformed option value (exit 2). */
  USAGE: 'ERR_CLI_USAGE',
  /** A JSON input file (labels, runs) that is not valid JSON or not the expected array. */
  JSON: 'ERR_CLI_JSON',
  /** A failure that is not one of Concord's typed errors (a bug: exit 1). */
  INTERNAL: 'ERR_CLI_INTERNAL',
} as const;
