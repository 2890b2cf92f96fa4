// npm run make-big -- --rows N [--out FILE] [--seed S] [--source CSV]: see bench/lib/big-csv.ts.
import { join } from 'node:path';
import { Command } from 'commander';
import { writeBigCsv } from './lib/big-csv.js';
import { root } from './lib/machine.js';

const program = new Command('make-big')
  .description('write a large CSV: a bootstrap of the bundled data (or --source) with noise on the numbers')
  .requiredOption('--rows <n>', 'data rows to write', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--rows: expected a positive integer, got '${v}'`);
    return n;
  })
  .option('--out <file>', 'where to write (default: bench/data/shop-<rows>.csv)')
  .option('--seed <n>', 'seed of the draws', Number, 1)
  .option('--source <csv>', 'table to bootstrap (default: data/online_shoppers_intention.csv)')
  .parse();
const o = program.opts<{ rows: number; out?: string; seed: number; source?: string }>();
const out = o.out ?? join(root, 'bench', 'data', `shop-${o.rows}.csv`);
const started = performance.now();
const bytes = await writeBigCsv({
  rows: o.rows,
  out,
  seed: o.seed,
  source: o.source,
  onProgress: (rows) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${rows.toLocaleString('en-US')} rows`);
  },
});
if (process.stderr.isTTY) process.stderr.write('\r');
console.log(
  `wrote ${o.rows.toLocaleString('en-US')} rows, ${(bytes / 1e6).toFixed(1)} MB to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
