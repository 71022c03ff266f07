/** A progress bar on stderr driven by core progress events: redrawn in place on a terminal, milestone lines otherwise. */
import type { ProgressCallback, ProgressEvent } from '@concord/core';

export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  label?: string,
): ProgressCallback {
  const tty = Boolean(stream.isTTY);
  let lastStage = '';
  let lastDecile = -1;
  const start = performance.now();
  return (e: ProgressEvent) => {
    const name = label ? `${label}: ${e.stage}` : e.stage;
    const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    if (tty) {
      const width = 28;
      const filled = Math.round(frac * width);
      const secs = ((performance.now() - start) / 1000).toFixed(1);
      const counts = e.total > 0 ? `${e.done}/${e.total}` : `${e.done}`;
      stream.write(
        `\r\x1b[2K${name.padEnd(24).slice(0, 24)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${counts} ${secs}s${e.message ? ` ${e.message}` : ''}`,
      );
      if (e.total > 0 && e.done >= e.total) stream.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (name !== lastStage) {
      lastStage = name;
      lastDecile = -1;
    }
    if (decile !== lastDecile && (e.total === 0 || decile > lastDecile)) {
      lastDecile = decile;
      stream.write(`${name}: ${(frac * 100).toFixed(0)}% (${e.done}/${e.total})${e.message ? ` ${e.message}` : ''}\n`);
    }
  };
}
