/**
 * The quality suite: `tensorgrad train`'s defaults (only --data and --label) on the bundled real
 * data sets, over seeds, next to scikit-learn's tree models measured on the very same rows.
 *
 *   npm run quality                       test rows, seeds 101-110 (never used to choose anything)
 *   npm run quality -- --part validation --seeds 1-5       what settings are chosen on
 *   npm run quality -- --export bench/results/quality-splits   also write each split's encoded rows
 *   npm run quality:sklearn               scikit-learn on the exported rows (see bench/quality-sklearn.sh)
 *
 * Each seed is a different split (stratified; test 20 %, validation 15 % of the rest), weight
 * initialization and dropout sequence. The table compares means; `runs/quality.json` keeps every run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { readCsv } from '../src/data/csv.js';
import { prepareDataset } from '../src/data/dataset.js';
import { recipeOptions } from '../src/tabular/defaults.js';
import type { TaskReport } from '../src/tabular/tasks.js';
import { trainTabular } from '../src/tabular/train.js';
import { root } from './lib/machine.js';

const DATASETS = [
  { name: 'shop', file: 'data/online_shoppers_intention.csv', label: 'Revenue' },
  { name: 'breast cancer', file: 'data/breast_cancer.csv', label: 'diagnosis' },
  { name: 'iris', file: 'data/iris.csv', label: 'species' },
  { name: 'wine', file: 'data/wine.csv', label: 'cultivar' },
  { name: 'diabetes', file: 'data/diabetes.csv', label: 'progression' },
];

const range = (v: string) => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  if (!m) throw new Error(`--seeds: expected N or A-B, got '${v}'`);
  const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
};

const program = new Command('quality')
  .option('--seeds <range>', 'seeds, e.g. 101-110', range, range('101-110'))
  .option('--part <part>', 'report on test or validation rows', 'test')
  .option('--only <name>', 'one data set')
  .option(
    '--set <key=value...>',
    'override a default of the recipe (for choosing settings on validation rows)',
  )
  .option('--export <dir>', 'write every split as encoded rows for scikit-learn')
  .parse();
const o = program.opts<{
  seeds: number[];
  part: 'test' | 'validation';
  only?: string;
  set?: string[];
  export?: string;
}>();

/** The figure each task is judged by, and the others shown next to it. */
function primary(r: TaskReport): { name: string; value: number } {
  if (r.task === 'binary') return { name: 'ROC-AUC', value: r.rocAuc ?? Number.NaN };
  if (r.task === 'multiclass') return { name: 'accuracy', value: r.accuracy };
  return { name: 'R²', value: r.r2 };
}
function secondary(r: TaskReport): Record<string, number> {
  if (r.task === 'binary') return { accuracy: r.accuracy, f1: r.f1 };
  if (r.task === 'multiclass') return { macroF1: r.macroF1, logLoss: r.logLoss };
  return { rmse: r.rmse, mae: r.mae };
}

