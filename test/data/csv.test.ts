import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv, readCsv, selectRows, toCsv } from '../../src/data/csv.js';
import { csvText, expectDataError, onlineShoppersPath, table } from './helpers.js';

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3', ','],
    ['a;b;c\n1;2;3', ';'],
    ['a\tb\tc\n1\t2\t3', '\t'],
    ['"x,y";b;c\n1;2;3', ';'],
    ['\ufeffa;b\n', ';'],
    ['\n\na;b\n', ';'],
    ['single\n1', ','],
  ])('%j -> %j', (text, d) => expect(detectDelimiter(text)).toBe(d));
});

describe('parseCsv', () => {
  it('reads header and rows, LF', () => {
    const t = table(['a,b', '1,2', '3,4']);
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(t.lines).toEqual([2, 3]);
    expect(t.delimiter).toBe(',');
  });

  it('handles CRLF, BOM, quoted fields with delimiters, quotes and newlines', () => {
    const text = `\ufeff${csvText(['name;"note";y', '"Smith; J";"said ""hi""";yes', '"A";"two\nlines";no'], '\r\n')}`;
    const t = parseCsv(text);
    expect(t.delimiter).toBe(';');
    expect(t.header).toEqual(['name', 'note', 'y']);
    expect(t.rows[0]).toEqual(['Smith; J', 'said "hi"', 'yes']);
    expect(t.rows[1]).toEqual(['A', 'two\nlines', 'no']);
  });

  it('uses a given delimiter over detection', () => {
    const t = parseCsv('a;b,c\n1;2,3\n', { delimiter: ',' });
    expect(t.header).toEqual(['a;b', 'c']);
  });

  it('skips blank lines but keeps file line numbers', () => {
    const t = table(['a,b', '1,2', '', '3,4']);
    expect(t.lines).toEqual([2, 4]);
  });

  it('rejects an empty file', () => {
    expectDataError(() => parseCsv(''), ['empty']);
    expectDataError(() => parseCsv('\ufeff\r\n  \n'), ['empty']);
  });

  it('rejects a header without rows', () => {
    expectDataError(() => parseCsv('a,b,c\r\n'), ['header row but no data rows'], { row: 1 });
  });

  it('names the row and both field counts of a ragged row', () => {
    const lines = ['a,b,c,d,e,f', ...Array.from({ length: 15 }, () => '1,2,3,4,5,6'), '1,2,3,4,5'];
    expectDataError(() => table(lines), ['row 17 has 5 fields, the header has 6'], { row: 17 });
  });

  it('names a duplicate header', () => {
    expectDataError(() => table(['a,b,a', '1,2,3']), ["duplicate column name 'a'", 'columns 1 and 3'], {
      column: 'a',
    });
  });

  it('rejects an empty header name', () => {
    expectDataError(() => table(['a,,c', '1,2,3']), ['header column 2 has an empty name']);
  });

  it('reports an unclosed quote with the line where the quoted field starts', () => {
    expectDataError(
      () => parseCsv('a,b\n1,2\n"3,4\n5,6\n7,8\n'),
      ['line 3: a quoted field opened here is never closed'],
      {
        row: 3,
      },
    );
  });

  it('names the source in errors', () => {
    expectDataError(() => parseCsv('', { source: 'x.csv' }), ['x.csv: the file is empty']);
  });

  it('rejects a multi-character delimiter', () => {
    expectDataError(() => parseCsv('a,b\n1,2', { delimiter: ',,' }), ['one ASCII character']);
  });

  it('reports an unreadable file by path', () => {
    expectDataError(() => readCsv('/nonexistent/file.csv'), ["cannot read CSV file '/nonexistent/file.csv'"]);
  });
});

describe('selectRows and toCsv', () => {
  it('selectRows keeps file lines', () => {
    const t = selectRows(table(['a', 'x', 'y', 'z']), [2, 0]);
    expect(t.rows).toEqual([['z'], ['x']]);
    expect(t.lines).toEqual([4, 2]);
    expectDataError(() => selectRows(t, [5]), ['index 5 out of range']);
  });

  it('toCsv quotes what needs quoting and round-trips', () => {
    const text = toCsv(
      ['a', 'b'],
      [
        ['x,y', 'he said "no"'],
        [1, true],
      ],
    );
    const t = parseCsv(text);
    expect(t.rows).toEqual([
      ['x,y', 'he said "no"'],
      ['1', '1'],
    ]);
  });
});

describe('the Online Shoppers CSV', () => {
  const path = onlineShoppersPath();
  it.skipIf(!path)('parses 12330 rows of 18 columns with CRLF', () => {
    const t = readCsv(path!);
    expect(t.rows.length).toBe(12330);
    expect(t.header.length).toBe(18);
    expect(t.header[17]).toBe('Revenue');
    expect(t.delimiter).toBe(',');
    expect(t.rows.every((r) => !r.some((c) => c.includes('\r')))).toBe(true);
    expect(t.lines[12329]).toBe(12331);
    expect(t.rows.filter((r) => r[17] === 'TRUE').length).toBe(1908);
  });
});
