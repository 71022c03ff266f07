// Loads the TypeScript worker entry through tsx's ESM API: worker threads do not inherit the parent's loader, and
// `--import` in a Worker's execArgv is not honoured by Node 20.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker-entry.ts', import.meta.url);
