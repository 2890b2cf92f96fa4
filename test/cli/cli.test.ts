import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticUsers, usersToCsv } from '../../src/data/synthetic.js';
import { cli } from './helpers.js';

// The CLI as a person uses it, in-process: a CSV it has never seen, then the usual mistakes.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tensorgrad-cli-'));
  // Semicolon-separated, quoted strings with the delimiter inside, a yes/no label.
  const users = syntheticUsers(1500, { seed: 3 });
  writeFileSync(join(dir, 'shop.csv'), usersToCsv(users, ';').replace(/;North;/g, ';"North; coast";'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tensorgrad train / evaluate / predict', () => {
  it('trains on a semicolon CSV with quoted fields and a yes/no label, then writes the run folder', async () => {
    const csv = join(dir, 'shop.csv');
    const header = readFileSync(csv, 'utf8').split('\n')[0];
    const label = header.split(';').at(-1)!.trim();
    const out = join(dir, 'run');
    const text = await cli(
      'train',
      '--data',
      csv,
      '--label',
      label,
      '--epochs',
      '3',
      '--quiet',
      '--out',
      out,
      '--seed',
      '5',
    );
    expect(text).toMatch(/delimiter ';'/);
    expect(text).toMatch(/network \(threshold 0\.\d+\)/);
    expect(text).toMatch(/logistic regression/);
    expect(text).toMatch(/always negative/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'])
      expect(typeof metrics.test[k]).toBe('number');
    expect(metrics.test.rocAuc).toBeGreaterThan(0.7);
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg/);

    const evaluated = await cli('evaluate', '--model', out, '--data', csv, '--json');
    expect(JSON.parse(evaluated).rocAuc).toBeGreaterThan(0.7);

    const predictions = join(dir, 'predictions.csv');
    await cli('predict', '--model', out, '--data', csv, '--out', predictions);
    const lines = readFileSync(predictions, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1501);
    expect(lines[0]).toMatch(/;probability;predicted$/);
    expect(lines[1]).toMatch(/;0\.\d{6};[01]$/);
  });

  it('refuses a wrong label column, naming the columns and the closest one', async () => {
    await expect(
      cli('train', '--data', join(dir, 'shop.csv'), '--label', 'purchsed', '--quiet'),
    ).rejects.toThrow(/label column 'purchsed' not found; columns are: .*did you mean/);
  });

  it('refuses a missing value and a text cell in a numeric column, naming row and column', async () => {
    const good = readFileSync(join(dir, 'shop.csv'), 'utf8').split('\n');
    const header = good[0].split(';');
    const ageCol = header.findIndex((h) => h.trim().toLowerCase().includes('age'));
    const label = header.at(-1)!.trim();
    const withCell = (value: string) => {
      const lines = [...good];
      const cells = lines[7].split(';');
      cells[ageCol] = value;
      lines[7] = cells.join(';');
      return lines.join('\n');
    };
    writeFileSync(join(dir, 'missing.csv'), withCell(''));
    await expect(
      cli('train', '--data', join(dir, 'missing.csv'), '--label', label, '--quiet'),
    ).rejects.toThrow(new RegExp(`row 8, column '${header[ageCol]}': missing value.*--impute`));
    writeFileSync(join(dir, 'text.csv'), withCell('forty'));
    await expect(cli('train', '--data', join(dir, 'text.csv'), '--label', label, '--quiet')).rejects.toThrow(
      new RegExp(
        `column '${header[ageCol]}' holds numbers, but < 1 % of its 1500 values are not .*'forty' \\(first on row 8\\).*--categorical ${header[ageCol]}`,
      ),
    );
    const imputed = await cli(
      'train',
      '--data',
      join(dir, 'missing.csv'),
      '--label',
      label,
      '--quiet',
      '--impute',
      'median',
      '--epochs',
      '1',
      '--no-baselines',
    );
    expect(imputed).toMatch(/network/);
  });

  it('refuses bad option values and a missing file with a message', async () => {
    await expect(cli('train', '--data', 'x.csv', '--label', 'y', '--epochs', '0')).rejects.toThrow(
      /expected a positive integer, got '0'/,
    );
    await expect(cli('train', '--data', 'x.csv', '--label', 'y', '--backend', 'cuda')).rejects.toThrow(
      /expected one of js, native, gpu, vulkan, auto/,
    );
    await expect(cli('train', '--data', join(dir, 'nope.csv'), '--label', 'y', '--quiet')).rejects.toThrow(
      /nope\.csv/,
    );
  });

  it('info lists the kernel providers', async () => {
    const text = await cli('info');
    expect(text).toMatch(/kernel providers:/);
    expect(text).toMatch(/\bjs\b/);
  });
});
