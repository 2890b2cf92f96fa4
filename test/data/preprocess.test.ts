import { describe, expect, it } from 'vitest';
import { parseCsv, readCsv, selectRows } from '../../src/data/csv.js';
import { Preprocessor } from '../../src/data/preprocess.js';
import { csvText, expectDataError, onlineShoppersPath, table } from './helpers.js';

/** Column j of a row-major matrix. */
function column(x: Float32Array, features: number, j: number): number[] {
  const out: number[] = [];
  for (let o = j; o < x.length; o += features) out.push(x[o]);
  return out;
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('Preprocessor.fit / transform', () => {
  const t = table([
    'age,city,member,y',
    '20,Oslo,yes,TRUE',
    '30,Rome,no,FALSE',
    '40,Oslo,yes,FALSE',
    '50,Paris,no,TRUE',
  ]);

  it('encodes numeric, one-hot and boolean columns with names', () => {
    const p = Preprocessor.fit(t, { label: 'y', log1p: false });
    expect(p.featureNames).toEqual(['age', 'city=Oslo', 'city=Paris', 'city=Rome', 'member']);
    const { x, y, rows, features } = p.transform(t);
    expect([rows, features]).toEqual([4, 5]);
    expect(Array.from(y!)).toEqual([1, 0, 0, 1]);
    const sd = Math.sqrt(125); // population std of 20, 30, 40, 50
    expect(x[0]).toBeCloseTo(-15 / sd, 6);
    expect(Array.from(x.subarray(1, 5))).toEqual([1, 0, 0, 1]);
    expect(Array.from(x.subarray(6, 10))).toEqual([0, 0, 1, 0]);
  });

  it('fits the scaler on training rows only (test rows cannot leak into it)', () => {
    const all = table(['v,y', '1,yes', '2,no', '3,yes', '4,no', '1000,yes', '2000,no']);
    const train = selectRows(all, [0, 1, 2, 3]);
    const p = Preprocessor.fit(train, { label: 'y', log1p: false });
    const col = p.columns[0];
    expect(col).toMatchObject({ kind: 'numeric', mean: 2.5 });
    expect(col.kind === 'numeric' && col.std).toBeCloseTo(Math.sqrt(1.25), 12);
    const trainX = column(p.transform(train).x, 1, 0);
    expect(meanOf(trainX)).toBeCloseTo(0, 6);
    // A test row is scaled with the train statistics: (1000 - 2.5) / 1.118...
    expect(p.transform(selectRows(all, [4])).x[0]).toBeCloseTo(997.5 / Math.sqrt(1.25), 2);
  });

  it('learns categories from training rows: an unseen one encodes as all zeros', () => {
    const p = Preprocessor.fit(t, { label: 'y' });
    const { x } = p.transform(table(['age,city,member', '30,Berlin,yes']));
    expect(Array.from(x.subarray(1, 4))).toEqual([0, 0, 0]);
  });

  it('transforms prediction rows without the label (y is null) and ignores extra columns', () => {
    const p = Preprocessor.fit(t, { label: 'y' });
    const out = p.transform(table(['extra,member,city,age', 'z,no,Rome,25']));
    expect(out.y).toBeNull();
    expect(out.features).toBe(5);
    expect(out.x[3]).toBe(1);
    const blankLabel = p.transform(table(['age,city,member,y', '25,Rome,no,']), { labels: false });
    expect(blankLabel.y).toBeNull();
  });

  it('forces integer codes categorical by name, in numeric order', () => {
    const codes = table(['code,y', '2,yes', '10,no', '1,no', '2,yes']);
    expect(Preprocessor.fit(codes, { label: 'y' }).featureNames).toEqual(['code']);
    const p = Preprocessor.fit(codes, { label: 'y', categorical: ['code'] });
    expect(p.featureNames).toEqual(['code=1', 'code=2', 'code=10']);
  });

  it('drops columns on request and checks option column names', () => {
    expect(Preprocessor.fit(t, { label: 'y', drop: ['city'] }).featureNames).toEqual(['age', 'member']);
    expectDataError(
      () => Preprocessor.fit(t, { label: 'y', categorical: ['cty'] }),
      ["categorical column 'cty' not found", "did you mean 'city'"],
    );
  });

  it('rejects too many categories (an id column)', () => {
    const ids = table(['id,y', ...Array.from({ length: 6 }, (_, i) => `u${i},${i % 2 ? 'yes' : 'no'}`)]);
    expectDataError(
      () => Preprocessor.fit(ids, { label: 'y', maxCategories: 5 }),
      ["column 'id' has 6 distinct values", 'drop'],
    );
  });

  it('gives a constant column zero instead of dividing by zero', () => {
    const p = Preprocessor.fit(table(['c,y', '3,yes', '3,no']), { label: 'y' });
    expect(Array.from(p.transform(table(['c', '3', '4'])).x)).toEqual([0, 1]);
  });
});

describe('log1p', () => {
  // Skewed, non-negative: one large value among small ones.
  const skewed = ['v,w,y', '0,-1,yes', '1,0,no', '1,1,yes', '2,0,no', '100,-1,yes'];

  it("'auto' takes skewed non-negative columns only", () => {
    const p = Preprocessor.fit(table(skewed), { label: 'y', log1p: 'auto' });
    expect(p.columns.map((c) => c.kind === 'numeric' && c.log1p)).toEqual([true, false]);
    const logs = [0, 1, 1, 2, 100].map(Math.log1p);
    const c = p.columns[0];
    expect(c.kind === 'numeric' && c.mean).toBeCloseTo(meanOf(logs), 12);
  });

  it('is off with false, explicit with a list, refused for negative columns', () => {
    const off = Preprocessor.fit(table(skewed), { label: 'y', log1p: false });
    expect(off.columns.some((c) => c.kind === 'numeric' && c.log1p)).toBe(false);
    expectDataError(
      () => Preprocessor.fit(table(skewed), { label: 'y', log1p: ['w'] }),
      ["log1p column 'w' has negative values (min -1)"],
    );
  });

  it('clamps negative values to 0 at transform time', () => {
    const p = Preprocessor.fit(table(skewed), { label: 'y', log1p: ['v'] });
    const x = p.transform(table(['v,w', '-5,0', '0,0'])).x;
    expect(x[0]).toBe(x[2]);
  });
});

describe('missing cells', () => {
  const lines = ['a,b,c,y', '1,x,yes,TRUE', 'NA,x,no,FALSE', '3,,yes,TRUE', '8,z,?,FALSE'];

  it('are an error naming row and column, suggesting impute', () => {
    expectDataError(() => Preprocessor.fit(table(lines), { label: 'y' }), ['row 3', "column 'a'", 'impute'], {
      row: 3,
      column: 'a',
      value: 'NA',
    });
  });

  it.each([
    ['mean', 4],
    ['median', 3],
    ['mode', 1],
  ] as const)('impute %s fills numeric cells with %d', (impute, fill) => {
    const p = Preprocessor.fit(table(lines), { label: 'y', impute, log1p: false });
    const col = p.columns[0];
    expect(col.kind === 'numeric' && col.fill).toBe(fill);
    // The imputed row encodes like a row holding the fill value.
    const x = p.transform(table(['a,b,c', `NA,x,yes`, `${fill},x,yes`])).x;
    expect(x[0]).toBe(x[p.numFeatures]);
  });

  it('impute fills categorical and boolean cells with the training mode', () => {
    const p = Preprocessor.fit(table(lines), { label: 'y', impute: 'mean' });
    expect(p.columns[1]).toMatchObject({ kind: 'categorical', fill: 'x' });
    expect(p.columns[2]).toMatchObject({ kind: 'boolean', fill: 1 });
  });

  it('is an error at transform time without impute', () => {
    const p = Preprocessor.fit(table(['a,y', '1,yes', '2,no']), { label: 'y' });
    expectDataError(
      () => p.transform(table(['a,b', '1,x', ',x'])),
      ['row 3', "column 'a'", 'missing value'],
      {
        row: 3,
      },
    );
  });

  it('rejects a column with no values at all', () => {
    expectDataError(
      () => Preprocessor.fit(table(['a,y', 'NA,yes', ',no']), { label: 'y', impute: 'mean' }),
      ["column 'a' has no values"],
    );
  });
});

describe('text in a numeric column', () => {
  const numbers = Array.from({ length: 12 }, (_, i) => `${i},${i % 2 ? 'yes' : 'no'}`);

  it('is an error at fit naming row, column and value', () => {
    const lines = ['amount,y', ...numbers.slice(0, 6), 'twelve,no', ...numbers.slice(6)];
    expectDataError(
      () => Preprocessor.fit(table(lines), { label: 'y' }),
      ["column 'amount' holds numbers", "'twelve' (first on row 8)", "categorical: ['amount']"],
      { row: 8, column: 'amount', value: 'twelve' },
    );
  });

  it('is an error at transform naming row, column and value', () => {
    const p = Preprocessor.fit(table(['amount,y', ...numbers]), { label: 'y' });
    expectDataError(
      () => p.transform(table(['amount', '3', '4', '5 EUR'])),
      ['row 4', "column 'amount'", "'5 EUR' is not a number"],
      { row: 4, column: 'amount', value: '5 EUR' },
    );
  });

  it('is an error for a non-boolean value in a boolean column', () => {
    const p = Preprocessor.fit(table(['m,y', 'yes,yes', 'no,no']), { label: 'y' });
    expectDataError(() => p.transform(table(['m', 'TRUE'])), ["'TRUE' is not one of 'yes' / 'no'"], {
      row: 2,
    });
  });
});

describe('column mismatch at transform', () => {
  it('names every missing column', () => {
    const p = Preprocessor.fit(table(['a,b,c,y', '1,2,3,yes', '2,3,4,no']), { label: 'y' });
    expectDataError(
      () => p.transform(table(['b,y', '1,yes'])),
      ["missing 2 columns the preprocessing was fitted with: 'a', 'c'", "its columns are: 'b', 'y'"],
    );
  });
});

describe('serialization', () => {
  it('round-trips through JSON text with identical output', () => {
    const t = table(['n,s,k,b,y', '1,a,3,yes,no', '5,b,1,no,yes', '100,a,2,yes,yes', '2,c,3,no,no']);
    const p = Preprocessor.fit(t, { label: 'y', categorical: ['k'] });
    const q = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p)));
    expect(q.featureNames).toEqual(p.featureNames);
    expect(q.label).toEqual(p.label);
    expect(Array.from(q.transform(t).x)).toEqual(Array.from(p.transform(t).x));
  });

  it('rejects something that is not a saved preprocessor', () => {
    expectDataError(() => Preprocessor.fromJSON({ foo: 1 }), ['not a saved preprocessor']);
    expectDataError(() => Preprocessor.fromJSON(null), ['not a saved preprocessor']);
    expectDataError(
      () => Preprocessor.fromJSON({ format: 'tensorgrad.preprocessor', version: 9, columns: [] }),
      ['unsupported preprocessor version 9'],
    );
    expectDataError(
      () =>
        Preprocessor.fromJSON({
          format: 'tensorgrad.preprocessor',
          version: 1,
          columns: [{ name: 'a', kind: 'numeric', mean: 0, std: 0 }],
        }),
      ['malformed column'],
    );
  });
});

