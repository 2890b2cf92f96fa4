import type { Command } from 'commander';
import { Growable } from '../data/growable.js';
import { multiclassReport } from '../metrics/multiclass.js';
import { regressionReport } from '../metrics/regression.js';
import { classificationReport } from '../metrics/report.js';
import { loadTrained, scoreFile, unseenLines } from './model-dir.js';
import { delimiter, ENCODINGS, oneOf, probability } from './options.js';

export interface EvaluateCliOptions {
  model: string;
  data: string;
  delimiter?: string;
  encoding: 'utf8' | 'latin1';
  strict?: boolean;
  threshold?: number;
  json?: boolean;
  quiet?: boolean;
}

const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
const g = (v: number) => Number(v.toPrecision(6)).toString();

export async function runEvaluate(
  o: EvaluateCliOptions,
  log: (line: string) => void = console.log,
): Promise<void> {
  const trained = loadTrained(o.model);
  const { label } = trained;
  if (o.threshold !== undefined && trained.task !== 'binary') {
    throw new Error(`--threshold applies to a binary model; this one is ${trained.task}`);
  }
  // Outputs and labels of every row are what the metrics need: 8 bytes a row (12 for a regression,
  // whose labels keep their float64 value), whatever else the file holds.
  const outputs = new Growable((n) => new Float32Array(n));
  const labels =
    label.task === 'regression'
      ? new Growable<Float32Array | Float64Array>((n) => new Float64Array(n))
      : new Growable<Float32Array | Float64Array>((n) => new Float32Array(n));
  const { rows, unseen } = await scoreFile(
    trained,
    o.data,
    { delimiter: o.delimiter, encoding: o.encoding, strict: o.strict, quiet: o.quiet, labels: 'require' },
    {
      block: (b) => {
        for (const v of b.outputs) outputs.push(v);
        for (let j = 0; j < b.rows; j++) labels.push(b.labels![j]);
      },
    },
  );
  const y = labels.toArray();
  const out = outputs.toArray();
  const notes = unseenLines(unseen);
  let report: object;
  const lines: string[] = [];
  if (label.task === 'multiclass') {
    const r = multiclassReport(y, out, label.classes);
    report = { task: 'multiclass', ...r };
    lines.push(
      `${o.data}: ${rows} rows, ${label.classes.length} classes`,
      `accuracy ${f(r.accuracy)}  macro F1 ${f(r.macroF1)}  weighted F1 ${f(r.weightedF1)}  log loss ${f(r.logLoss)}`,
      ...r.perClass.map(
        (c) =>
          `  ${c.name}: precision ${f(c.precision)}  recall ${f(c.recall)}  F1 ${f(c.f1)}  rows ${c.support}`,
      ),
      `confusion (rows: actual ${label.classes.join(', ')}; columns: predicted):`,
      ...r.confusion.map((counts, k) => `  ${label.classes[k]}: ${counts.join(' ')}`),
    );
  } else if (label.task === 'regression') {
    const r = regressionReport(y, out);
    report = { task: 'regression', ...r };
    lines.push(`${o.data}: ${rows} rows`, `RMSE ${g(r.rmse)}  MAE ${g(r.mae)}  R² ${f(r.r2)}`);
  } else {
    const threshold = o.threshold ?? trained.threshold ?? 0.5;
    const r = classificationReport(y, out, threshold);
    report = { task: 'binary', ...r };
    const c = r.confusion;
    lines.push(
      `${o.data}: ${rows} rows, threshold ${threshold.toFixed(3)}`,
      `accuracy ${f(r.accuracy)}  precision ${f(r.precision)}  recall ${f(r.recall)}  F1 ${f(r.f1)}`,
      `ROC-AUC ${f(r.rocAuc)}  PR-AUC ${f(r.prAuc)}  log loss ${f(r.logLoss)}`,
      `confusion: tp ${c.tp}  fp ${c.fp}  tn ${c.tn}  fn ${c.fn}`,
    );
  }
  if (o.json) {
    for (const line of notes) console.error(line);
    log(JSON.stringify(report, null, 2));
    return;
  }
  for (const line of [...notes, ...lines]) log(line);
}

export function addEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score a trained model on a labelled CSV file')
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out'")
    .requiredOption('--data <file>', 'CSV file with the same columns as the training file, label included')
    .option('--delimiter <char>', 'field separator (default: detected)', delimiter)
    .option(
      '--threshold <p>',
      'decision threshold in [0, 1] of a binary model (default: the one chosen in training)',
      probability,
    )
    .option('--encoding <name>', 'utf8 (checked) or latin1', oneOf(ENCODINGS), 'utf8')
    .option(
      '--strict',
      'a category not seen in training is an error (default: scored as none of the known ones)',
    )
    .option('--json', 'print the metrics as JSON')
    .option('--quiet', 'no progress bar')
    .action((opts: EvaluateCliOptions) => runEvaluate(opts));
}
