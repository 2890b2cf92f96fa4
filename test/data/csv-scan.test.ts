import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseNumber } from '../../src/data/columns.js';
import { CsvScanner, type ScanOptions } from '../../src/data/csv-scan.js';
import { DataError } from '../../src/data/errors.js';
import { Generator } from '../../src/random.js';
import { expectDataError } from './helpers.js';

interface Scanned {
  records: string[][];
  lines: number[];
  raw: string[];
}

/** Every record of `bytes` fed to a scanner in pieces cut at `cuts`. */
function scan(bytes: Uint8Array, cuts: number[] = [], options: ScanOptions = { delimiter: ',' }): Scanned {
  const s = new CsvScanner(options);
  const out: Scanned = { records: [], lines: [], raw: [] };
  const emit = (r: CsvScanner) => {
    const fields: string[] = [];
    for (let i = 0; i < r.count; i++) fields.push(r.raw(i));
    out.records.push(fields);
    out.lines.push(r.line);
    out.raw.push(r.bytes.toString(r.encoding, r.recordStart, r.recordEnd));
  };
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, cut), emit);
    at = cut;
  }
  s.finish(emit);
  return out;
}

const bytesOf = (text: string) => Buffer.from(text, 'utf8');

/** csv-parse with the options the project's in-memory reader used before the streaming one. */
function reference(text: string): string[][] | 'error' {
  try {
    return parse(text, { delimiter: ',', bom: true, relax_column_count: true, skip_empty_lines: true });
  } catch {
    return 'error';
  }
}

function ours(text: string, cuts: number[] = []): string[][] | 'error' {
  try {
    return scan(bytesOf(text), cuts).records;
  } catch (err) {
    if (err instanceof DataError) return 'error';
    throw err;
  }
}

const TRICKY = [
  'a,b\n1,2\n',
  'a,b\r\n1,2\r\n3,4',
  'a,b\r1,2\r3,4\r',
  '\ufeffname,note\r\n"Smith, J","said ""hi"""\r\n"A","two\r\nlines"\r\n',
  '\n\na,b\n\n1,2\n\n\n3,4\n',
  'x\n""\n" "\n',
  'a,b,c\n,,\n"",,""\n',
  'h\n"quoted\nover\nthree lines"\nnext\n',
  'a;b\n1;2\n',
];

