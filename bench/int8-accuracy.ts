// ROC-AUC of the bundled data's model (the `npm run train` settings) in float32 and int8, over
// several training seeds: each seed trains a model, `tensorgrad quantize` calibrates it on 2000
// training rows and reports both on the same test rows. Usage: npx tsx bench/int8-accuracy.ts [seeds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { runQuantize } from '../src/cli/quantize.js';

const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
const data = 'data/online_shoppers_intention.csv';
const dir = mkdtempSync(join(tmpdir(), 'tg-int8-accuracy-'));
const rows: string[] = [];
try {
  for (const seed of seeds) {
    const model = join(dir, `seed-${seed}`);
    const log = console.log;
    console.log = () => {};
    try {
      await runCli([
        ...['train', '--data', data, '--label', 'Revenue'],
        ...['--drop', 'OperatingSystems,Browser,Region,TrafficType', '--seed', String(seed)],
        ...['--quiet', '--no-baselines', '--out', model],
      ]);
    } finally {
      console.log = log;
    }
    const r = await runQuantize(
      { model, data, calibrationRows: 2000, clip: 0, encoding: 'utf8', quiet: true },
      () => {},
    );
    const f = r.float.task === 'binary' ? r.float.rocAuc : Number.NaN;
    const q = r.int8.task === 'binary' ? r.int8.rocAuc : Number.NaN;
    const line = `seed ${seed}: ROC-AUC float32 ${f?.toFixed(4)}, int8 ${q?.toFixed(4)}, change ${((q ?? 0) - (f ?? 0)).toFixed(4)}; weights ${(r.floatBytes / 1024).toFixed(1)} KiB -> ${(r.int8Bytes / 1024).toFixed(1)} KiB`;
    rows.push(line);
    console.log(line);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
