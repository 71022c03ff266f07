/**
 * Progress events: long operations accept `onProgress` and report through it; the CLI turns events into a
 * progress bar, the HTTP service into job progress.
 */

export interface ProgressEvent {
  /** What is running, e.g. 'read', 'rdm', 'searchlight'. */
  stage: string;
  /** Units done so far. */
  done: number;
  /** Units in all (0 when unknown). */
  total: number;
  message?: string;
  /** Named numbers of the current state (training: epoch, batch, loss, accuracy), for UIs that show more than a bar. */
  values?: Readonly<Record<string, number>>;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface ProgressOptions {
  onProgress?: ProgressCallback;
}

/** Reports at most every `minIntervalMs` (plus the first and last event), so hot loops can call `tick` freely. */
export class ProgressReporter {
  private done = 0;
  private lastReport = -Infinity;
  constructor(
    private readonly stage: string,
    private readonly total: number,
    private readonly callback: ProgressCallback | undefined,
    private readonly minIntervalMs = 100,
  ) {
    this.emit();
  }

  tick(n = 1, message?: string): void {
    this.done += n;
    if (!this.callback) return;
    const now = performance.now();
    if (this.done >= this.total || now - this.lastReport >= this.minIntervalMs) {
      this.lastReport = now;
      this.emit(message);
    }
  }

  finish(message?: string): void {
    this.done = this.total;
    this.emit(message);
  }

  private emit(message?: string): void {
    this.callback?.({ stage: this.stage, done: this.done, total: this.total, ...(message ? { message } : {}) });
  }
}
