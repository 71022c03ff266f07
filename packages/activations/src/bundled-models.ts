/**
 * Real trained networks that ship inside installed registry packages (no download at run time): the nsfwjs
 * image-filter networks, an ImageNet-style backbone (MobileNetV2 or InceptionV3) with a 5-class head, stored in
 * the package as UMD modules (model JSON, weight shards as base64). `writeBundledModel` writes one out as a
 * TF.js model.json + .bin shards that `loadModel` reads. Inputs are RGB in [0, 1] (nsfwjs divides by 255).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkChoice } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { ACTIVATIONS_ERRORS } from './errors.ts';

export const BUNDLED_MODELS = {
  /** MobileNetV2 backbone + dense head, TF.js layers model, input [N, 224, 224, 3]. */
  mobilenet_v2: 'nsfwjs 4.4 MobileNetV2 (TF.js layers model, 224×224 RGB in [0, 1])',
  /** The same family as a TF.js graph model (converted from TensorFlow), input [N, 224, 224, 3]. */
  mobilenet_v2_mid: 'nsfwjs 4.4 MobileNetV2 "mid" (TF.js graph model, 224×224 RGB in [0, 1])',
  /** InceptionV3 backbone + head, TF.js layers model, input [N, 299, 299, 3]. */
  inception_v3: 'nsfwjs 4.4 InceptionV3 (TF.js layers model, 299×299 RGB in [0, 1])',
} as const;

export type BundledModelName = keyof typeof BUNDLED_MODELS;

/** Write a bundled network to `dir` (model.json + shards; kept when already there) and return the model.json path. */
export function writeBundledModel(name: string, dir: string): string {
  const which = checkChoice(
    'model',
    name,
    Object.keys(BUNDLED_MODELS) as BundledModelName[],
    ACTIVATIONS_ERRORS.MODEL_KIND,
  );
  const file = join(dir, 'model.json');
  if (existsSync(file)) return file;
  const require = createRequire(import.meta.url);
  const folder = join(dirname(require.resolve('nsfwjs')), '..', 'models', which);
  const json = require(join(folder, 'model.min.js')) as { weightsManifest: { paths: string[] }[] };
  mkdirSync(dir, { recursive: true });
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const b64 = require(join(folder, `${p}.min.js`)) as string;
      writeFileSync(join(dir, p), Buffer.from(b64, 'base64'));
    }
  }
  // model.json last (and atomically): its presence means the shards are complete.
  writeFileAtomic(file, JSON.stringify(json));
  return file;
}
