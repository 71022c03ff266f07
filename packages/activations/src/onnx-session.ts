/**
 * Creating onnxruntime sessions from model bytes. A model whose weights live in external data files (large PyTorch
 * exports) cannot be created from bytes alone: onnxruntime resolves those files relative to the model's path and
 * refuses paths (or symlinks) that leave that folder. So the (modified) model is written as a hidden temporary
 * file beside the original, the session is created from that path and the file is removed at once; when the folder
 * is read-only, the model and copies of its data files go to a private temporary folder instead.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import ort from 'onnxruntime-node';

export async function createSession(
  file: string,
  bytes: Uint8Array,
  externalData: readonly string[],
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  if (externalData.length === 0) return ort.InferenceSession.create(bytes, options);
  const beside = join(dirname(resolve(file)), `.${basename(file)}.concord-${randomBytes(6).toString('hex')}.onnx`);
  let written = false;
  try {
    writeFileSync(beside, bytes);
    written = true;
  } catch {
    // Read-only model folder: fall back to copies.
  }
  if (written) {
    try {
      return await ort.InferenceSession.create(beside, options);
    } finally {
      rmSync(beside, { force: true });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'concord-onnx-'));
  try {
    for (const loc of externalData) {
      const target = join(dir, loc);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(resolve(dirname(file), loc), target);
    }
    const path = join(dir, 'model.onnx');
    writeFileSync(path, bytes);
    return await ort.InferenceSession.create(path, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
