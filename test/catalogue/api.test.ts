import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';
import { cleanCsv } from './helpers.js';

// The bad-input catalogue, part 3: the API as a program uses it, with the mistakes a JavaScript
// caller can make. Each case throws a message naming what is wrong (and where), or is accepted with
// its result checked. (test/core/options.test.ts covers an unknown key for every options object of
// the engine; the data layer's are here.)
// biome-ignore lint/suspicious/noExplicitAny: mistakes the types would refuse
type Loose = any;
const { data } = tg;
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-catalogue-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csvPath = join(dir, 'shop.csv');
writeFileSync(csvPath, cleanCsv());
const table = () => data.readCsv(csvPath);

type Case = [name: string, run: () => unknown, verdict: RegExp | ((result: unknown) => void)];

const model = () =>
  new tg.Model([new tg.Dense(4, { activation: 'relu' }), new tg.Dense(1, { activation: 'sigmoid' })], {
    seed: 1,
  });
const compiled = () => model().compile({ optimizer: new tg.Adam(), loss: 'binaryCrossentropy' });
const x = () =>
  tg.tensor([
    [0, 1],
    [1, 0],
    [1, 1],
    [0, 0],
  ]);
const y = () => tg.tensor([[1], [1], [0], [0]]);

const CASES: Case[] = [
  // Unknown keys in the data layer's options.
  [
    'parseCsv({ delimeter })',
    () => data.parseCsv('a,b\n1,2\n', { delimeter: ';' } as Loose),
    /parseCsv: unknown option 'delimeter'.*did you mean 'delimiter'/,
  ],
  [
    'readCsv({ encodng })',
    () => data.readCsv(csvPath, { encodng: 'latin1' } as Loose),
    /readCsv: unknown option 'encodng'.*did you mean 'encoding'/,
  ],
  [
    'Preprocessor.fit({ decimal_comma })',
    () => data.Preprocessor.fit(table(), { label: 'bought', decimal_comma: true } as Loose),
    /Preprocessor\.fit: unknown option 'decimal_comma'.*did you mean 'decimalComma'/,
  ],
  [
    'prepareDataset({ testSize })',
    () => data.prepareDataset(table(), { label: 'bought', testSize: 0.3 } as Loose),
    /prepareDataset: unknown option 'testSize'/,
  ],
  [
    'prepareCsvFile({ maxCategory })',
    () => data.prepareCsvFile(csvPath, { label: 'bought', maxCategory: 5 } as Loose),
    /prepareCsvFile: unknown option 'maxCategory'; known options: .*maxCategories/,
  ],
  [
    'readCsvColumns({ categorial })',
    () => data.readCsvColumns(csvPath, { categorial: ['city'] } as Loose),
    /readCsvColumns: unknown option 'categorial'.*did you mean 'categorical'/,
  ],
  [
    'stratifiedSplit({ test_size })',
    () => data.stratifiedSplit([0, 1, 0, 1], { test_size: 0.5 } as Loose),
    /stratifiedSplit: unknown option 'test_size'/,
  ],
  [
    'batchIndices({ shufle })',
    () => [...data.batchIndices(4, 2, { shufle: false } as Loose)],
    /batchIndices: unknown option 'shufle'.*did you mean 'shuffle'/,
  ],
  [
    'randomOversample({ sed })',
    () => data.randomOversample([0, 1, 0], undefined, { sed: 1 } as Loose),
    /randomOversample: unknown option 'sed'.*did you mean 'seed'/,
  ],
  [
    'fitLabel({ positve })',
    () => data.fitLabel(table(), 'bought', { positve: 'yes' } as Loose),
    /fitLabel: unknown option 'positve'.*did you mean 'positive'/,
  ],
  [
    'syntheticUsers({ noise })',
    () => data.syntheticUsers(10, { noise: 0.1 } as Loose),
    /syntheticUsers: unknown option 'noise'/,
  ],
  [
    'section43Data({ rows })',
    () => data.section43Data({ rows: 10 } as Loose),
    /section43Data: unknown option 'rows'/,
  ],
  [
    'new Adam({ learning_rate })',
    () => new tg.Adam({ learning_rate: 0.5 } as Loose),
    /Adam: unknown option 'learning_rate'.*did you mean 'learningRate'/,
  ],
  ['new Adam(0.01)', () => new tg.Adam(0.01 as Loose), /Adam: options must be an object/],

  // Values.
  [
    'parseCsv with a two-character delimiter',
    () => data.parseCsv('a,b\n1,2\n', { delimiter: ',,' }),
    /one ASCII character/,
  ],
  [
    'parseCsv with the quote as delimiter',
    () => data.parseCsv('a"b\n1"2\n', { delimiter: '"' }),
    /cannot be a quote/,
  ],
  [
    'parseCsv with an unknown encoding',
    () => data.parseCsv('a\n1\n', { encoding: 'ascii' as Loose }),
    /encoding must be 'utf8' or 'latin1', got 'ascii'/,
  ],
  [
    'stratifiedSplit with test 1',
    () => data.stratifiedSplit([0, 1], { test: 1 }),
    /test fraction must be in \[0, 1\), got 1/,
  ],
  ['stratifiedSplit of nothing', () => data.stratifiedSplit([]), /no rows to split/],
  [
    'batchIndices with batch size 0',
    () => [...data.batchIndices(4, 0)],
    /batch size must be a positive integer, got 0/,
  ],
  ['classWeights of nothing', () => data.classWeights([]), /no labels/],
  [
    'Preprocessor.fit naming no column',
    () => data.Preprocessor.fit(table(), { label: 'bought', drop: ['cty'] }),
    /drop column 'cty' not found.*did you mean 'city'/,
  ],
  [
    'Preprocessor.fromJSON of something else',
    () => data.Preprocessor.fromJSON({ columns: [] }),
    /not a saved preprocessor/,
  ],
  [
    'transform of a table missing a column',
    () => data.Preprocessor.fit(table(), { label: 'bought' }).transform(data.parseCsv('age,city\n3,Oslo\n')),
    /missing 3 columns the preprocessing was fitted with: 'spend', 'visits', 'member'/,
  ],
  [
    'readCsvColumns of a file that does not exist',
    () => data.readCsvColumns('/nonexistent.csv'),
    /cannot read CSV file '\/nonexistent\.csv'/,
  ],
  [
    'metrics.rocAuc of one class',
    () => tg.metrics.rocAuc([1, 1], [0.2, 0.3]),
    /needs both classes, got 2 positives and 0 negatives/,
  ],
  ['metrics.rocAuc of a NaN score', () => tg.metrics.rocAuc([1, 0], [Number.NaN, 0.3]), /yProb\[0\] is NaN/],
  [
    'metrics.bestThreshold of different lengths',
    () => tg.metrics.bestThreshold([1, 0], [0.5]),
    /yTrue has 2 values but yProb has 1/,
  ],
  [
    'metrics.confusionMatrix of a label 2',
    () => tg.metrics.confusionMatrix([2, 0], [0.5, 0.5]),
    /yTrue\[0\] is 2, expected 0 or 1/,
  ],
  ['tensor of a ragged nested array', () => tg.tensor([[1, 2], [3]] as Loose), /ragged|same length|shape/i],
  [
    'matmul of mismatched shapes',
    () => tg.matmul(tg.zeros([2, 3]), tg.zeros([2, 3])),
    /matmul: inner dimensions differ: \[2,3\] x \[2,3\]/,
  ],
  ['Dense with 0 units', () => new tg.Dense(0), /Dense: units must be a positive integer, got 0/],
  [
    'fit before compile',
    () => model().fit(x(), y(), { verbose: 0 }),
    /fit: call compile\(\{ optimizer, loss \}\) first/,
  ],
  [
    'fit with rows that differ',
    () => compiled().fit(x(), tg.zeros([3, 1]), { verbose: 0 }),
    /fit: x has 4 rows but y has 3/,
  ],
  [
    'fit with a NaN feature',
    () => compiled().fit(tg.tensor([[0, Number.NaN]]), tg.tensor([[1]]), { verbose: 0 }),
    /fit: x has a non-finite value \(NaN\) at row 0, column 1/,
  ],
  [
    'predict with the wrong width',
    () => {
      const m = compiled();
      m.fit(x(), y(), { verbose: 0 });
      return m.predict(tg.zeros([2, 3]));
    },
    /predict: x has 3 features but the model expects 2/,
  ],
  [
    'evaluate with batchSize 0',
    () => compiled().evaluate(x(), y(), { batchSize: 0 }),
    /batchSize must be a positive integer/,
  ],
  ['loadModel of a folder without a model', () => tg.loadModel(dir), /no model\.json/],
  [
    'loadModel of a model whose threshold was edited',
    () => {
      const m = compiled();
      m.fit(x(), y(), { verbose: 0 });
      const d = join(dir, 'edited');
      tg.saveModel(d, m, { metadata: { threshold: 0.4 } });
      const f = join(d, 'model.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace('0.4', '0.9'));
      return tg.loadModel(d);
    },
    /changed after saving|checksum/,
  ],

  // Accepted, with the result checked.
  [
    'prepareDataset of a clean table',
    () => data.prepareDataset(table(), { label: 'bought', seed: 1 }),
    (r) =>
      expect(
        (r as tg.data.PreparedDataset).train.rows + (r as tg.data.PreparedDataset).test.rows,
      ).toBeGreaterThan(200),
  ],
  [
    'fit after predict trains (the optimizer gets the parameters)',
    () => {
      const m = compiled();
      m.predict(x());
      const before = m.getWeights().map((w) => Array.from(w));
      m.fit(x(), y(), { epochs: 3, verbose: 0 });
      return m.getWeights().some((w, i) => w.some((v, k) => v !== before[i][k]));
    },
    (changed) => expect(changed).toBe(true),
  ],
];

describe('the API: the bad-input catalogue', () => {
  it.each(CASES)('%s', async (_, run, verdict) => {
    let result: unknown;
    let failure: unknown = null;
    try {
      result = await run();
    } catch (err) {
      failure = err;
    }
    if (verdict instanceof RegExp) {
      expect(failure, 'expected an error').toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(verdict);
    } else {
      if (failure) throw failure;
      verdict(result);
    }
  });
});
