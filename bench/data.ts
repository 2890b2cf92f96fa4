// npm run bench:data [-- --rows N | --quick]: reading CSV and the data path at shop scale. See
// docs/bench.md, "Data at scale".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeSessionsCsv } from '../src/data/sessions.js';
import { writeBigCsv } from './lib/big-csv.js';
import { finishMachineInfo, machineInfo, root } from './lib/machine.js';

const program = new Command('bench:data')
  .description(
    'CSV reading speed next to csv-parse, and peak memory of train / predict / evaluate on a large file',
  )
  .option('--rows <n>', 'rows of the generated file', (v) => Number(v), 5_000_000)
  .option('--quick', '1,000,000 rows, one run of each reading measurement')
  .option('--runs <n>', 'runs of each reading measurement (median reported)', (v) => Number(v), 3)
  .option('--file <csv>', 'measure this file instead of a generated one (needs the bundled data’s columns)')
  .option(
    '--events <n>',
    'events of the generated event log (sessions of about 8 events)',
    (v) => Number(v),
    1_000_000,
  )
  .option('--out <dir>', 'where results go', join(root, 'bench', 'results'))
  .parse();
const o = program.opts<{
  rows: number;
  quick?: boolean;
  runs: number;
  file?: string;
  events: number;
  out: string;
}>();
const rows = o.quick ? 1_000_000 : o.rows;
const runs = o.quick ? 1 : o.runs;
const MB = 1e6;
const machine = machineInfo();

// The file: generated once (npm run make-big writes the same) and reused.
const file = o.file ?? join(root, 'bench', 'data', `shop-${rows}.csv`);
if (!existsSync(file)) {
  mkdirSync(join(root, 'bench', 'data'), { recursive: true });
  console.log(`generating ${file} (${rows.toLocaleString('en-US')} rows)...`);
  await writeBigCsv({ rows, out: file, seed: 1 });
}
const bytes = statSync(file).size;
console.log(`file: ${file}, ${(bytes / MB).toFixed(0)} MB`);

// The command line as users run it: the compiled package.
console.log('building dist/ (npm run build)...');
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');

interface Child {
  json: Record<string, unknown> | null;
  stdout: string;
  seconds: number;
  maxRssMB: number;
}

