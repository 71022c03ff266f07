import type { BackendLoadResult } from '../kernels/backend.ts';

export function loadOnnxBackend(): BackendLoadResult {
  return { reason: 'not built yet' };
}