describe('CsvScanner', () => {
  it.each(TRICKY)('gives the same records for every split point of %j', (text) => {
    const bytes = bytesOf(text);
    const whole = scan(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) expect(scan(bytes, [cut])).toEqual(whole);
    const rng = new Generator(bytes.length);
    for (let trial = 0; trial < 20; trial++) {
      const cuts = Array.from({ length: 4 }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
      expect(scan(bytes, cuts)).toEqual(whole);
    }
  });

  it('unquotes, keeps delimiters and line ends inside quotes, and numbers lines from where records start', () => {
    const r = scan(bytesOf('h1,h2\r\n"a,b","x\r\ny"\r\n"say ""no""",z\r\n\r\nlast,1'));
    expect(r.records).toEqual([
      ['h1', 'h2'],
      ['a,b', 'x\r\ny'],
      ['say "no"', 'z'],
      ['last', '1'],
    ]);
    expect(r.lines).toEqual([1, 2, 4, 6]);
    expect(r.raw[1]).toBe('"a,b","x\r\ny"');
  });

  it('skips a UTF-8 byte order mark and refuses UTF-16', () => {
    expect(scan(bytesOf('\ufeffa,b\n1,2\n')).records[0]).toEqual(['a', 'b']);
    expectDataError(() => scan(Buffer.from([0xff, 0xfe, 0x61, 0x00])), ['UTF-16']);
  });

  it('names the line where an unclosed quote opened, however long the rest of the file', () => {
    const text = `a,b\n1,2\n"3,4\n${'5,6\n'.repeat(1000)}`;
    expectDataError(() => scan(bytesOf(text), [10, 100, 1000]), ['line 3', 'never closed'], { row: 3 });
  });

  it('refuses a record longer than the limit instead of buffering the file', () => {
    const text = `a\n"${'x'.repeat(5000)}`;
    expectDataError(
      () => scan(bytesOf(text), [1000, 2000, 3000, 4000], { delimiter: ',', maxRecordBytes: 1024 }),
      ['line 2', 'longer than'],
    );
  });

  it('refuses stray quotes as csv-parse does, naming the line', () => {
    expectDataError(() => scan(bytesOf('a,b\nx"y,2\n')), ['line 2', 'quote inside an unquoted value'], {
      row: 2,
    });
    expectDataError(() => scan(bytesOf('a,b\n"x"y,2\n')), ['line 2', "followed by 'y'"]);
  });

  it('refuses invalid UTF-8 with its byte offset and line, and reads it as Latin-1 when told', () => {
    const bytes = Buffer.concat([bytesOf('city,n\nOslo,1\nK'), Buffer.from([0xf8]), bytesOf('ln,2\n')]);
    expectDataError(
      () => scan(bytes, [], { delimiter: ',' }),
      ['invalid UTF-8 at byte 15', 'line 3', 'latin1'],
      {
        row: 3,
      },
    );
    expect(scan(bytes, [15], { delimiter: ',', encoding: 'latin1' }).records[2]).toEqual(['Køln', '2']);
  });

  it('detects the delimiter from the first line, waiting for it to end', () => {
    const s = new CsvScanner();
    const seen: string[][] = [];
    const emit = (r: CsvScanner) => seen.push(Array.from({ length: r.count }, (_, i) => r.raw(i)));
    for (const piece of ['"x,y";b', ';c\n1;2', ';3\n']) s.push(bytesOf(piece), emit);
    s.finish(emit);
    expect(s.delimiter).toBe(';');
    expect(seen).toEqual([
      ['x,y', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('reads fields as numbers, missing tokens, trimmed text and dictionary codes', () => {
    const s = new CsvScanner({ delimiter: ';' });
    const got: unknown[] = [];
    s.push(bytesOf(' 12,5 ; NA ;" Oslo ";"a""b"\n'), (r) => {
      got.push(r.number(0, true), r.number(0, false), r.isMissing(1), r.text(2), r.raw(3), r.text(3));
    });
    s.finish(() => {});
    expect(got).toEqual([12.5, Number.NaN, true, 'Oslo', 'a"b', 'a"b']);
  });
});

describe('numbers read while scanning', () => {
  // Plain numbers are read during the scan (plainNumber), the rest by parseNumberBytes: both must
  // give parseNumber's answer for every field, with or without decimal commas, however the bytes
  // are cut into chunks.
  it.each([
    [1, ','],
    [2, ';'],
    [3, ';'],
    [4, '\t'],
  ])('agree with parseNumber on random numeric fields (seed %i, delimiter %j)', (seed, delimiter) => {
    const rng = new Generator(seed);
    const alphabet = '0123456789012345678901234567890123456789..,eE+- ';
    const fixed = [
      '9007199254740993',
      '9007199254740992',
      '0.1234567890123456789012',
      '1.12345678901234567890123',
    ];
    fixed.push('-0', '+.5', '1.', '.', '-', '123456789012345678901234567890', '0.30000000000000004');
    for (let file = 0; file < 60; file++) {
      const fields: string[] = [];
      let text = 'h\n';
      for (let row = 0; row < 50; row++) {
        const cells: string[] = [];
        for (let c = 0; c < 3; c++) {
          let cell = '';
          if (rng.int(8) === 0) cell = fixed[rng.int(fixed.length)];
          else for (let j = 1 + rng.int(20); j > 0; j--) cell += alphabet[rng.int(alphabet.length)];
          if (cell.includes(delimiter)) cell = `"${cell}"`;
          cells.push(cell);
        }
        text += `${cells.join(delimiter)}${['\n', '\r\n'][rng.int(2)]}`;
        fields.push(...cells.map((cell) => (cell.startsWith('"') ? cell.slice(1, -1) : cell)));
      }
      const bytes = bytesOf(text);
      const cuts = Array.from({ length: 4 }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
      for (const comma of [false, true]) {
        const s = new CsvScanner({ delimiter });
        const got: number[] = [];
        const expected: number[] = [];
        let k = 0;
        const emit = (r: CsvScanner) => {
          if (r.line === 1) return;
          for (let i = 0; i < r.count; i++) {
            got.push(r.number(i, comma));
            expected.push(parseNumber(fields[k++], comma) ?? Number.NaN);
          }
        };
        let at = 0;
        for (const cut of [...cuts, bytes.length]) {
          s.push(bytes.subarray(at, cut), emit);
          at = cut;
        }
        s.finish(emit);
        expect(got.length).toBe(150);
        for (let i = 0; i < got.length; i++) {
          if (!Object.is(got[i], expected[i]))
            expect({ field: fields[i], comma, got: got[i] }).toBe(expected[i]);
        }
      }
    }
  });
});

describe('CsvScanner against csv-parse on random files', () => {
  // Random files from an alphabet with every character that matters, one line-end style per file
  // (csv-parse takes the first line end it sees as the only one; this reader accepts any).
  const alphabet = ['a', 'b', '1', '.', ',', '"', ' ', 'é', '\n'];
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agrees on 400 random files (seed %i)', (seed) => {
    const rng = new Generator(seed);
    let agreedOnErrors = 0;
    for (let file = 0; file < 400; file++) {
      const eol = ['\n', '\r\n', '\r'][rng.int(3)];
      const length = 1 + rng.int(60);
      let text = '';
      for (let k = 0; k < length; k++) {
        const ch = alphabet[rng.int(alphabet.length)];
        text += ch === '\n' ? eol : ch;
      }
      const expected = reference(text);
      const bytes = bytesOf(text);
      const cuts = [rng.int(bytes.length + 1), rng.int(bytes.length + 1)].sort((a, b) => a - b);
      const got = ours(text, cuts);
      if (expected === 'error') agreedOnErrors++;
      expect(got, JSON.stringify(text)).toEqual(expected);
    }
    expect(agreedOnErrors).toBeGreaterThan(0);
  });
});
