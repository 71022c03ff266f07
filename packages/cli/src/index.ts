export * from './command.ts';
export { progressBar } from './progress-bar.ts';
export { loadRdms, RDM_FILE_ERRORS, type RdmFileFormat, rdmFileFormat, saveRdms } from './rdm-files.ts';
export { jsonReplacer, runCli } from './run.ts';
