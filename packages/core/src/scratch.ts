/**
 * One reusable scratch buffer for large temporaries (a centred copy of the data that only feeds a product). Fresh
 * memory costs a page fault per 4 KiB on first write — on a small VM ~0.35 ms per MB, as much as the arithmetic
 * around a BLAS product — so back-to-back calls (RDMs for many layers, subjects, bootstraps) reuse memory that is
 * already mapped. The buffer is dropped after a second without use, so an idle process does not hold it.
 * Synchronous use only; nested or concurrent requests get fresh memory.
 */

/** Larger temporaries are allocated fresh (the scratch would otherwise pin that much memory). */
const MAX_SCRATCH_BYTES = 512 * 2 ** 20;
const RELEASE_AFTER_MS = 1000;

let buffer: ArrayBuffer | undefined;
let inUse = false;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Call `fn` with a Float64Array of `length` elements (contents unspecified: the caller overwrites them). The array
 * must not outlive `fn` (do not return it or keep a view of it).
 */
export function withScratchFloat64<T>(length: number, fn: (scratch: Float64Array) => T): T {
  const bytes = length * 8;
  if (inUse || bytes > MAX_SCRATCH_BYTES) return fn(new Float64Array(length));
  if (!buffer || buffer.byteLength < bytes) buffer = new ArrayBuffer(bytes);
  inUse = true;
  try {
    return fn(new Float64Array(buffer, 0, length));
  } finally {
    inUse = false;
    if (releaseTimer === undefined && typeof setTimeout === 'function') {
      releaseTimer = setTimeout(() => {
        releaseTimer = undefined;
        if (!inUse) buffer = undefined;
      }, RELEASE_AFTER_MS);
      (releaseTimer as { unref?: () => void }).unref?.();
    } else if (releaseTimer !== undefined) {
      (releaseTimer as { refresh?: () => void }).refresh?.();
    }
  }
}
