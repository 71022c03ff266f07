/**
 * Annotation helpers shared by the readers: MNE keeps annotations as datetime offsets (microsecond resolution)
 * and, when attaching them to a recording, drops those starting after its end and clips those running past it.
 */
import type { Annotation } from './raw.ts';

export function roundToMicrosecond(seconds: number): number {
  // times beyond ~1e302 s would overflow when scaled to microseconds: they are whole microseconds already
  const r = Math.round(seconds * 1e6) / 1e6;
  return Number.isFinite(r) ? r : seconds;
}

/**
 * MNE's `raw.set_annotations` crop: keep annotations overlapping [0, tmax] (tmax = nTimes / sfreq, one sample past
 * the last), clip their ends to tmax. Returns the kept annotations and how many were omitted.
 */
export function cropAnnotations(annotations: Annotation[], tmax: number): { kept: Annotation[]; omitted: number } {
  const kept: Annotation[] = [];
  let omitted = 0;
  for (const a of annotations) {
    const onset = roundToMicrosecond(a.onset);
    const end = roundToMicrosecond(a.onset + (Number.isNaN(a.duration) ? 0 : a.duration));
    // a non-finite onset (a corrupt marker) lies nowhere in the recording
    if (!Number.isFinite(onset) || onset > tmax || end < 0) {
      omitted++;
      continue;
    }
    const o = Math.max(0, onset);
    const e = Math.min(tmax, end);
    kept.push({ onset: o, duration: roundToMicrosecond(e - o), description: a.description });
  }
  return { kept, omitted };
}
