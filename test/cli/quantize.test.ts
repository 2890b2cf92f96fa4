import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsToCsv, syntheticSessions } from '../../src/data/sessions.js';
import { loadModel } from '../../src/io/save.js';
import { QuantizedDense } from '../../src/nn/quantized-dense.js';
import { cli, trainSmallTable } from './helpers.js';

// tensorgrad quantize end to end: a small table trained by the CLI, quantized, written, read back by
// evaluate and predict; then the mistakes a person makes.
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-quantize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'shop.csv');
const model = join(dir, 'model');
beforeAll(async () => {
  await trainSmallTable(dir, '--hidden', '16,8');
}, 60_000);

describe('tensorgrad quantize', () => {
  it('reports float32 and int8 test metrics and sizes, and writes a model evaluate and predict read', async () => {
    const out = join(dir, 'int8');
    const text = await cli(
      'quantize',
      '--model',
      model,
      '--data',
      data,
      '--quiet',
      '--out',
      out,
      '--calibration-rows',
      '300',
    );
    expect(text).toMatch(/split: the training run's split reproduced \(seed 9, test 0.2, validation 0.15\)/);
    expect(text).toMatch(/calibration: 300 training rows, activation ranges by min\/max/);
    expect(text).toMatch(/ROC-AUC\s+\d\.\d{4}\s+\d\.\d{4}\s+[+-]\d\.\d{4}/);
    expect(text).toMatch(/weights: [\d.]+ KiB float32, [\d.]+ KiB int8 \([\d.]+x smaller/);
    const rocs = text.match(/ROC-AUC\s+(\d\.\d{4})\s+(\d\.\d{4})/)!;
    expect(Math.abs(Number(rocs[1]) - Number(rocs[2]))).toBeLessThan(0.02);
    const { model: q, metadata } = loadModel(out);
    expect(q.layers.filter((l) => l instanceof QuantizedDense).length).toBe(3);
    expect((metadata.quantization as { calibrationRows: number }).calibrationRows).toBe(300);
    const evaluated = await cli('evaluate', '--model', out, '--data', data, '--quiet');
    expect(evaluated).toMatch(/ROC-AUC \d\.\d{4}/);
    const predictions = join(dir, 'scored.csv');
    await cli('predict', '--model', out, '--data', data, '--quiet', '--out', predictions);
  }, 60_000);

  it('--clip uses quantiles; bad flags, a missing --data and unquantizable models are refused', async () => {
    const text = await cli('quantize', '--model', model, '--data', data, '--quiet', '--clip', '0.001');
    expect(text).toMatch(/activation ranges by the 0.001 and 0.999 quantiles/);
    await expect(cli('quantize', '--model', model, '--quiet')).rejects.toThrow(
      /required option '--data <file>'/,
    );
    await expect(cli('quantize', '--model', model, '--data', data, '--clip', '0.7')).rejects.toThrow(
      /expected a share in \[0, 0.5\)/,
    );
    await expect(
      cli('quantize', '--model', model, '--data', data, '--calibration-rows', '0'),
    ).rejects.toThrow(/--calibration-rows/);
    await expect(cli('quantize', '--model', join(dir, 'nowhere'), '--data', data)).rejects.toThrow(
      /--model: '.*nowhere' is not a folder/,
    );
    await expect(cli('quantize', '--model', model, '--data', data, '--out', model)).rejects.toThrow(
      /is the model's own folder/,
    );
    const out = join(dir, 'int8-again');
    await cli('quantize', '--model', model, '--data', data, '--quiet', '--out', out);
    await expect(cli('quantize', '--model', out, '--data', data)).rejects.toThrow(
      /cannot quantize: layer 'dense' is quantized already/,
    );
    const log = join(dir, 'events.csv');
    writeFileSync(log, sessionsToCsv(syntheticSessions(200, { seed: 2 })));
    const events = join(dir, 'events-model');
    await cli(
      'train',
      ...['--data', log, '--sequence-by', 'session_id', '--order-by', 'timestamp', '--label', 'purchased'],
      ...['--epochs', '1', '--units', '4', '--quiet', '--seed', '1', '--out', events],
    );
    await expect(cli('quantize', '--model', events, '--data', log)).rejects.toThrow(
      /trained on event logs \(--sequence-by\); quantize works on models of tables only/,
    );
  }, 90_000);
});