function child(args: string[]): Child {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, ['--import', join(root, 'bench/lib/report-rss.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (res.status !== 0) throw new Error(`${args.join(' ')} failed:\n${res.stderr}`);
  const rss = Number(/@@maxrss (\d+)/.exec(res.stderr)?.[1] ?? Number.NaN);
  const last = res.stdout.trim().split('\n').at(-1) ?? '';
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(last);
  } catch {}
  return { json, stdout: res.stdout, seconds, maxRssMB: (rss * 1024) / MB };
}

const tsx = (task: string, ...rest: string[]) =>
  child(['--import', 'tsx', 'bench/lib/data-child.ts', task, ...rest]);
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1. Reading: csv-parse doing nothing with the rows (the floor) and readCsvColumns, interleaved.
const reading: Record<'floor' | 'columns', Array<{ seconds: number; cpuSeconds: number; rows: number }>> = {
  floor: [],
  columns: [],
};
for (let r = 0; r < runs; r++) {
  for (const task of ['floor', 'columns'] as const) {
    console.log(`reading: ${task}, run ${r + 1}/${runs}...`);
    const c = tsx(task, file);
    reading[task].push(c.json as never);
  }
}
const rate = (task: 'floor' | 'columns') => {
  const seconds = median(reading[task].map((x) => x.seconds));
  const cpuSeconds = median(reading[task].map((x) => x.cpuSeconds));
  const n = reading[task][0].rows;
  return { seconds, cpuSeconds, mbPerSecond: bytes / MB / seconds, rowsPerSecond: n / seconds, rows: n };
};
const floor = rate('floor');
const columns = rate('columns');

// 2. The three streaming passes of training, timed in one child.
console.log('train passes (prepareCsvFile)...');
const prep = tsx('prepare', file).json as {
  seconds: number;
  passEnds: Record<string, number>;
  features: number;
};
const passes = Object.entries(prep.passEnds).map(([pass, end], k, all) => {
  const start = k === 0 ? 0 : all[k - 1][1];
  return { pass, seconds: end - start, mbPerSecond: bytes / MB / (end - start) };
});

// 3. The command line: peak memory of train, predict and evaluate.
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-bench-data-'));
const cli = (...args: string[]) => child(['bin/tensorgrad.js', ...args]);
console.log('tensorgrad train --epochs 1...');
const train = cli(
  'train',
  '--data',
  file,
  '--label',
  'Revenue',
  '--epochs',
  '1',
  '--quiet',
  '--out',
  join(dir, 'run'),
);
const metrics = JSON.parse(readFileSync(join(dir, 'run', 'metrics.json'), 'utf8'));
const dataRows = metrics.data.train.rows + metrics.data.validation.rows + metrics.data.test.rows;
const matrixMB = (dataRows * metrics.data.features * 4) / MB;
console.log('tensorgrad predict...');
const predict = cli(
  'predict',
  '--model',
  join(dir, 'run'),
  '--data',
  file,
  '--out',
  join(dir, 'scored.csv'),
  '--quiet',
);
console.log('tensorgrad evaluate...');
const evaluate = cli('evaluate', '--model', join(dir, 'run'), '--data', file, '--quiet');

// 4. An event log: train a sequence model on it (sessions of about 8.3 events).
const sessions = Math.ceil(o.events / 8.3);
const eventsFile = join(root, 'bench', 'data', `sessions-${sessions}.csv`);
if (!existsSync(eventsFile)) {
  console.log(`generating ${eventsFile} (${sessions.toLocaleString('en-US')} sessions)...`);
  await writeSessionsCsv(eventsFile, sessions, { seed: 1 });
}
console.log('tensorgrad train --sequence-by --epochs 1...');
const trainEvents = cli(
  'train',
  '--data',
  eventsFile,
  '--sequence-by',
  'session_id',
  '--order-by',
  'timestamp',
  '--label',
  'purchased',
  '--epochs',
  '1',
  '--quiet',
  '--out',
  join(dir, 'events'),
);
const eventMetrics = JSON.parse(readFileSync(join(dir, 'events', 'metrics.json'), 'utf8'));
const eventsRead = Number(/(\d+) events in/.exec(trainEvents.stdout)?.[1] ?? Number.NaN);
const sessionCount =
  eventMetrics.data.train.rows + eventMetrics.data.validation.rows + eventMetrics.data.test.rows;
const [steps, width] = eventMetrics.data.example as [number, number];
const aggregates = Number(/baseline: (\d+) aggregates/.exec(trainEvents.stdout)?.[1] ?? 0);
const sequenceMB = (sessionCount * (steps * width + aggregates) * 4) / MB;
rmSync(dir, { recursive: true, force: true });

// 5. Ten million labels through split, class weights and the ranking metrics.
console.log('10,000,000 labels...');
const scale = tsx('scale').json as Record<string, { seconds: number; ok: boolean }>;

finishMachineInfo(machine);
const f1 = (v: number) => v.toFixed(1);
const lines = [
  `file: ${(bytes / MB).toFixed(0)} MB, ${dataRows.toLocaleString('en-US')} rows (${file.replace(`${root}/`, '')}); ${machine.cpuModel}, load ${machine.loadAverageStart.join(' ')} -> ${machine.loadAverageEnd?.join(' ')}`,
  '',
  `| reading (median of ${runs}) | seconds | MB/s | rows/s | vs csv-parse |`,
  '| --- | --- | --- | --- | --- |',
  `| csv-parse stream, rows dropped (floor) | ${f1(floor.seconds)} | ${f1(floor.mbPerSecond)} | ${Math.round(floor.rowsPerSecond).toLocaleString('en-US')} | 1.00x |`,
  `| readCsvColumns (typed columns) | ${f1(columns.seconds)} | ${f1(columns.mbPerSecond)} | ${Math.round(columns.rowsPerSecond).toLocaleString('en-US')} | ${(columns.mbPerSecond / floor.mbPerSecond).toFixed(2)}x |`,
  ...passes.map(
    (p) =>
      `| train pass ${p.pass} | ${f1(p.seconds)} | ${f1(p.mbPerSecond)} | ${Math.round(dataRows / p.seconds).toLocaleString('en-US')} | ${(p.mbPerSecond / floor.mbPerSecond).toFixed(2)}x |`,
  ),
  `| train, three passes end to end | ${f1(prep.seconds)} | ${f1(bytes / MB / prep.seconds)} | ${Math.round(dataRows / prep.seconds).toLocaleString('en-US')} | ${(bytes / MB / prep.seconds / floor.mbPerSecond).toFixed(2)}x |`,
  '',
  '| command | seconds | peak RSS MB | goal |',
  '| --- | --- | --- | --- |',
  `| train --epochs 1 (${metrics.data.features} features: matrix ${f1(matrixMB)} MB) | ${f1(train.seconds)} | ${f1(train.maxRssMB)} (matrix + ${f1(train.maxRssMB - matrixMB)}) | matrix + 400: ${train.maxRssMB - matrixMB <= 400 ? 'met' : 'NOT met'} |`,
  `| predict | ${f1(predict.seconds)} | ${f1(predict.maxRssMB)} | < 300: ${predict.maxRssMB < 300 ? 'met' : 'NOT met'} |`,
  `| evaluate | ${f1(evaluate.seconds)} | ${f1(evaluate.maxRssMB)} | < 300: ${evaluate.maxRssMB < 300 ? 'met' : 'NOT met'} |`,
  `| train --sequence-by --epochs 1: ${eventsRead.toLocaleString('en-US')} events, ${sessionCount.toLocaleString('en-US')} sessions of ${steps} x ${width} (+ ${aggregates} aggregates: ${f1(sequenceMB)} MB) | ${f1(trainEvents.seconds)} | ${f1(trainEvents.maxRssMB)} (encoded + ${f1(trainEvents.maxRssMB - sequenceMB)}) | encoded + 400: ${trainEvents.maxRssMB - sequenceMB <= 400 ? 'met' : 'NOT met'} |`,
  '',
  '| 10,000,000 labels | seconds | checked against counts |',
  '| --- | --- | --- |',
  ...['stratifiedSplit', 'classWeights', 'rocAuc', 'prAuc'].map(
    (k) => `| ${k} | ${scale[k].seconds.toFixed(2)} | ${scale[k].ok ? 'correct' : 'WRONG'} |`,
  ),
];
console.log(`\n${lines.join('\n')}`);
mkdirSync(o.out, { recursive: true });
writeFileSync(
  join(o.out, 'data.json'),
  `${JSON.stringify({ machine, file: { path: file, bytes, rows: dataRows }, reading, floor, columns, passes, prepare: prep, train: { ...train, matrixMB, features: metrics.data.features }, predict, evaluate, events: { ...trainEvents, events: eventsRead, sessions: sessionCount, steps, width, encodedMB: sequenceMB, test: eventMetrics.test, baselines: eventMetrics.baselines }, scale }, null, 2)}\n`,
);
console.log(`\nwrote ${join(o.out, 'data.json')}`);
