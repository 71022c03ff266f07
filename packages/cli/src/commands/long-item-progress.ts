/**
 * Progress of the items of a study that take long (a network's epochs and batches): each gets a bar labelled with the
 * item once it has been reporting for LONG_ITEM_MS, so a many-hour run shows where each network is while the quick
 * items (most of a study) add no lines.
 */
import type { ProgressCallback, ProgressEvent } from '@concord/core';

/** Items that report progress for longer than this get a bar of their own (a network's epochs); quick ones do not. */
export const LONG_ITEM_MS = 3000;

/** An item's own progress as a bar labelled with the item, once the item has been reporting for LONG_ITEM_MS. */
export function longItemProgress(
  barFor: (item: string) => ProgressCallback,
  now: () => number = () => performance.now(),
): (item: string, e: ProgressEvent) => void {
  const items = new Map<string, { since: number; bar?: ProgressCallback }>();
  return (item, e) => {
    let s = items.get(item);
    if (!s) {
      s = { since: now() };
      items.set(item, s);
    }
    if (!s.bar && now() - s.since < LONG_ITEM_MS) return;
    s.bar ??= barFor(item);
    s.bar(e);
  };
}
