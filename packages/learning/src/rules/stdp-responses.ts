/**
 * A trained Diehl & Cook network's responses to new images (e.g. a study's stimuli): the network saved by the STDP
 * rule (`<out>.stdp.npz`: input weights, thresholds θ) is rebuilt and each image is presented with learning off
 * (fixed weights and θ, as in the authors' test mode); the activation of an image is its excitatory spike counts.
 * A spiking network has no ONNX graph, so this is how its representations reach RSA.
 */
import { ConcordError, ParameterError, type ProgressCallback, ProgressReporter } from '@concord/core';
import { npzEntry, readNpz } from '@concord/io';
import { STREAM, streamRng } from '../engine/seeds.ts';
import { DIEHL_COOK, DiehlCookNetwork } from './stdp-network.ts';

export interface StdpResponseOptions {
  /** Seed of the Poisson input spike trains (the same seed gives the same counts). */
  seed: number;
  presentationMs?: number;
  restMs?: number;
  onProgress?: ProgressCallback;
}

/** Spike counts (images × excitatory neurons, float32) of the network in `networkFile` for `n` images of `images`. */
export function stdpSpikeCounts(
  networkFile: string,
  images: ArrayLike<number>,
  n: number,
  opts: StdpResponseOptions,
): { counts: Float32Array; nExc: number } {
  const archive = readNpz(networkFile);
  const w = npzEntry(archive, 'input_weights', networkFile);
  const theta = npzEntry(archive, 'theta_mV', networkFile);
  if (w.shape.length !== 2 || theta.shape.length !== 1 || theta.shape[0] !== w.shape[1])
    throw new ConcordError(
      'ERR_LEARNING_CHECKPOINT',
      `${networkFile}: expected input_weights [inputs, neurons] and theta_mV [neurons], received ${JSON.stringify(w.shape)} and ${JSON.stringify(theta.shape)}`,
    );
  const [nInput, nExc] = w.shape;
  if (!Number.isInteger(n) || n < 1 || images.length !== n * nInput)
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'images',
      `expected ${n} images of ${nInput} pixels (${n * nInput} values), received ${images.length} values`,
    );
  for (let k = 0; k < images.length; k++)
    if (!(images[k] >= 0 && images[k] <= 1))
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        'images',
        `Poisson rates need pixels in [0, 1]; value ${images[k]} at image ${Math.floor(k / nInput)}, pixel ${k % nInput}`,
      );
  const net = new DiehlCookNetwork(nInput, nExc, streamRng(opts.seed, STREAM.validation), {
    ...DIEHL_COOK,
    ...(opts.presentationMs !== undefined ? { presentationMs: opts.presentationMs } : {}),
    ...(opts.restMs !== undefined ? { restMs: opts.restMs } : {}),
  });
  net.weights.set(w.data as ArrayLike<number>);
  net.theta.set(theta.data as ArrayLike<number>);
  const counts = new Float32Array(n * nExc);
  const progress = new ProgressReporter('respond', n, opts.onProgress, 200);
  const image = new Float64Array(nInput);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < nInput; i++) image[i] = images[s * nInput + i];
    counts.set(net.present(image, { learn: false }).counts, s * nExc);
    progress.tick(1, `image ${s + 1}/${n}`);
  }
  progress.finish();
  return { counts, nExc };
}
