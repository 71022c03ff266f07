export * from './command.ts';
export { progressBar } from './progress-bar.ts';
export { jsonReplacer, runCli } from './run.ts';
