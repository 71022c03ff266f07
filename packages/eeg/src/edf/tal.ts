/**
 * EDF+ Time-stamped Annotation Lists (TALs): `+onset[\x15duration]\x14text\x14text\x14\x00`, UTF-8. The first
 * TAL of each record is the record's time-keeping stamp (empty text).
 */
import type { Annotation } from '../raw.ts';

export interface TalParse {
  annotations: Annotation[];
  /** Onset of the record's time-keeping TAL (seconds), or null when absent. */
  recordOnset: number | null;
}

const decoder = new TextDecoder('utf-8');

export function parseTals(bytes: Uint8Array): TalParse {
  const annotations: Annotation[] = [];
  let recordOnset: number | null = null;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      const tal = decoder.decode(bytes.subarray(start, end));
      const parts = tal.split('\x14');
      const head = parts[0].split('\x15');
      const onset = Number(head[0]);
      const duration = head.length > 1 && head[1] !== '' ? Number(head[1]) : 0;
      if (Number.isFinite(onset) && /^[+-]/.test(head[0])) {
        const texts = parts.slice(1, -1);
        if (texts.length === 1 && texts[0] === '' && recordOnset === null) recordOnset = onset;
        for (const text of texts)
          if (text !== '')
            annotations.push({ onset, duration: Number.isFinite(duration) ? duration : 0, description: text });
      }
    }
    start = end + 1;
  }
  return { annotations, recordOnset };
}