const overrides: Record<string, unknown> = {};
for (const kv of o.set ?? []) {
  const [k, v] = kv.split('=');
  overrides[k] = v.includes(',') ? v.split(',').map(Number) : Number.isNaN(Number(v)) ? v : Number(v);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
const results: Record<string, Array<Record<string, number>>> = {};
console.log(
  `part: ${o.part}; seeds ${o.seeds[0]}-${o.seeds.at(-1)}${o.set ? `; overrides ${o.set.join(' ')}` : ''}`,
);
for (const ds of DATASETS.filter((d) => !o.only || d.name === o.only)) {
  const table = readCsv(join(root, ds.file));
  const runs: Array<Record<string, number>> = [];
  for (const seed of o.seeds) {
    const options = withOverrides(recipeOptions({ label: ds.label, seed }), overrides);
    const prepared = prepareDataset(table, {
      label: ds.label,
      seed,
      test: options.test,
      validation: options.validation,
    });
    const run = trainTabular(prepared, { ...options, baselines: false, verbose: 0 });
    const report = o.part === 'test' ? run.test : run.validation;
    const p = primary(report);
    runs.push({ seed, [p.name]: p.value, ...secondary(report), seconds: run.seconds });
    if (o.export) exportSplit(o.export, ds.name, seed, prepared, run.task);
  }
  results[ds.name] = runs;
  const key = Object.keys(runs[0])[1];
  const values = runs.map((r) => r[key]);
  console.log(
    `${ds.name.padEnd(14)} ${key.padEnd(8)} mean ${mean(values).toFixed(4)}  sd ${sd(values).toFixed(4)}  ` +
      `min ${Math.min(...values).toFixed(4)}  (${mean(runs.map((r) => r.seconds)).toFixed(1)} s a run)`,
  );
}
mkdirSync(join(root, 'runs'), { recursive: true });
writeFileSync(
  join(root, 'runs', 'quality.json'),
  `${JSON.stringify({ part: o.part, overrides, results }, null, 2)}\n`,
);
const reference = join(root, 'bench', 'results', 'quality-sklearn.json');
if (existsSync(reference) && o.part === 'test') compare(JSON.parse(readFileSync(reference, 'utf8')));

/** Side by side with scikit-learn's figures on the same rows and seeds. */
function compare(sk: Record<string, Record<string, Record<string, number>>>): void {
  console.log('\nsame rows, same seeds: mean of the primary metric');
  console.log(
    `${'data set'.padEnd(14)} ${'metric'.padEnd(9)} tensorgrad  hist GB   random forest  linear   goal (>= best tree)`,
  );
  for (const [name, runs] of Object.entries(results)) {
    const key = Object.keys(runs[0])[1];
    const ours = mean(runs.map((r) => r[key]));
    const seedsOf = (model: string) =>
      runs.map((r) => sk[name]?.[model]?.[String(r.seed)]).filter((v) => v !== undefined) as number[];
    const [hgb, rf, lin] = ['hgb', 'rf', 'linear'].map((m) => {
      const v = seedsOf(m);
      return v.length === runs.length ? mean(v) : Number.NaN;
    });
    const best = Math.max(hgb, rf);
    console.log(
      `${name.padEnd(14)} ${key.padEnd(9)} ${ours.toFixed(4).padStart(10)}  ${hgb.toFixed(4)}   ${rf.toFixed(4).padStart(13)}  ${lin.toFixed(4)}   ${Number.isNaN(best) ? 'n/a' : ours >= best ? 'met' : `NOT met (${(ours - best).toFixed(4)})`}`,
    );
  }
}

/** The encoded rows of one split, for the scikit-learn side (bench/quality_sklearn.py). */
function exportSplit(
  dir: string,
  name: string,
  seed: number,
  prepared: ReturnType<typeof prepareDataset>,
  task: string,
): void {
  const base = join(dir, `${name.replace(/ /g, '_')}-${seed}`);
  mkdirSync(base, { recursive: true });
  const label = prepared.preprocessor.label!;
  const unscale = (y: Float32Array) =>
    label.task === 'regression'
      ? Float64Array.from(y, (v) => v * label.std + label.mean)
      : Float64Array.from(y);
  for (const part of ['train', 'validation', 'test'] as const) {
    const p = prepared[part];
    writeFileSync(join(base, `${part}.x.f32`), Buffer.from(p.x.buffer, p.x.byteOffset, p.x.byteLength));
    const y = unscale(p.y);
    writeFileSync(join(base, `${part}.y.f64`), Buffer.from(y.buffer));
  }
  writeFileSync(
    join(base, 'meta.json'),
    JSON.stringify({
      name,
      seed,
      task,
      features: prepared.features,
      rows: { train: prepared.train.rows, validation: prepared.validation.rows, test: prepared.test.rows },
    }),
  );
}

/** The recipe with --set overrides; hidden, dropout and learningRate go to the network. */
function withOverrides<T extends ReturnType<typeof recipeOptions>>(
  options: T,
  set: Record<string, unknown>,
): T {
  const out = { ...options, network: { ...options.network! } };
  for (const [k, v] of Object.entries(set)) {
    if (k === 'hidden') out.network.hidden = Array.isArray(v) ? v : [v as number];
    else if (k === 'dropout' || k === 'learningRate') out.network[k] = v as number;
    else (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
