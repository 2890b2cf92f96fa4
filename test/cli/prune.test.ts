import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsToCsv, syntheticSessions } from '../../src/data/sessions.js';
import { syntheticUsers, usersToCsv } from '../../src/data/synthetic.js';
import { loadModel } from '../../src/io/save.js';
import { kernelSparsity } from '../../src/training/pruning.js';
import { cli, trainSmallTable } from './helpers.js';

// tensorgrad prune end to end: a small table trained by the CLI, pruned, fine-tuned, written, and
// read back by evaluate; then the mistakes a person makes.
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-prune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'shop.csv');
const model = join(dir, 'model');
beforeAll(async () => {
  await trainSmallTable(dir, '--ensemble', '2', '--hidden', '16,8');
}, 60_000);

describe('tensorgrad prune', () => {
  it('prunes to the sparsity, reports metrics before and after, and writes a model evaluate reads', async () => {
    const out = join(dir, 'pruned');
    const text = await cli(
      'prune',
      ...['--model', model, '--data', data, '--sparsity', '0.8', '--epochs', '2', '--quiet', '--out', out],
    );
    expect(text).toMatch(/split: the training run's split reproduced \(seed 9, test 0.2, validation 0.15\)/);
    expect(text).toMatch(/ROC-AUC\s+\d\.\d{4}\s+\d\.\d{4}\s+[+-]\d\.\d{4}/);
    expect(text).toMatch(/accuracy\s+\d\.\d{4}/);
    expect(text).toMatch(/F1\s+\d\.\d{4}/);
    expect(text).toMatch(/all\s+\d+ \/ \d+\s+80\.0 %/);
    const { model: pruned, metadata } = loadModel(out);
    const s = kernelSparsity(pruned).total;
    expect(s.zeros).toBe(Math.round(0.8 * s.size));
    expect((metadata.pruning as { scope: string }).scope).toBe('global');
    const evaluated = await cli('evaluate', '--model', out, '--data', data, '--quiet');
    expect(evaluated).toMatch(/ROC-AUC \d\.\d{4}/);
  }, 60_000);

  it('--per-layer gives every layer the sparsity; another file gets a fresh split, said so', async () => {
    const other = join(dir, 'copy.csv');
    writeFileSync(other, usersToCsv(syntheticUsers(500, { seed: 5 })));
    const text = await cli(
      'prune',
      ...['--model', model, '--data', other, '--sparsity', '0.5', '--epochs', '1', '--quiet', '--per-layer'],
    );
    expect(text).toMatch(/a FRESH stratified split of this file/);
    const layers = [...text.matchAll(/^ {2}(dense\S*)\s+\d+ \/ \d+\s+([\d.]+) %/gm)].map((m) => Number(m[2]));
    expect(layers.length).toBe(3);
    for (const v of layers) expect(v).toBeCloseTo(50, 0);
  }, 60_000);

  it('refuses a sparsity outside [0, 1), a missing model folder and a model of event logs', async () => {
    for (const bad of ['1', '-0.1', '1.5', 'most']) {
      await expect(cli('prune', '--model', model, '--data', data, '--sparsity', bad)).rejects.toThrow(
        /expected a rate in \[0, 1\)/,
      );
    }
    await expect(
      cli('prune', '--model', join(dir, 'nowhere'), '--data', data, '--sparsity', '0.5'),
    ).rejects.toThrow(/--model: '.*nowhere' is not a folder/);
    await expect(
      cli('prune', '--model', model, '--data', data, '--sparsity', '0.5', '--out', model),
    ).rejects.toThrow(/is the model's own folder/);
    const log = join(dir, 'events.csv');
    writeFileSync(log, sessionsToCsv(syntheticSessions(200, { seed: 2 })));
    const events = join(dir, 'events-model');
    await cli(
      'train',
      ...['--data', log, '--sequence-by', 'session_id', '--order-by', 'timestamp', '--label', 'purchased'],
      ...['--epochs', '1', '--units', '4', '--quiet', '--seed', '1', '--out', events],
    );
    await expect(cli('prune', '--model', events, '--data', log, '--sparsity', '0.5')).rejects.toThrow(
      /trained on event logs \(--sequence-by\); prune works on models of tables only/,
    );
  }, 60_000);
});
