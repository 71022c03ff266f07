export {
  type Command,
  type CommandContext,
  choiceOption,
  closestFlag,
  helpText,
  numberOption,
  type OptionSpec,
  type ParsedOptions,
  parseCommandArgs,
  requiredChoice,
  requiredNumber,
  requiredString,
  stringOption,
  UsageError,
} from './command.ts';
export { progressBar } from './progress-bar.ts';
export { jsonReplacer, runCli } from './run.ts';
