export { runCli, jsonReplacer } from './run.ts';
export * from './command.ts';
export { progressBar } from './progress-bar.ts';