describe('a semicolon CSV with quoted fields and a yes/no label', () => {
  const text = csvText(
    [
      'customer;"city";spent;newsletter;bought',
      '"Doe; Jane";"Oslo";"12.5";yes;yes',
      '"Roe, Rick";"Rome";"3";no;no',
      '"Poe ""Ed""";"Oslo";"40";yes;yes',
      '"Lee";"Rome";"7";no;no',
    ],
    '\r\n',
  );

  it('parses, types and encodes', () => {
    const t = parseCsv(text);
    expect(t.delimiter).toBe(';');
    const p = Preprocessor.fit(t, { label: 'bought', drop: ['customer'], log1p: false });
    expect(p.label?.task !== 'multiclass' && p.label?.task !== 'regression' && p.label?.positive).toBe('yes');
    expect(p.featureNames).toEqual(['city=Oslo', 'city=Rome', 'spent', 'newsletter']);
    const { x, y } = p.transform(t);
    expect(Array.from(y!)).toEqual([1, 0, 1, 0]);
    expect(Array.from(column(x, 4, 3))).toEqual([1, 0, 1, 0]);
    expect(meanOf(column(x, 4, 2))).toBeCloseTo(0, 6);
  });
});

describe('decimal commas', () => {
  const lines = [
    'price;y',
    ...Array.from({ length: 12 }, (_, i) => `${i};${i % 2 ? 'yes' : 'no'}`),
    '2,5;no',
  ];

  it('are detected in a file not separated by commas', () => {
    const p = Preprocessor.fit(table(lines, ';'), { label: 'y', log1p: false });
    expect(p.decimalComma).toBe(true);
    const col = p.columns[0];
    expect(col.kind === 'numeric' && col.mean).toBeCloseTo((66 + 2.5) / 13, 12);
  });

  it('are refused when turned off, and in a comma-separated file, with a message that names the option', () => {
    expectDataError(
      () => Preprocessor.fit(table(lines, ';'), { label: 'y', decimalComma: false }),
      ["column 'price' holds numbers", "'2,5'", 'decimalComma: true'],
    );
    const comma = ['price,y', ...lines.slice(1, -1).map((l) => l.replace(';', ',')), '"2,5",no'];
    expectDataError(
      () => Preprocessor.fit(table(comma, ','), { label: 'y' }),
      ["row 14, column 'price': '2,5' is a number written with a comma", 'decimalComma: true'],
    );
  });

  it('are numbers with decimalComma, at fit and transform, and survive JSON', () => {
    const p = Preprocessor.fit(table(lines, ';'), { label: 'y', decimalComma: true, log1p: false });
    const q = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p)));
    const col = q.columns[0];
    expect(col.kind === 'numeric' && col.mean).toBeCloseTo((66 + 2.5) / 13, 12);
    const x = q.transform(table(['price', '2,5', '2.5'], ';')).x;
    expect(x[0]).toBe(x[1]);
  });
});

