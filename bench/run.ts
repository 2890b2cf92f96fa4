// npm run bench [-- --quick | --calibrate | --profile [--model seed|wide|both]] [--threads n]: see docs/bench.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { presetOptions, runBench } from './lib/bench.js';
import { runCalibration } from './lib/calibrate.js';
import { root } from './lib/machine.js';

const program = new Command('bench')
  .description('tensorgrad kernels and training against OpenBLAS and TensorFlow.js (benchmark.js)')
  .option('--quick', 'fewer sizes and samples (about a minute)')
  .option('--calibrate', 'measure where each provider starts to win; print and write the auto-dispatch rules')
  .option('--profile', 'profile a training step of the seed and wide models (where the time goes)')
  .option('--model <name>', "with --profile: 'seed', 'wide' or 'both'", 'both')
  .option('--threads <n>', 'threads of the native addon (default: the cores this process may use)')
  .option('--sizes <list>', 'square sizes to measure, comma-separated (overrides the preset)')
  .option('--no-training', 'skip the end-to-end training measurements')
  .option('--no-training-shapes', 'skip the training-shape products')
  .option('--no-sequence', 'skip the sequence models (GRU, LSTM, Conv1D against TF.js)')
  .option('--sequence-only', 'measure only the sequence models')
  .option('--no-torch', 'leave PyTorch out (also TENSORGRAD_BENCH_TORCH=0)')
  .option('--no-int8', 'skip int8 against float32 inference of the wide model')
  .option('--int8-only', 'measure only int8 against float32 inference of the wide model')
  .option('--out <dir>', 'where results go', join(root, 'bench', 'results'))
  .parse();
const opts = program.opts<{
  quick?: boolean;
  calibrate?: boolean;
  profile?: boolean;
  model: string;
  threads?: string;
  sizes?: string;
  training: boolean;
  trainingShapes: boolean;
  sequence: boolean;
  sequenceOnly?: boolean;
  torch: boolean;
  int8: boolean;
  int8Only?: boolean;
  out: string;
}>();

// gpu.js's headlessgl mode needs a display: without one, rerun under a virtual X server when the
// machine has xvfb-run (TENSORGRAD_BENCH_NO_XVFB=1 opts out), so every reachable mode is measured.
if (!process.env.DISPLAY && !process.env.TENSORGRAD_BENCH_NO_XVFB && existsSync('/usr/bin/xvfb-run')) {
  const res = spawnSync(
    '/usr/bin/xvfb-run',
    ['-a', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, TENSORGRAD_BENCH_NO_XVFB: '1' },
    },
  );
  process.exit(res.status ?? 1);
}

const log = (l: string) => console.log(l);
if (opts.threads !== undefined) {
  const { setNativeThreads } = await import('../src/kernels/native/provider.js');
  setNativeThreads(Number(opts.threads));
}
if (opts.calibrate) {
  await runCalibration({ quick: !!opts.quick, outDir: opts.out, write: true, log });
} else if (opts.profile) {
  const { runProfile } = await import('./lib/profile.js');
  if (!['seed', 'wide', 'both'].includes(opts.model)) {
    console.error(`bench: --model must be seed, wide or both, got '${opts.model}'`);
    process.exit(2);
  }
  const models = opts.model === 'both' ? undefined : [opts.model as 'seed' | 'wide'];
  await runProfile({ quick: !!opts.quick, outDir: opts.out, log, models });
} else {
  const o = presetOptions(opts.quick ? 'quick' : 'full');
  if (opts.sizes) {
    o.squareSizes = opts.sizes.split(',').map(Number);
    o.mode = 'custom';
  }
  if (!opts.training) o.training = null;
  if (!opts.trainingShapes) o.trainingShapes = [];
  if (!opts.sequence) o.sequence = null;
  if (!opts.torch) o.torch = false;
  if (!opts.int8) o.int8 = null;
  if (opts.sequenceOnly) {
    o.squareSizes = [];
    o.trainingShapes = [];
    o.training = null;
    o.int8 = null;
    o.mode = 'custom';
  }
  if (opts.int8Only) {
    o.squareSizes = [];
    o.trainingShapes = [];
    o.training = null;
    o.sequence = null;
    o.mode = 'custom';
  }
  o.outDir = opts.out;
  const t0 = performance.now();
  const r = await runBench(o);
  log(`bench finished in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (r.autoCheck.violations > 0) log('(violations are reported, not fatal: see docs/bench.md on noise)');
}
// tfjs's wasm backend keeps handles open; the results are written, so leave.
process.exit(process.exitCode ?? 0);
