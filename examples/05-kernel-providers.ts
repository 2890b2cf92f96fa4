/**
 * The same model, trained on each kernel provider: the ops never change, only the matrix
 * multiplies move (TypeScript, the C++ addon, gpu.js). Same seed, so the losses agree to float32
 * rounding; the timings show what each provider is worth at this size.
 *
 *   npm run example:5            (xvfb-run -a npm run example:5 adds gpu.js's headlessgl mode)
 */
import { readCsv } from '../src/data/csv.js';
import { prepareDataset } from '../src/data/dataset.js';
import * as tg from '../src/index.js';
import { rocAuc } from '../src/metrics/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({ quick = false, print = console.log }: ExampleOptions = {}) {
  const table = readCsv('data/online_shoppers_intention.csv');
  const ds = prepareDataset(table, { label: 'Revenue', test: 0.2, validation: 0, seed: 1 });
  const rows = quick ? 640 : ds.train.rows;
  const x = { data: ds.train.x.subarray(0, rows * ds.features), shape: [rows, ds.features] };
  const y = ds.train.y.subarray(0, rows);
  const epochs = quick ? 1 : 3;
  const names = tg.kernels.availableProviders().map((p) => p.name);
  print(`providers here: ${names.join(', ')}`);
  for (const [name, why] of tg.kernels.unavailableProviders()) print(`  (${name} unavailable: ${why})`);
  print(`\nseed model, ${rows} rows x ${ds.features} features, ${epochs} epochs, batch 32:`);
  const results: Array<{ provider: string; samplesPerSec: number; loss: number; auc: number }> = [];
  for (const provider of ['js', 'native', 'gpu', 'auto'].filter((p) => p === 'auto' || names.includes(p))) {
    const result = tg.withProvider(provider, () => {
      const build = () =>
        new tg.Model(
          [
            new tg.Dense(64, { activation: 'relu' }),
            new tg.Dropout(0.5),
            new tg.Dense(32, { activation: 'relu' }),
            new tg.Dropout(0.5),
            new tg.Dense(1, { activation: 'sigmoid' }),
          ],
          { seed: 1 },
        );
      // One untimed pass first, so the JIT and gpu.js's kernel compilation are not in the timing.
      const warm = build().compile({ optimizer: new tg.Adam(), loss: 'binaryCrossentropy' });
      warm.fit(
        { data: x.data.subarray(0, 320 * ds.features), shape: [320, ds.features] },
        y.subarray(0, 320),
        {
          epochs: 1,
          verbose: 0,
        },
      );
      const model = build().compile({ optimizer: new tg.Adam(), loss: 'binaryCrossentropy' });
      const t0 = performance.now();
      const history = model.fit(x, y, { epochs, batchSize: 32, verbose: 0 });
      const seconds = (performance.now() - t0) / 1000;
      const p = model.predict({ data: ds.test.x, shape: [ds.test.rows, ds.features] }).data;
      return {
        provider,
        samplesPerSec: (rows * epochs) / seconds,
        loss: history.history.loss.at(-1)!,
        auc: rocAuc(ds.test.y, p),
      };
    });
    results.push(result);
    print(
      `  ${provider.padEnd(7)} ${Math.round(result.samplesPerSec).toLocaleString('en').padStart(9)} samples/s   final loss ${result.loss.toFixed(5)}   test ROC-AUC ${result.auc.toFixed(4)}`,
    );
  }
  return results;
}

runIfMain(import.meta.url, main);
