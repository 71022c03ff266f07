/** `loadModel(path)`: an ONNX file or a TensorFlow.js model.json, chosen by the file name. */
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type Dataset, FileFormatError } from '@concord/core';
import type { ExtractToOptions } from './cache.ts';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import type { ActivationModel } from './model.ts';
import { loadOnnxModel } from './onnx-model.ts';
import type { Stimuli } from './stimuli.ts';
import { loadTfjsModel } from './tfjs-model.ts';

export interface Model extends ActivationModel {
  extract(stimuli: Stimuli, options: ExtractToOptions): Promise<Map<string, Dataset>>;
}

export interface LoadModelOptions {
  /** Threads for the runtime (onnxruntime intra-op threads; ignored by TF.js wasm, which uses its own pool). */
  threads?: number;
}

export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (!existsSync(path)) throw new FileFormatError(ACTIVATIONS_ERRORS.MODEL_FORMAT, path, 'no such model file');
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx' || ext === '.ort') return loadOnnxModel(path, options);
  if (ext === '.json') return loadTfjsModel(path);
  throw new FileFormatError(
    ACTIVATIONS_ERRORS.MODEL_KIND,
    path,
    `cannot tell the model format from '${basename(path)}': expected an .onnx file or a TensorFlow.js model.json (with its weight shards beside it)`,
  );
}
