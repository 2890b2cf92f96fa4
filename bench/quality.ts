/**
 * The quality figures in the README: `tensorgrad train`'s defaults on the bundled data, for seeds
 * 1 to 5 (each seed is a different split, initialization and dropout sequence), and their mean.
 *
 *   npm run quality            (about a minute)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { TRAIN_DEFAULTS } from '../src/cli/train.js';
import { readCsv } from '../src/data/csv.js';
import { trainTabular } from '../src/tabular/train.js';

const seeds = [1, 2, 3, 4, 5];
const table = readCsv('data/online_shoppers_intention.csv');
const keys = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const;
const rows: Array<Record<string, number>> = [];
console.log('seed  threshold  accuracy  precision  recall  F1      ROC-AUC | logistic F1  ROC-AUC   seconds');
for (const seed of seeds) {
  const run = trainTabular(table, {
    label: 'Revenue',
    drop: ['OperatingSystems', 'Browser', 'Region', 'TrafficType'],
    ...TRAIN_DEFAULTS,
    network: {
      hidden: TRAIN_DEFAULTS.hidden,
      dropout: TRAIN_DEFAULTS.dropout,
      learningRate: TRAIN_DEFAULTS.learningRate,
    },
    seed,
    verbose: 0,
  });
  const t = run.test;
  const lr = run.baselines!.find((b) => b.key === 'logisticRegression')!.report;
  if (t.task !== 'binary' || lr.task !== 'binary' || run.threshold === null)
    throw new Error('quality: a binary task expected');
  rows.push({
    seed,
    threshold: run.threshold,
    ...Object.fromEntries(keys.map((k) => [k, t[k] ?? Number.NaN])),
    seconds: run.seconds,
  });
  console.log(
    `${String(seed).padEnd(5)} ${run.threshold.toFixed(3).padEnd(10)} ${keys.map((k) => (t[k] ?? Number.NaN).toFixed(4)).join('    ')} | ${lr.f1.toFixed(4)}       ${(lr.rocAuc ?? Number.NaN).toFixed(4)}    ${run.seconds.toFixed(1)}`,
  );
}
const mean = Object.fromEntries(keys.map((k) => [k, rows.reduce((s, r) => s + r[k], 0) / rows.length]));
console.log(`mean             ${keys.map((k) => mean[k].toFixed(4)).join('    ')}`);
const goals = { rocAuc: 0.93, f1: 0.68, accuracy: 0.9 };
for (const [k, goal] of Object.entries(goals)) {
  console.log(`  ${k} mean ${mean[k].toFixed(4)} ${mean[k] >= goal ? '>=' : '<'} goal ${goal}`);
}
mkdirSync('runs', { recursive: true });
writeFileSync(
  'runs/quality.json',
  `${JSON.stringify({ settings: TRAIN_DEFAULTS, seeds: rows, mean }, null, 2)}\n`,
);
console.log('wrote runs/quality.json');
