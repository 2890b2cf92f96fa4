// One measurement of `npm run bench:data`, run in a child process of its own so that each one's
// memory and JIT state are its own. Prints one line of JSON.
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { readCsvColumns } from '../../src/data/columnar.js';
import { prepareCsvFile } from '../../src/data/dataset.js';
import { classWeights } from '../../src/data/imbalance.js';
import { stratifiedSplit } from '../../src/data/split.js';
import { averagePrecision, rocAuc } from '../../src/metrics/ranking.js';
import { Generator } from '../../src/random.js';

const [task, file] = process.argv.slice(2);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const started = performance.now();
const cpu0 = cpu();
const elapsed = () => ({ seconds: (performance.now() - started) / 1000, cpuSeconds: cpu() - cpu0 });

async function floor(): Promise<Record<string, unknown>> {
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    const p = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
    p.on('data', () => {
      rows++;
    });
    p.on('end', resolve);
    p.on('error', reject);
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(p);
  });
  return { rows: rows - 1, ...elapsed() };
}

async function columns(): Promise<Record<string, unknown>> {
  const t = await readCsvColumns(file);
  return { rows: t.rows, kinds: t.columns.map((c) => c.kind), ...elapsed() };
}

async function prepare(): Promise<Record<string, unknown>> {
  const ends: Record<string, number> = {};
  const ds = await prepareCsvFile(file, {
    label: 'Revenue',
    seed: 42,
    test: 0.2,
    validation: 0.15,
    onProgress: (pass) => {
      ends[pass] = (performance.now() - started) / 1000;
    },
  });
  return { rows: ds.source.rows, features: ds.features, passEnds: ends, ...elapsed() };
}

/** Ten million labels through the O(n) and O(n log n) paths, checked against count references. */
function scale(): Record<string, unknown> {
  const n = 10_000_000;
  const levels = 1000;
  const rng = new Generator(1);
  const y = new Float32Array(n);
  const p = new Float32Array(n);
  const pos = new Float64Array(levels);
  const neg = new Float64Array(levels);
  for (let i = 0; i < n; i++) {
    y[i] = rng.random() < 0.15 ? 1 : 0;
    const k = Math.min(levels - 1, Math.floor(rng.random() * levels * (0.6 + 0.4 * y[i])));
    p[i] = k / levels;
    (y[i] === 1 ? pos : neg)[k]++;
  }
  const P = pos.reduce((a, b) => a + b, 0);
  const N = n - P;
  let below = 0;
  let pairs = 0;
  for (let k = 0; k < levels; k++) {
    pairs += pos[k] * below + 0.5 * pos[k] * neg[k];
    below += neg[k];
  }
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let k = levels - 1; k >= 0; k--) {
    tp += pos[k];
    seen += pos[k] + neg[k];
    if (pos[k] > 0) ap += (pos[k] / P) * (tp / seen);
  }
  const time = <T>(fn: () => T): [T, number] => {
    const t0 = performance.now();
    const out = fn();
    return [out, (performance.now() - t0) / 1000];
  };
  const [split, splitSeconds] = time(() => stratifiedSplit(y, { test: 0.2, validation: 0.15, seed: 1 }));
  const [weights, weightSeconds] = time(() => classWeights(y));
  const [auc, aucSeconds] = time(() => rocAuc(y, p));
  const [prAuc, prSeconds] = time(() => averagePrecision(y, p));
  const testPositives = split.test.reduce((a, i) => a + y[i], 0);
  return {
    rows: n,
    stratifiedSplit: {
      seconds: splitSeconds,
      ok:
        testPositives === Math.round(P * 0.2) &&
        split.train.length + split.validation.length + split.test.length === n,
    },
    classWeights: { seconds: weightSeconds, ok: Math.abs(weights[1] * P - weights[0] * N) < 1e-6 * n },
    rocAuc: { seconds: aucSeconds, ok: Math.abs(auc - pairs / (P * N)) < 1e-12 },
    prAuc: { seconds: prSeconds, ok: Math.abs(prAuc - ap) < 1e-12 },
  };
}

const tasks: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  floor,
  columns,
  prepare,
  scale,
};
const run = tasks[task];
if (!run) throw new Error(`data-child: unknown task '${task}'`);
const result = await run();
console.log(JSON.stringify({ task, bytes: file ? statSync(file).size : 0, ...result }));
