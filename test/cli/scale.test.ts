import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigCsv } from '../../bench/lib/big-csv.js';
import { cli } from './helpers.js';

// A file past the old reader's wall (it overflowed the stack from about 200,000 rows), kept small
// enough for CI: generated, trained on, then scored and evaluated through the command line.
const ROWS = 300_000;
let dir: string;
let data: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tensorgrad-scale-'));
  data = join(dir, 'shop-300k.csv');
  await writeBigCsv({ rows: ROWS, out: data, seed: 5 });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`the command line on a generated ${ROWS.toLocaleString('en-US')}-row file`, () => {
  it('trains, predicts every row and evaluates', { timeout: 300_000 }, async () => {
    expect(statSync(data).size).toBeGreaterThan(20e6);
    const run = join(dir, 'run');
    const trained = await cli(
      'train',
      '--data',
      data,
      '--label',
      'Revenue',
      '--epochs',
      '1',
      '--batch-size',
      '256',
      '--quiet',
      '--no-baselines',
      '--out',
      run,
    );
    expect(trained).toMatch(new RegExp(`${ROWS} rows, 18 columns`));
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(metrics.data.train.rows + metrics.data.validation.rows + metrics.data.test.rows).toBe(ROWS);
    expect(metrics.test.rocAuc).toBeGreaterThan(0.85);

    const scored = join(dir, 'scored.csv');
    expect(await cli('predict', '--model', run, '--data', data, '--out', scored, '--quiet')).toMatch(
      new RegExp(`wrote ${ROWS} predictions`),
    );
    const lines = readFileSync(scored, 'utf8').trimEnd().split('\n');
    const input = readFileSync(data, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[0]).toBe(`${input[0]},probability,predicted`);
    for (const k of [1, 2, 12_345, ROWS]) {
      expect(lines[k].startsWith(`${input[k]},`)).toBe(true);
      expect(lines[k]).toMatch(/,(0|1)\.\d{6},[01]$/);
    }

    const evaluated = JSON.parse(await cli('evaluate', '--model', run, '--data', data, '--json', '--quiet'));
    expect(
      evaluated.confusion.tp + evaluated.confusion.fp + evaluated.confusion.tn + evaluated.confusion.fn,
    ).toBe(ROWS);
    expect(evaluated.rocAuc).toBeGreaterThan(0.85);
  });
});
