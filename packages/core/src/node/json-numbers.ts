/**
 * Numeric JSON arrays parsed natively. A 92-condition RDM pair sent as JSON is ~150 KB of digits; JSON.parse
 * makes a heap number for each entry and costs more than the comparison it feeds. `scanNumericJsonArrays` finds
 * the arrays that hold only numbers and parses them into one Float64Array in C++ (std::from_chars: correctly
 * rounded, the same doubles JSON.parse gives). Everything that is not strictly such an array — strings, objects,
 * null entries, numbers beyond double range — is left for JSON.parse.
 */
import { forcedBackend } from '../kernels/backend.ts';
import { loadNativeAddon, type NativeAddon } from './native-backend.ts';

export interface NumericJsonArrays {
  /** Byte ranges [start, end) of the arrays, '[' to ']' inclusive, in order: start0, end0, start1, end1, ... */
  spans: Uint32Array;
  /** Array k's numbers are values[offsets[k] .. offsets[k + 1]). */
  offsets: Uint32Array;
  values: Float64Array;
}

export type NumericJsonScanner = (bytes: Uint8Array, minLength: number) => NumericJsonArrays | null;

let scanner: NumericJsonScanner | null | undefined;

/**
 * The native scanner, or null where the addon is not built (or CONCORD_BACKEND forces another backend: the
 * machine is then treated as one without the addon). Callers fall back to JSON.parse.
 */
export function numericJsonScanner(): NumericJsonScanner | null {
  if (scanner === undefined) {
    const forced = forcedBackend();
    const addon: NativeAddon | undefined = forced && forced !== 'native' ? undefined : loadNativeAddon().addon;
    scanner =
      typeof addon?.scanNumericArrays === 'function'
        ? (bytes, minLength) => addon.scanNumericArrays(bytes, minLength)
        : null;
  }
  return scanner;
}
