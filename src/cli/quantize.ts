import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type PreparedPart, trainingTarget } from '../data/dataset.js';
import { saveModel } from '../io/save.js';
import { TaskKind } from '../tabular/tasks.js';
import type { Model } from '../training/model.js';
import { modelBytes, quantizeModel, quantizeRefusal } from '../training/quantize.js';
import { loadTrained } from './model-dir.js';
import { delimiter, ENCODINGS, oneOf, positiveInt } from './options.js';
import { checkOutputFolder } from './output.js';
import { headline, part, reproduceSplit } from './prune.js';

export interface QuantizeCliOptions {
  model: string;
  data: string;
  out?: string;
  calibrationRows: number;
  clip: number;
  delimiter?: string;
  encoding: 'utf8' | 'latin1';
  quiet?: boolean;
}

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(4));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function clipShare(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !(v >= 0 && v < 0.5)) {
    throw new Error(`expected a share in [0, 0.5) (e.g. 0.0001), got '${value}'`);
  }
  return v;
}

export interface QuantizeResult {
  float: ReturnType<TaskKind['report']>;
  int8: ReturnType<TaskKind['report']>;
  floatBytes: number;
  int8Bytes: number;
  calibrationRows: number;
  sameSplit: boolean;
}

/**
 * `tensorgrad quantize`: the model's Dense layers to int8, calibrated on training rows of the data
 * (split again as training did), float32 and int8 test metrics side by side, the quantized model
 * written to --out.
 */
export async function runQuantize(
  o: QuantizeCliOptions,
  log: (line: string) => void = console.log,
): Promise<QuantizeResult> {
  if (!existsSync(o.model) || !statSync(o.model).isDirectory()) {
    throw new Error(`--model: '${o.model}' is not a folder; give one written by 'tensorgrad train --out'`);
  }
  if (o.out !== undefined) {
    if (resolve(o.out) === resolve(o.model)) {
      throw new Error(
        `--out: '${o.out}' is the model's own folder; write the quantized model to another one`,
      );
    }
    checkOutputFolder('--out', o.out);
  }
  const trained = loadTrained(o.model);
  if (trained.preprocessor === null) {
    throw new Error(
      `${o.model}: this model was trained on event logs (--sequence-by); quantize works on models of tables only`,
    );
  }
  const refusal = quantizeRefusal(trained.model);
  if (refusal !== null) throw new Error(`${o.model}: cannot quantize: ${refusal}`);
  const { x, y, rows, features, label, split, sameSplit } = await reproduceSplit(trained, o, log);
  const target = trainingTarget(label);
  const calibrationIdx = split.train.subarray(0, Math.min(o.calibrationRows, split.train.length));
  const calibration = part(x, y, features, calibrationIdx, target);
  const test = part(x, y, features, split.test, target);
  if (calibration.rows === 0 || test.rows === 0) {
    throw new Error(`${o.data}: ${rows} rows are too few for calibration and test rows`);
  }
  const q = quantizeModel(
    trained.model,
    { data: calibration.x, shape: [calibration.rows, features] },
    { clip: o.clip },
  );
  log(
    `calibration: ${calibration.rows} training rows, activation ranges by ${o.clip === 0 ? 'min/max' : `the ${o.clip} and ${1 - o.clip} quantiles`}`,
  );
  for (const l of q.layers) {
    log(
      `  ${l.name.padEnd(10)} input range [${l.range[0].toPrecision(4)}, ${l.range[1].toPrecision(4)}]  scale ${l.input.scale.toPrecision(4)}  zero point ${l.input.zeroPoint}`,
    );
  }

  const kind = new TaskKind(label);
  const outputs = (m: Model, p: PreparedPart) => m.predict({ data: p.x, shape: [p.rows, features] }).data;
  const floatReport = kind.report(test, outputs(trained.model, test), trained.threshold);
  const int8Report = kind.report(test, outputs(q.model, test), trained.threshold);
  log('');
  log(
    `test rows: ${test.rows}${kind.task === 'binary' ? ` (threshold ${f4(trained.threshold)}, the model's)` : ''}`,
  );
  const a = headline(floatReport);
  const b = headline(int8Report);
  log(`${''.padEnd(10)}${'float32'.padStart(10)}${'int8'.padStart(10)}${'change'.padStart(10)}`);
  a.forEach(([name, v], i) => {
    const w = b[i][1];
    const change = v === null || w === null ? 'n/a' : `${w - v >= 0 ? '+' : ''}${(w - v).toFixed(4)}`;
    log(`${name.padEnd(10)}${f4(v).padStart(10)}${f4(w).padStart(10)}${change.padStart(10)}`);
  });
  const floatBytes = modelBytes(trained.model);
  const int8Bytes = modelBytes(q.model);
  log(
    `weights: ${kib(floatBytes)} float32, ${kib(int8Bytes)} int8 (${(floatBytes / int8Bytes).toFixed(2)}x smaller; scales and biases stay float32)`,
  );
  if (o.out !== undefined) {
    saveModel(o.out, q.model, {
      preprocessing: trained.preprocessor.toJSON(),
      metadata: {
        ...trained.metadata,
        quantization: {
          from: o.model,
          data: o.data,
          scheme: 'int8 weights per output channel (symmetric), 7-bit unsigned activations with a zero point',
          calibrationRows: calibration.rows,
          clip: o.clip,
          sameSplit,
          float32: Object.fromEntries(a),
          int8: Object.fromEntries(b),
        },
      },
    });
    log(`wrote ${resolve(o.out, 'model.json')}`);
  }
  return {
    float: floatReport,
    int8: int8Report,
    floatBytes,
    int8Bytes,
    calibrationRows: calibration.rows,
    sameSplit,
  };
}

export function addQuantizeCommand(program: Command): void {
  program
    .command('quantize')
    .description(
      'quantize the Dense layers of a trained model to int8 for inference, calibrated on training rows; report test metrics of float32 and int8',
    )
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out' (a model of a table)")
    .requiredOption('--data <file>', 'the CSV file the model was trained on (split again as training did)')
    .option('--out <dir>', 'write the quantized model here (loadable by evaluate and predict)')
    .option('--calibration-rows <n>', 'training rows that calibrate the activation ranges', positiveInt, 2000)
    .option(
      '--clip <share>',
      'share of calibration values left out at each end of a range (0: min/max)',
      clipShare,
      0,
    )
    .option('--delimiter <char>', 'field separator (default: detected)', delimiter)
    .option('--encoding <name>', 'utf8 (checked) or latin1', oneOf(ENCODINGS), 'utf8')
    .option('--quiet', 'no progress bar')
    .action(async (opts: QuantizeCliOptions) => {
      await runQuantize(opts);
    });
}
