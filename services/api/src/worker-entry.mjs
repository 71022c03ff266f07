// Plain-JavaScript entry of the compute workers: registers the TypeScript loader in THIS thread (a worker's ESM
// loader does not inherit the parent's `--import tsx` under every runner, e.g. vitest), then loads worker.ts.
import { register } from 'tsx/esm/api';

register();
const { default: work } = await import('./worker.ts');
export default work;
