import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

// Multi-class and regression labels through the command line, as a user meets them.
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = ['--epochs', '5', '--quiet', '--seed', '3'];

describe('a multi-class label (iris)', () => {
  const run = join(dir, 'iris');
  it('is inferred, trained, evaluated and predicted per class', async () => {
    const trained = await cli(
      'train',
      '--data',
      'data/iris.csv',
      '--label',
      'species',
      ...base,
      '--out',
      run,
    );
    expect(trained).toMatch(
      /task: multiclass, 3 classes of 'species' \(setosa, versicolor, virginica\) \(inferred/,
    );
    expect(trained).toMatch(/network\s+0\.\d{4}\s+0\.\d{4}/);
    expect(trained).toMatch(/softmax regression/);
    expect(trained).toMatch(/majority class\s+0\.3333/);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    expect(metrics.task).toBe('multiclass');
    expect(metrics.test.confusion).toHaveLength(3);
    expect(metrics.threshold).toBeNull();

    const evaluated = JSON.parse(
      await cli('evaluate', '--model', run, '--data', 'data/iris.csv', '--json', '--quiet'),
    );
    expect(evaluated.task).toBe('multiclass');
    expect(evaluated.perClass.map((c: { name: string }) => c.name)).toEqual([
      'setosa',
      'versicolor',
      'virginica',
    ]);
    expect(evaluated.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(150);

    const out = join(dir, 'iris-scored.csv');
    await cli('predict', '--model', run, '--data', 'data/iris.csv', '--out', out, '--quiet');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /,species,probability_setosa,probability_versicolor,probability_virginica,predicted$/,
    );
    const cells = lines[1].split(',');
    const probs = cells.slice(5, 8).map(Number);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(['setosa', 'versicolor', 'virginica']).toContain(cells[8]);
  });

  it('refuses --threshold, which is for binary models', async () => {
    await expect(
      cli('evaluate', '--model', run, '--data', 'data/iris.csv', '--threshold', '0.3'),
    ).rejects.toThrow(/--threshold applies to a binary model; this one is multiclass/);
  });

  it('refuses an unknown class at evaluate', async () => {
    const text = readFileSync('data/iris.csv', 'utf8').replace(',setosa\n', ',orchid\n');
    writeFileSync(join(dir, 'orchid.csv'), text);
    await expect(
      cli('evaluate', '--model', run, '--data', join(dir, 'orchid.csv'), '--quiet'),
    ).rejects.toThrow(
      /row 2: label column 'species' has value 'orchid', expected 'setosa', 'versicolor', 'virginica'/,
    );
  });
});

describe('a regression label (diabetes)', () => {
  const run = join(dir, 'diabetes');
  it('is inferred, standardized for training, and reported on its own scale', async () => {
    const trained = await cli(
      'train',
      '--data',
      'data/diabetes.csv',
      '--label',
      'progression',
      ...base,
      '--out',
      run,
    );
    expect(trained).toMatch(/task: regression on 'progression' \(inferred/);
    expect(trained).toMatch(
      /target 'progression' in the training rows: mean \d+(\.\d+)?, standard deviation \d+/,
    );
    expect(trained).toMatch(/RMSE\s+MAE\s+R²/);
    expect(trained).toMatch(/linear regression/);
    expect(trained).toMatch(/training mean\s+\d+(\.\d+)?\s+\d+(\.\d+)?\s+-?0\.0\d{3}/);

    const evaluated = JSON.parse(
      await cli('evaluate', '--model', run, '--data', 'data/diabetes.csv', '--json', '--quiet'),
    );
    expect(evaluated.task).toBe('regression');
    expect(evaluated.rmse).toBeGreaterThan(20);
    expect(evaluated.rmse).toBeLessThan(120);

    const out = join(dir, 'diabetes-scored.csv');
    await cli('predict', '--model', run, '--data', 'data/diabetes.csv', '--out', out, '--quiet');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/,progression,predicted$/);
    const predicted = lines.slice(1).map((l) => Number(l.split(',').at(-1)));
    const average = predicted.reduce((a, b) => a + b, 0) / predicted.length;
    expect(average).toBeGreaterThan(100);
    expect(average).toBeLessThan(200);
  });

  it('can be trained as classes with --task, and refuses text as a regression target', async () => {
    await expect(
      cli('train', '--data', 'data/iris.csv', '--label', 'species', '--task', 'regression', '--quiet'),
    ).rejects.toThrow(
      /row 2: the label column 'species' has 'setosa', not a number, so it cannot be regressed on/,
    );
    const text = readFileSync('data/diabetes.csv', 'utf8');
    const coarse = text.replace(/,(\d+)\.0\r?\n/g, (_, v) => `,${Number(v) > 150 ? 'high' : 'low'}\n`);
    writeFileSync(join(dir, 'coarse.csv'), coarse);
    await expect(
      cli('train', '--data', join(dir, 'coarse.csv'), '--label', 'progression', ...base, '--no-baselines'),
    ).resolves.toMatch(/task: binary, 'progression' = '(high|low)' is positive/);
  });
});
