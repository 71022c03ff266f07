/**
 * Node entry of @concord/core: everything in index.ts plus the native (OpenBLAS) and onnxruntime backends,
 * loaded lazily on first use, and the native JSON number scanner.
 */
import { registerBackendLoader } from './kernels/backend.ts';
import { loadNativeBackend } from './node/native-backend.ts';
import { loadOnnxBackend } from './node/onnx-backend.ts';

export * from './index.ts';
export { type NumericJsonArrays, type NumericJsonScanner, numericJsonScanner } from './node/json-numbers.ts';
export {
  SOURCE_CONDITION,
  type WorkerModule,
  type WorkerThreadStart,
  workerModule,
  workerProcessArgv,
  workerThreadStart,
} from './node/worker-module.ts';

registerBackendLoader('native', loadNativeBackend);
registerBackendLoader('onnx', loadOnnxBackend);
