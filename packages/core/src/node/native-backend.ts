import type { BackendLoadResult } from '../kernels/backend.ts';

export function loadNativeBackend(): BackendLoadResult {
  return { reason: 'not built yet' };
}
