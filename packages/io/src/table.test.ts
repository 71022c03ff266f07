import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTable, readTable, writeTable } from './table.ts';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import csv, json'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Python's csv module as an independent parser: rows of strings. */
function pythonCsv(path: string, delimiter: string): string[][] {
  const code = `import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    print(json.dumps([r for r in csv.reader(f, delimiter=sys.argv[2]) if r]))`;
  return JSON.parse(execFileSync('python3', ['-c', code, path, delimiter], { encoding: 'utf8' }));
}

const dir = mkdtempSync(join(tmpdir(), 'concord-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseTable', () => {
  it('types columns: numeric with n/a as NaN, otherwise strings', () => {
    const t = parseTable('onset\tduration\ttrial_type\tresp\n1.5\t0.5\tface\tn/a\n3\t1e-1\thouse\t2\n', 'events.tsv');
    expect(t.names).toEqual(['onset', 'duration', 'trial_type', 'resp']);
    expect(t.nRows).toBe(2);
    expect(Array.from(t.columns.onset as Float64Array)).toEqual([1.5, 3]);
    expect(Array.from(t.columns.duration as Float64Array)).toEqual([0.5, 0.1]);
    expect(t.columns.trial_type).toEqual(['face', 'house']);
    const resp = t.columns.resp as Float64Array;
    expect(resp).toBeInstanceOf(Float64Array);
    expect(Number.isNaN(resp[0])).toBe(true);
    expect(resp[1]).toBe(2);
  });

  it('handles quotes, doubled quotes, delimiters and newlines inside quotes, CRLF and a BOM', () => {
    const text = '\ufeffname,note,x\r\n"a,b","he said ""hi""",1\r\nplain,"two\nlines",-2.5\r\n';
    const t = parseTable(text, 'x.csv');
    expect(t.columns.name).toEqual(['a,b', 'plain']);
    expect(t.columns.note).toEqual(['he said "hi"', 'two\nlines']);
    expect(Array.from(t.columns.x as Float64Array)).toEqual([1, -2.5]);
  });

  it('keeps a column of mixed numbers and words as strings', () => {
    const t = parseTable('a\n1\nx\n', 'a.tsv');
    expect(t.columns.a).toEqual(['1', 'x']);
  });

  it('refuses ragged rows, naming the line', () => {
    try {
      parseTable('a\tb\n1\t2\n3\n', 'bad.tsv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).code).toBe('ERR_IO_TABLE');
      expect((e as Error).message).toContain('bad.tsv');
      expect((e as Error).message).toContain('line 3');
    }
  });

  it('refuses an unclosed quote, an empty file and duplicate column names', () => {
    expect(() => parseTable('a,b\n"x,1\n', 'q.csv')).toThrow(/never closed/);
    expect(() => parseTable('', 'e.csv')).toThrow(FileFormatError);
    expect(() => parseTable('a,a\n1,2\n', 'd.csv')).toThrow(/appears twice/);
  });
});

describe('writeTable', () => {
  it('round-trips strings with quotes, delimiters and newlines, numbers and NaN', () => {
    const path = join(dir, 'round.tsv');
    const columns = {
      label: ['plain', 'tab\there', 'quote " mark', 'new\nline'],
      value: Float64Array.from([0.1, -3, Number.NaN, 1e-300]),
    };
    writeTable(path, { names: ['label', 'value'], columns });
    expect(readFileSync(path, 'utf8')).toContain('n/a');
    const back = readTable(path);
    expect(back.names).toEqual(['label', 'value']);
    expect(back.columns.label).toEqual(columns.label);
    const v = back.columns.value as Float64Array;
    expect([v[0], v[1], v[3]]).toEqual([0.1, -3, 1e-300]);
    expect(Number.isNaN(v[2])).toBe(true);
  });

  it.skipIf(!hasPython)('writes CSV that Python csv reads back field for field', () => {
    const path = join(dir, 'py.csv');
    const columns = { a: ['x,y', 'say "no"', ' padded '], b: Float64Array.from([1, 2.5, -0]) };
    writeTable(path, { names: ['a', 'b'], columns });
    expect(pythonCsv(path, ',')).toEqual([
      ['a', 'b'],
      ['x,y', '1'],
      ['say "no"', '2.5'],
      [' padded ', '0'],
    ]);
  });

  it('refuses columns of different lengths', () => {
    expect(() => writeTable(join(dir, 'bad.csv'), { names: ['a', 'b'], columns: { a: ['1'], b: ['1', '2'] } })).toThrow(
      FileFormatError,
    );
  });
});

describe.skipIf(!hasPython)('readTable agrees with Python csv on tricky input', () => {
  it('parses the same fields', () => {
    const path = join(dir, 'tricky.csv');
    writeFileSync(path, 'h1,h2,h3\r\n"a ""q"" b",,3\r\n"multi\r\nline",x,"4"\r\n\r\nlast,"",5\r\n');
    const rows = pythonCsv(path, ',');
    const t = readTable(path);
    expect(t.names).toEqual(rows[0]);
    expect(t.nRows).toBe(rows.length - 1);
    expect(t.columns.h1).toEqual(rows.slice(1).map((r) => r[0]));
    expect(t.columns.h2).toEqual(rows.slice(1).map((r) => r[1]));
    expect(Array.from(t.columns.h3 as Float64Array)).toEqual(rows.slice(1).map((r) => Number(r[2])));
  });
});

describeWithSharedData(
  ['nifti', 'pymvpa-haxby2001', 'sub001', 'BOLD', 'task001_run001', 'bold_events.tsv'],
  'BIDS events.tsv (Haxby 2001)',
  () => {
    it.skipIf(!hasPython)('matches Python csv and types onset/duration as numbers', () => {
      const path = sharedData('nifti', 'pymvpa-haxby2001', 'sub001', 'BOLD', 'task001_run001', 'bold_events.tsv');
      const rows = pythonCsv(path, '\t');
      const t = readTable(path);
      expect(t.names).toEqual(['onset', 'duration', 'trial_type']);
      expect(Array.from(t.columns.onset as Float64Array)).toEqual(rows.slice(1).map((r) => Number(r[0])));
      expect(Array.from(t.columns.duration as Float64Array)).toEqual(rows.slice(1).map((r) => Number(r[1])));
      expect(t.columns.trial_type).toEqual(rows.slice(1).map((r) => r[2]));
    });
  },
);