describe('the Online Shoppers CSV', () => {
  const path = onlineShoppersPath();
  it.skipIf(!path)('encodes to 74 features with Month one-hot width 10', () => {
    const t = readCsv(path!);
    const p = Preprocessor.fit(t, {
      label: 'Revenue',
      categorical: ['OperatingSystems', 'Browser', 'Region', 'TrafficType'],
    });
    const width = (prefix: string) => p.featureNames.filter((n) => n.startsWith(`${prefix}=`)).length;
    expect(width('Month')).toBe(10);
    expect(width('VisitorType')).toBe(3);
    expect(width('OperatingSystems')).toBe(8);
    expect(width('Browser')).toBe(13);
    expect(width('Region')).toBe(9);
    expect(width('TrafficType')).toBe(20);
    expect(p.featureNames).toContain('Weekend');
    expect(p.numFeatures).toBe(74);
    const { x, y, rows } = p.transform(t);
    expect(rows).toBe(12330);
    expect(x.length).toBe(12330 * 74);
    expect(y!.reduce((a, b) => a + b, 0)).toBe(1908);
    expect(x.every(Number.isFinite)).toBe(true);
    // The heavy-tailed durations get log1p; SpecialDay is skewed too but ExitRates are not that skewed.
    const log1p = p.columns.filter((c) => c.kind === 'numeric' && c.log1p).map((c) => c.name);
    expect(log1p).toContain('ProductRelated_Duration');
    expect(log1p).toContain('PageValues');
  });
});
