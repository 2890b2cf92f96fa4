import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CITIES, cleanCsv, cleanRows, csvOf, HEADER, judge, type Verdict, Workspace } from './helpers.js';

// The bad-input catalogue, part 1: `tensorgrad train` on files and options a user may bring. Every
// case either fails with a message that names what is wrong and where, or is accepted and its
// result checked. (evaluate.test.ts and api.test.ts hold the other parts.)
const ws = new Workspace();
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

interface TrainCase {
  name: string;
  /** The CSV content (default: the clean table). */
  csv?: string | Uint8Array;
  /** Options after the standard ones (the label is 'bought' unless --label is given here). */
  args?: string[];
  verdict: Verdict;
}

const trained = (check?: (output: string) => void): Verdict => ({
  accepted: (output) => {
    expect(output).toMatch(/^network( \(threshold| {3})/m);
    check?.(output);
  },
});
const refused = (...patterns: Array<string | RegExp>): Verdict => ({ error: patterns });

const clean = cleanCsv();
const lines = clean.trimEnd().split('\n');
const withLine = (k: number, line: string) =>
  `${[...lines.slice(0, k), line, ...lines.slice(k + 1)].join('\n')}\n`;
const cell = (row: number, column: string, value: string) =>
  cleanCsv((cells, r) => {
    if (r === row) cells[HEADER.indexOf(column)] = value;
    return cells;
  });
const column = (name: string, value: (r: number) => string) =>
  cleanCsv((cells, r) => {
    cells[HEADER.indexOf(name)] = value(r);
    return cells;
  });
const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

const CASES: TrainCase[] = [
  // The file itself.
  { name: 'an empty file', csv: '', verdict: refused('the file is empty') },
  { name: 'a byte order mark alone', csv: '\ufeff', verdict: refused('the file is empty') },
  { name: 'blank lines only', csv: '\n\n\r\n', verdict: refused('the file is empty') },
  {
    name: 'a header without rows',
    csv: `${HEADER.join(',')}\n`,
    verdict: refused('header row but no data rows'),
  },
  {
    name: 'a duplicate header name',
    csv: clean.replace('visits', 'age'),
    verdict: refused("duplicate column name 'age'", 'columns 1 and 3'),
  },
  {
    name: 'an empty header name',
    csv: clean.replace('visits', ''),
    verdict: refused('header column 3 has an empty name'),
  },
  {
    name: 'a row with a field too few',
    csv: withLine(30, '30,100,5,Oslo,yes'),
    verdict: refused(/row 31 has 5 fields, the header has 6/),
  },
  {
    name: 'a row with a field too many',
    csv: withLine(30, '30,100,5,Oslo,yes,no,extra'),
    verdict: refused(/row 31 has 7 fields/),
  },
  {
    name: 'an unclosed quote',
    csv: withLine(12, '30,100,5,"Oslo,yes,no'),
    verdict: refused(/line 13: a quoted field opened here is never closed/),
  },
  {
    name: 'a quote inside an unquoted field',
    csv: withLine(12, '30,100,5,Os"lo,yes,no'),
    verdict: refused(/line 13: field 4 has a quote inside an unquoted value/),
  },
  {
    name: 'text after a closing quote',
    csv: withLine(12, '30,100,5,"Oslo"x,yes,no'),
    verdict: refused(/line 13: the quoted field 4 is followed by 'x'/),
  },
  {
    name: 'a record longer than 16 MB',
    csv: withLine(5, `30,100,5,"${'x'.repeat(17 * 2 ** 20)}`),
    verdict: refused(/line 6 is longer than 16 MB/),
  },
  {
    name: 'invalid UTF-8',
    csv: bytes(lines.slice(0, 9).join('\n'), '\n30,100,5,K', [0xf6], 'ln,yes,no\n'),
    verdict: refused(/invalid UTF-8 at byte \d+ \(line 10/, '--encoding latin1'),
  },
  { name: 'a UTF-16 file', csv: bytes([0xff, 0xfe], 'a'), verdict: refused('UTF-16') },
  {
    name: 'Latin-1 read with --encoding latin1',
    csv: Buffer.from(
      column('city', (r) => (r % 2 ? 'Köln' : 'Zürich')),
      'latin1',
    ),
    args: ['--encoding', 'latin1'],
    verdict: trained((o) => expect(o).toMatch(/features after encoding: 6/)),
  },
  { name: 'CRLF line ends', csv: clean.replaceAll('\n', '\r\n'), verdict: trained() },
  { name: 'CR line ends', csv: clean.replaceAll('\n', '\r'), verdict: trained() },
  { name: 'mixed line ends', csv: clean.replace(/\n(?=5)/g, '\r\n'), verdict: trained() },
  {
    name: 'a byte order mark and semicolons',
    csv: `\ufeff${clean.replaceAll(',', ';')}`,
    verdict: trained((o) => expect(o).toMatch(/delimiter ';'/)),
  },
  {
    name: 'tabs',
    csv: clean.replaceAll(',', '\t'),
    verdict: trained((o) => expect(o).toMatch(/delimiter '\t'/)),
  },
  {
    name: 'quoted fields with delimiters, quotes and line breaks',
    csv: column('city', (r) => (r % 2 ? '"Oslo, ""N"""' : '"Rome\nold town"')),
    verdict: trained((o) => expect(o).toMatch(/240 rows/)),
  },
  {
    name: 'blank lines between rows and at the end',
    csv: `${clean.replace(/\n(?=3)/g, '\n\n')}\n\n`,
    verdict: trained((o) => expect(o).toMatch(/240 rows/)),
  },
  {
    name: 'no line end after the last row',
    csv: clean.trimEnd(),
    verdict: trained((o) => expect(o).toMatch(/240 rows/)),
  },
  { name: 'spaces around values', csv: column('age', (r) => `  ${20 + (r % 30)} `), verdict: trained() },
  {
    name: 'a file that does not exist',
    csv: undefined,
    args: ['--data', '/nonexistent/shop.csv'],
    verdict: refused("cannot read CSV file '/nonexistent/shop.csv'"),
  },
  {
    name: 'a folder given as the file',
    args: ['--data', '/tmp'],
    verdict: refused("cannot read CSV file '/tmp'"),
  },
  {
    name: 'the wrong delimiter forced',
    args: ['--delimiter', ';'],
    verdict: refused("--label column 'bought' not found; columns are: 'age,spend,visits,city,member,bought'"),
  },
  {
    name: 'a two-character delimiter',
    args: ['--delimiter', ';;'],
    verdict: refused(/expected one character/),
  },

  // The label.
  {
    name: 'a misspelt label',
    args: ['--label', 'bougth'],
    verdict: refused("--label column 'bougth' not found", "did you mean 'bought'"),
  },
  {
    name: 'a label in another case',
    args: ['--label', 'Bought'],
    verdict: refused("--label column 'Bought' not found", "did you mean 'bought'"),
  },
  {
    name: 'a missing label cell',
    csv: cell(40, 'bought', ''),
    verdict: refused(/row 42: the label column 'bought' is missing a value/),
  },
  {
    name: 'a label with one class',
    csv: column('bought', () => 'no'),
    verdict: refused("single class ('no' in all 240 rows)"),
  },
  {
    name: 'a label of three values without --positive',
    csv: column('bought', (r) => ['buy', 'leave', 'wait'][r % 3]),
    verdict: trained((o) =>
      expect(o).toMatch(/task: multiclass, 3 classes of 'bought' \(buy, leave, wait\) \(inferred/),
    ),
  },
  {
    name: 'a label of three values with --positive',
    csv: column('bought', (r) => ['buy', 'leave', 'wait'][r % 3]),
    args: ['--positive', 'buy'],
    verdict: trained((o) => expect(o).toMatch(/80 positive|positive \(33/)),
  },
  {
    name: 'label values in mixed case',
    csv: column('bought', (r) => (r % 2 ? 'Yes' : r % 3 ? 'yes' : r % 5 ? 'No' : 'no')),
    verdict: trained((o) =>
      expect(o).toMatch(/note: label column 'bought': values that differ only in case are one class/),
    ),
  },
  {
    name: '--positive in another case than the data',
    csv: column('bought', (r) => (r % 2 ? 'Buy' : 'Leave')),
    args: ['--positive', 'buy'],
    verdict: trained(),
  },
  {
    name: '--positive that does not occur',
    args: ['--positive', 'maybe'],
    verdict: refused("positive value 'maybe' does not occur", "'no', 'yes'"),
  },
  { name: 'a 0/1 label', csv: column('bought', (r) => String(r % 3 === 0 ? 1 : 0)), verdict: trained() },
  {
    name: 'a TRUE/FALSE label',
    csv: column('bought', (r) => (r % 3 === 0 ? 'TRUE' : 'FALSE')),
    verdict: trained(),
  },
  {
    name: 'a 1.0/0.0 label',
    csv: column('bought', (r) => (r % 3 === 0 ? '1.0' : '0.0')),
    verdict: trained((o) => expect(o).toMatch(/task: binary, 'bought' = '1.0' is positive/)),
  },
  { name: 'the label also dropped', args: ['--drop', 'bought'], verdict: trained() },

  // Cells.
  {
    name: 'a missing number without --impute',
    csv: cell(20, 'spend', ''),
    verdict: refused(
      /row 22, column 'spend': missing value \(''\); fill it in, or pass --impute mean, median or mode/,
    ),
  },
  ...['NA', 'n/a', 'null', 'None', '?', 'NaN'].map((token) => ({
    name: `the missing token '${token}' without --impute`,
    csv: cell(20, 'age', token),
    verdict: refused(`row 22, column 'age': missing value ('${token}')`),
  })),
  ...(['mean', 'median', 'mode'] as const).map((how) => ({
    name: `missing cells with --impute ${how}`,
    csv: cleanCsv((cells, r) => {
      if (r % 10 === 0) cells[1] = 'NA';
      if (r % 15 === 0) cells[3] = '';
      if (r % 20 === 0) cells[4] = '?';
      return cells;
    }),
    args: ['--impute', how],
    verdict: trained(),
  })),
  {
    name: 'a text cell in a numeric column',
    csv: cell(7, 'age', 'forty'),
    verdict: refused("column 'age' holds numbers", "'forty' (first on row 9)", '--categorical age'),
  },
  {
    name: 'a quarter of text in a numeric column',
    csv: column('spend', (r) => (r % 4 ? String(r) : 'n.a.')),
    verdict: refused(/column 'spend' holds numbers, but 25 % of its 240 values are not/, "'n.a.'"),
  },
  {
    name: 'decimal commas in a semicolon file',
    csv: clean.replaceAll(',', ';').replace(/(\d)\.(\d)/g, '$1,$2'),
    verdict: trained((o) => expect(o).toMatch(/note: numbers with decimal commas found \(column 'spend'/)),
  },
  {
    name: 'decimal commas in a semicolon file with --decimal-comma',
    csv: clean.replaceAll(',', ';').replace(/(\d)\.(\d)/g, '$1,$2'),
    args: ['--decimal-comma'],
    verdict: trained((o) => expect(o).not.toMatch(/note: numbers with decimal commas/)),
  },
  {
    name: 'decimal commas with --no-decimal-comma',
    csv: clean.replaceAll(',', ';').replace(/(\d)\.(\d)/g, '$1,$2'),
    args: ['--no-decimal-comma'],
    verdict: refused("column 'spend' holds numbers", 'need decimal commas: pass --decimal-comma'),
  },
  {
    name: 'quoted decimal commas in a comma file',
    csv: column('spend', (r) => `"${r},5"`),
    verdict: refused(
      /row 2, column 'spend': '0,5' is a number written with a comma .* pass --decimal-comma; thousands separators are not read/,
    ),
  },
  {
    name: 'thousands separators in a semicolon file',
    csv: clean.replaceAll(',', ';').replace(/;(\d+)\.(\d+);/g, (_, a) => `;1.${a.padStart(3, '0')},5;`),
    verdict: refused("column 'spend' holds numbers"),
  },
  {
    name: 'a huge number that overflows the spread',
    csv: cell(50, 'spend', '1e308'),
    verdict: refused(
      /row 52, column 'spend': the value 1e\+?308 (makes the column's (spread|mean) overflow|is too large)/,
    ),
  },
  {
    name: 'Infinity written out',
    csv: cell(50, 'spend', 'Infinity'),
    verdict: refused("column 'spend' holds numbers", "'Infinity'"),
  },
  {
    name: 'hexadecimal',
    csv: cell(50, 'visits', '0x1f'),
    verdict: refused("column 'visits' holds numbers", "'0x1f'"),
  },
  {
    name: 'negative and scientific numbers',
    csv: column('spend', (r) => (r % 2 ? `-${r}.5` : `${r}e-2`)),
    verdict: trained(),
  },
  {
    name: 'an id column of text',
    csv: column('city', (r) => `user-${r}`),
    verdict: refused(
      /column 'city' has 16\d distinct values, more than the 100 categories/,
      'pass --drop city',
      'raise --max-categories',
    ),
  },
  {
    name: 'an id column dropped',
    csv: column('city', (r) => `user-${r}`),
    args: ['--drop', 'city'],
    verdict: trained((o) => expect(o).toMatch(/features after encoding: 4/)),
  },
  {
    name: 'an id column allowed by --max-categories',
    csv: column('city', (r) => `user-${r % 150}`),
    args: ['--max-categories', '200'],
    verdict: trained(),
  },
  {
    name: 'a low --max-categories',
    args: ['--max-categories', '3'],
    verdict: refused("column 'city' has 4 distinct values, more than the 3 categories"),
  },
  { name: 'a constant column', csv: column('visits', () => '7'), verdict: trained() },
  {
    name: 'a column with no values',
    csv: column('visits', () => ''),
    args: ['--impute', 'mean'],
    verdict: refused("column 'visits' has no values in the 240 rows; pass --drop visits"),
  },
  { name: 'a yes/no column', verdict: trained((o) => expect(o).toMatch(/features after encoding: 8/)) },
  {
    name: 'a column mixing yes/no and TRUE/FALSE',
    csv: column('member', (r) => ['yes', 'TRUE', 'no', 'FALSE'][r % 4]),
    verdict: trained((o) => expect(o).toMatch(/features after encoding: 11/)),
  },
  {
    name: 'integer codes named --categorical',
    args: ['--categorical', 'visits'],
    verdict: trained((o) => expect(o).toMatch(/features after encoding: 4\d/)),
  },

  // Options that name columns.
  {
    name: '--categorical naming no column',
    args: ['--categorical', 'cty'],
    verdict: refused("--categorical column 'cty' not found", "did you mean 'city'"),
  },
  {
    name: '--drop naming no column',
    args: ['--drop', 'vists'],
    verdict: refused("--drop column 'vists' not found", "did you mean 'visits'"),
  },
  {
    name: 'every feature dropped',
    args: ['--drop', 'age,spend,visits,city,member'],
    verdict: refused('no feature columns left'),
  },
  { name: 'a single row', csv: csvOf(HEADER, cleanRows(1)), verdict: refused('single class') },
  {
    name: 'two rows',
    csv: csvOf(HEADER, [
      ['30', '1', '3', 'Oslo', 'yes', 'no'],
      ['30', '999', '30', 'Oslo', 'yes', 'yes'],
    ]),
    verdict: refused(
      /label column 'bought': the class '(yes|no)' has a single row, too few to be in both the training and the test rows/,
    ),
  },

  // Option values.
  { name: '--epochs 0', args: ['--epochs', '0'], verdict: refused("expected a positive integer, got '0'") },
  {
    name: '--batch-size -1',
    args: ['--batch-size', '-1'],
    verdict: refused("expected a positive integer, got '-1'"),
  },
  { name: '--seed 1.5', args: ['--seed', '1.5'], verdict: refused("expected an integer, got '1.5'") },
  { name: '--hidden abc', args: ['--hidden', 'abc'], verdict: refused('expected layer sizes like 64,32') },
  { name: '--dropout 1', args: ['--dropout', '1'], verdict: refused("expected a rate in [0, 1), got '1'") },
  {
    name: '--learning-rate 0',
    args: ['--learning-rate', '0'],
    verdict: refused("expected a positive number, got '0'"),
  },
  { name: '--test 1', args: ['--test', '1'], verdict: refused("expected a number between 0 and 1, got '1'") },
  {
    name: '--validation abc',
    args: ['--validation', 'abc'],
    verdict: refused("expected a number between 0 and 1, got 'abc'"),
  },
  {
    name: '--backend cuda',
    args: ['--backend', 'cuda'],
    verdict: refused('expected one of js, native, gpu, vulkan, auto'),
  },
  {
    name: '--impute always',
    args: ['--impute', 'always'],
    verdict: refused('expected one of mean, median, mode'),
  },
  {
    name: '--balance smote',
    args: ['--balance', 'smote'],
    verdict: refused('expected one of none, weights, oversample'),
  },
  {
    name: '--encoding ascii',
    args: ['--encoding', 'ascii'],
    verdict: refused('expected one of utf8, latin1'),
  },
  {
    name: '--max-categories 0',
    args: ['--max-categories', '0'],
    verdict: refused("expected a positive integer, got '0'"),
  },
  {
    name: '--out that is a file',
    args: ['--out', '/etc/hostname'],
    verdict: refused("--out: '/etc/hostname' is a file"),
  },
  {
    name: '--out under /proc',
    args: ['--out', '/proc/tensorgrad-run'],
    verdict: refused("--out: '/proc/tensorgrad-run' is under /proc"),
  },
  {
    name: '--out below a file',
    args: ['--out', '/etc/hostname/run'],
    verdict: refused("--out: '/etc/hostname' is a file, so '/etc/hostname/run' cannot be a folder"),
  },
  { name: '--balance weights', args: ['--balance', 'weights'], verdict: trained() },
  { name: '--balance oversample', args: ['--balance', 'oversample'], verdict: trained() },
];

describe('tensorgrad train: the bad-input catalogue', () => {
  it('has a case for every kind of input the suite promises', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const data = 'csv' in c && c.csv !== undefined ? ws.file(c.csv) : ws.file(clean);
    const args = [
      'train',
      '--data',
      data,
      '--label',
      'bought',
      '--epochs',
      '1',
      '--batch-size',
      '64',
      '--quiet',
      '--no-baselines',
      ...(c.args ?? []),
    ];
    await judge(args, c.verdict);
  });

  it('writes nothing when a check before training fails', async () => {
    const out = ws.path('never');
    await judge(
      ['train', '--data', ws.file(cell(7, 'age', 'forty')), '--label', 'bought', '--quiet', '--out', out],
      {
        error: ["column 'age' holds numbers"],
      },
    );
    expect(existsSync(out)).toBe(false);
  });

  it('uses the cities it reads, in sorted order, as one-hot features', async () => {
    const out = ws.path('run-cities');
    await judge(
      ['train', '--data', ws.file(clean), '--label', 'bought', '--epochs', '1', '--quiet', '--out', out],
      {
        accepted: () => {},
      },
    );
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const city = model.preprocessing.columns.find((c: { name: string }) => c.name === 'city');
    expect(city.categories).toEqual([...CITIES].sort());
  });
});
