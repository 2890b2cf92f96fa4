import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/data/csv.js';
import { type PreparedDataset, prepareCsvFile, prepareDataset } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { binaryClassifier, SEED_NETWORK } from '../../src/tabular/architectures.js';
import { onlineShoppersPath } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The encoded matrices of the three parts, one after the other, as bytes. */
function matrixBytes(d: PreparedDataset): Buffer {
  return Buffer.concat(
    [d.train.x, d.validation.x, d.test.x].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
  );
}

/** Bitwise equality of two typed arrays (toEqual is slow on arrays of a million values). */
function expectSameArray(a: Float32Array | Int32Array, b: Float32Array | Int32Array): void {
  expect(a.length).toBe(b.length);
  const bytes = (v: Float32Array | Int32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  expect(bytes(a).equals(bytes(b))).toBe(true);
}

const IDS = ['OperatingSystems', 'Browser', 'Region', 'TrafficType'];

describe('prepareCsvFile on the Online Shoppers CSV', () => {
  const path = onlineShoppersPath();
  // SHA-256 of the three encoded matrices as the in-memory path of tensorgrad 0.1.0 (csv-parse, a
  // table of strings, two-pass statistics) produced them, seed 42, test 0.2, validation 0.15.
  const before = {
    drop: '60006d17f0067b7420b7b9df51e0ec84a7688cdae3b3e2f9bd74d73d6578feb6',
    categorical: '59c24e3f4cb57a24a0f92880b563e0f8f438506b7fa6cdb599d6336922d944b1',
  };
  it.skipIf(!path).each([
    ['drop', { drop: IDS }],
    ['categorical', { categorical: IDS }],
  ] as const)(
    'streams to the same arrays as the table path and as the old reader (%s ids)',
    async (name, extra) => {
      const options = { label: 'Revenue', seed: 42, test: 0.2, validation: 0.15, ...extra };
      const streamed = await prepareCsvFile(path!, options);
      const table = prepareDataset(readCsv(path!), options);
      for (const part of ['train', 'validation', 'test'] as const) {
        expectSameArray(streamed[part].x, table[part].x);
        expectSameArray(streamed[part].y, table[part].y);
        expectSameArray(streamed[part].indices, table[part].indices);
      }
      expect(streamed.preprocessor.toJSON()).toEqual(table.preprocessor.toJSON());
      expect(streamed.source).toEqual({ rows: 12330, header: table.source.header, delimiter: ',' });
      expect(createHash('sha256').update(matrixBytes(streamed)).digest('hex')).toBe(before[name]);
    },
  );

  it.skipIf(!path)('trains to identical weights from the file and from the table', async () => {
    const options = { label: 'Revenue', seed: 7, test: 0.2, validation: 0.15, drop: IDS };
    const weights = (d: PreparedDataset) => {
      const model = binaryClassifier(SEED_NETWORK, 7);
      model.fit({ data: d.train.x, shape: [d.train.rows, d.features] }, d.train.y, {
        epochs: 2,
        seed: 7,
        verbose: 0,
      });
      return model.getWeights();
    };
    const fromFile = weights(await prepareCsvFile(path!, options));
    const fromTable = weights(prepareDataset(readCsv(path!), options));
    fromFile.forEach((w, i) => expectSameArray(w as Float32Array, fromTable[i] as Float32Array));
  });
});

describe('prepareCsvFile errors name the file line and column', () => {
  const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
  const good = (i: number) => `${i},${i % 3 ? 'a' : 'b'},${i % 2 ? 'yes' : 'no'}`;

  async function expectError(
    text: string,
    patterns: Array<string | RegExp>,
    where: { row?: number; column?: string } = {},
  ) {
    const path = file(`bad-${Math.random().toString(36).slice(2)}.csv`, text);
    const err = await prepareCsvFile(path, { label: 'y', seed: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    for (const p of patterns) expect((err as Error).message).toMatch(p);
    if (where.row !== undefined) expect((err as DataError).row).toBe(where.row);
    if (where.column !== undefined) expect((err as DataError).column).toBe(where.column);
  }

  it('a ragged row', () =>
    expectError(`n,c,y\n${rows(50, good)}\n1,a\n`, [/row 52 has 2 fields, the header has 3/], { row: 52 }));
  it('a missing value without impute', () =>
    expectError(`n,c,y\n${rows(50, good)}\n,a,yes\n`, [/row 52, column 'n': missing value/, /impute/], {
      row: 52,
    }));
  it('text in a numeric column', () =>
    expectError(
      `n,c,y\n${rows(50, good)}\ntwelve,a,no\n`,
      [/column 'n' holds numbers, but 2 % of its 51 values are not \(50 are\): 'twelve' \(first on row 52\)/],
      {
        row: 52,
        column: 'n',
      },
    ));
  it('one class', () => expectError(`n,c,y\n${rows(50, (i) => `${i},a,no`)}\n`, [/single class/]));
  it('a missing label', () =>
    expectError(`n,c,y\n${rows(50, good)}\n3,a,\n`, [/row 52: the label column 'y' is missing a value/], {
      row: 52,
    }));
  it('a wrong label name', async () => {
    const path = file('label.csv', `n,c,y\n${rows(50, good)}\n`);
    await expect(prepareCsvFile(path, { label: 'Y' })).rejects.toThrow(
      /label column 'Y' not found.*did you mean 'y'/,
    );
  });
  it('an unclosed quote, at the line where it opens', () =>
    expectError(
      `n,c,y\n${rows(20, good)}\n3,"a,no\n${rows(2000, good)}\n`,
      [/line 22: a quoted field opened here is never closed/],
      {
        row: 22,
      },
    ));
  it('a file that does not exist', async () => {
    await expect(prepareCsvFile(join(dir, 'nope.csv'), { label: 'y' })).rejects.toThrow(
      /cannot read CSV file/,
    );
  });
});
