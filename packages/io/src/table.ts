/**
 * Delimited text tables (CSV, TSV; BIDS events.tsv, participants.tsv). The first line names the columns. A column
 * whose every value parses as a number (or is a missing-value marker such as 'n/a') becomes a Float64Array with
 * NaN for missing values, as pandas.read_csv does; any other column stays strings. Fields may be quoted with ",
 * doubling "" inside; quoted fields may span lines.
 */
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';
import { readFileChecked, writeFileAtomic } from './files.ts';

export type TableColumn = Float64Array | string[];

export interface Table {
  /** Column names in file order. */
  names: string[];
  columns: Record<string, TableColumn>;
  nRows: number;
}

export interface ReadTableOptions {
  /** Field separator; default from the extension ('.tsv' tab, '.csv' comma), else tab if the header has one. */
  delimiter?: string;
  /** Strings read as missing (NaN) in numeric columns. Default: pandas' defaults, which include BIDS 'n/a'. */
  naValues?: readonly string[];
}

/** pandas.read_csv's default missing-value strings. */
export const DEFAULT_NA_VALUES: readonly string[] = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
];

const NUMBER = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|Inf|INF|infinity|Infinity)$/;

function parseNumber(s: string): number {
  const t = s.trim();
  if (!NUMBER.test(t)) return Number.NaN;
  if (/inf/i.test(t)) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(t);
}

/** Split text into records of fields (RFC 4180 quoting; \n, \r\n or \r line ends). */
function parseRecords(text: string, delimiter: string, file: string): { fields: string[]; line: number }[] {
  if (!text.includes('"')) {
    // No quoting anywhere (the usual BIDS/TSV case): plain line and field splits.
    const out: { fields: string[]; line: number }[] = [];
    const lines = text.split(/\r\n|\n|\r/);
    for (let i = 0; i < lines.length; i++)
      if (lines[i] !== '') out.push({ fields: lines[i].split(delimiter), line: i + 1 });
    return out;
  }
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    // A blank line (one empty unquoted field) is not a record.
    if (!(fields.length === 1 && fields[0] === '' && !quoted)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    quoted = false;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      inQuotes = true;
      quoted = true;
      quoteLine = line;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
    }
  }
  if (inQuotes)
    throw new FileFormatError(IO_ERRORS.TABLE, file, `a quoted field opened on line ${quoteLine} is never closed`, {
      field: `line ${quoteLine}`,
    });
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return records;
}

function guessDelimiter(path: string, firstLine: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith('.tsv') || lower.endsWith('.tsv.txt')) return '\t';
  if (lower.endsWith('.csv')) return ',';
  if (firstLine.includes('\t')) return '\t';
  if (firstLine.includes(',')) return ',';
  if (firstLine.includes(';')) return ';';
  return '\t';
}

/** Parse table text. `file` names the source in errors and guides the delimiter guess. */
export function parseTable(text: string, file = '<text>', opts: ReadTableOptions = {}): Table {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = opts.delimiter ?? guessDelimiter(file, body.slice(0, body.search(/\r|\n|$/)));
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new FileFormatError(
      IO_ERRORS.TABLE,
      file,
      `delimiter must be one character other than a quote or line end, received ${JSON.stringify(delimiter)}`,
      { field: 'delimiter' },
    );
  }
  const records = parseRecords(body, delimiter, file);
  if (records.length === 0)
    throw new FileFormatError(IO_ERRORS.TABLE, file, 'the file is empty: expected a header line naming the columns', {
      offset: 0,
    });
  const names = records[0].fields;
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name))
      throw new FileFormatError(IO_ERRORS.TABLE, file, `column name '${name}' appears twice in the header`, {
        field: 'header',
      });
    seen.add(name);
  }
  const rows = records.slice(1);
  for (const r of rows) {
    if (r.fields.length !== names.length) {
      throw new FileFormatError(
        IO_ERRORS.TABLE,
        file,
        `line ${r.line} has ${r.fields.length} fields, the header has ${names.length} (delimiter ${JSON.stringify(delimiter)})`,
        {
          field: `line ${r.line}`,
          expected: names.length,
          received: r.fields.length,
        },
      );
    }
  }
  const na = new Set(opts.naValues ?? DEFAULT_NA_VALUES);
  const columns: Record<string, TableColumn> = {};
  names.forEach((name, j) => {
    const raw = rows.map((r) => r.fields[j]);
    const nums = new Float64Array(raw.length);
    let numeric = true;
    for (let i = 0; i < raw.length && numeric; i++) {
      if (na.has(raw[i])) nums[i] = Number.NaN;
      else {
        const v = parseNumber(raw[i]);
        if (Number.isNaN(v)) numeric = false;
        else nums[i] = v;
      }
    }
    columns[name] = numeric ? nums : raw;
  });
  return { names, columns, nRows: rows.length };
}

export function readTable(path: string, opts: ReadTableOptions = {}): Table {
  const bytes = readFileChecked(path);
  return parseTable(new TextDecoder('utf-8').decode(bytes), path, opts);
}

export interface WriteTableOptions {
  /** Default: tab for '.tsv' paths, else comma. */
  delimiter?: string;
  /** Written for NaN in numeric columns. Default 'n/a' (BIDS). */
  naRep?: string;
}

function quote(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r') || s !== s.trim()
    ? `"${s.replaceAll('"', '""')}"`
    : s;
}

/** Format a table as text (header line, then one line per row, '\n' line ends). */
export function formatTable(
  table: Pick<Table, 'names' | 'columns'>,
  opts: WriteTableOptions & { delimiter: string },
): string {
  const { delimiter } = opts;
  const naRep = opts.naRep ?? 'n/a';
  const cols = table.names.map((n) => {
    const c = table.columns[n];
    if (!c)
      throw new FileFormatError(IO_ERRORS.TABLE, '<table>', `column '${n}' is named but has no values`, { field: n });
    return c;
  });
  const nRows = cols.length ? cols[0].length : 0;
  cols.forEach((c, j) => {
    if (c.length !== nRows)
      throw new FileFormatError(
        IO_ERRORS.TABLE,
        '<table>',
        `column '${table.names[j]}' has ${c.length} values, column '${table.names[0]}' has ${nRows}`,
        { field: table.names[j] },
      );
  });
  const lines = [table.names.map((n) => quote(n, delimiter)).join(delimiter)];
  for (let i = 0; i < nRows; i++) {
    lines.push(
      cols
        .map((c) => {
          const v = c[i];
          if (typeof v === 'number') return Number.isNaN(v) ? naRep : String(v);
          return quote(v, delimiter);
        })
        .join(delimiter),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Write a table atomically (never a partial file). */
export function writeTable(path: string, table: Pick<Table, 'names' | 'columns'>, opts: WriteTableOptions = {}): void {
  const delimiter = opts.delimiter ?? (path.toLowerCase().endsWith('.tsv') ? '\t' : ',');
  writeFileAtomic(path, formatTable(table, { ...opts, delimiter }));
}
