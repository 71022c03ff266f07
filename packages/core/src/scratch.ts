/**
 * Reusable scratch buffers for large temporaries (a centred copy of the data that only feeds a product, per-fold
 * sums). Fresh memory costs a page fault per 4 KiB on first write — on a small VM ~0.35 ms per MB, as much as the
 * arithmetic around a BLAS product — so back-to-back calls (RDMs for many layers, subjects, bootstraps) reuse
 * memory that is already mapped. Up to four buffers are lent at once (nested calls take the next one); they are
 * dropped after a second without use, so an idle process does not hold them. Synchronous use only.
 */

/** Larger temporaries are allocated fresh (a pooled buffer would otherwise pin that much memory). */
const MAX_SCRATCH_BYTES = 512 * 2 ** 20;
const SLOTS = 4;
const RELEASE_AFTER_MS = 1000;

const buffers: (ArrayBuffer | undefined)[] = new Array(SLOTS).fill(undefined);
let depth = 0;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleRelease(): void {
  if (typeof setTimeout !== 'function') return;
  if (releaseTimer !== undefined) {
    (releaseTimer as { refresh?: () => void }).refresh?.();
    return;
  }
  releaseTimer = setTimeout(() => {
    releaseTimer = undefined;
    if (depth === 0) buffers.fill(undefined);
  }, RELEASE_AFTER_MS);
  (releaseTimer as { unref?: () => void }).unref?.();
}

/**
 * Call `fn` with a Float64Array of `length` elements (contents unspecified: the caller overwrites them). The array
 * must not outlive `fn` (do not return it or keep a view of it).
 */
export function withScratchFloat64<T>(length: number, fn: (scratch: Float64Array) => T): T {
  const bytes = length * 8;
  if (depth >= SLOTS || bytes > MAX_SCRATCH_BYTES) return fn(new Float64Array(length));
  const slot = depth;
  let buffer = buffers[slot];
  if (!buffer || buffer.byteLength < bytes) buffer = buffers[slot] = new ArrayBuffer(bytes);
  depth++;
  try {
    return fn(new Float64Array(buffer, 0, length));
  } finally {
    depth--;
    scheduleRelease();
  }
}
