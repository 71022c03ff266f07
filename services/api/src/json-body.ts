/**
 * The service's application/json parser. It answers like Fastify's own (secure-json-parse: prototype poisoning is
 * refused; empty and malformed bodies give Fastify's 400 errors) but hands the numeric arrays of the body to
 * core's native scanner first: they arrive as Float64Arrays (rows of a matrix as one Float64Array each), parsed
 * to the same doubles JSON.parse gives, and only the small rest of the text goes through JSON.parse.
 * Without the native addon the whole body goes through JSON.parse.
 */
import { randomBytes } from 'node:crypto';
import { type NumericJsonScanner, numericJsonScanner } from '@concord/core';
import { errorCodes } from 'fastify';
import secureJson from 'secure-json-parse';

/** Arrays shorter than this stay with JSON.parse (a placeholder would save little). */
const MIN_NUMERIC_ARRAY = 16;
const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;
/** Placeholder strings for the arrays taken out; the per-process nonce keeps a client's own strings from matching. */
const MARK = `concord-f64-${randomBytes(12).toString('hex')}:`;

export function parseJsonBody(bytes: Buffer, scan: NumericJsonScanner | null = numericJsonScanner()): unknown {
  if (bytes.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  try {
    const found = scan ? scan(bytes, MIN_NUMERIC_ARRAY) : null;
    if (!found) return secureJson.parse(bytes.toString('utf8'), undefined, PARSE_OPTIONS);
    const { spans, offsets, values } = found;
    // Spans start at '[' and end after ']' (ASCII), so no UTF-8 sequence is cut between the pieces.
    const pieces: string[] = [];
    let at = 0;
    for (let k = 0; k < spans.length; k += 2) {
      pieces.push(bytes.toString('utf8', at, spans[k]), `"${MARK}${k / 2}"`);
      at = spans[k + 1];
    }
    pieces.push(bytes.toString('utf8', at));
    return secureJson.parse(
      pieces.join(''),
      (_key, value) => {
        if (typeof value !== 'string' || !value.startsWith(MARK)) return value;
        const k = Number(value.slice(MARK.length));
        return values.subarray(offsets[k], offsets[k + 1]);
      },
      PARSE_OPTIONS,
    );
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
}
