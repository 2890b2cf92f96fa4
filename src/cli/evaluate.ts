import type { Command } from 'commander';
import { Growable } from '../data/growable.js';
import { multiclassReport } from '../metrics/multiclass.js';
import { regressionReport } from '../metrics/regression.js';
import { classificationReport } from '../metrics/report.js';
import { scoreEventLog } from './events.js';
import { loadTrained, scoreFile, type TrainedModel, unseenLines } from './model-dir.js';
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
  const { y, out, rows, notes, unit } = trained.events
    ? await scoreSessions(trained, o)
    : await scoreRows(trained, o);
  let report: object;
  const lines: string[] = [];
  if (label.task === 'multiclass') {
    const r = multiclassReport(y, out, label.classes);
    report = { task: 'multiclass', ...r };
    lines.push(
      `${o.data}: ${rows} ${unit}, ${label.classes.length} classes`,
      `accuracy ${f(r.accuracy)}  macro F1 ${f(r.macroF1)}  weighted F1 ${f(r.weightedF1)}  log loss ${f(r.logLoss)}`,
      ...r.perClass.map(
        (c) =>
          `  ${c.name}: precision ${f(c.precision)}  recall ${f(c.recall)}  F1 ${f(c.f1)}  ${unit} ${c.support}`,
      ),
      `confusion (rows: actual ${label.classes.join(', ')}; columns: predicted):`,
      ...r.confusion.map((counts, k) => `  ${label.classes[k]}: ${counts.join(' ')}`),
    );
  } else if (label.task === 'regression') {
    const r = regressionReport(y, out);
    report = { task: 'regression', ...r };
    lines.push(`${o.data}: ${rows} ${unit}`, `RMSE ${g(r.rmse)}  MAE ${g(r.mae)}  R² ${f(r.r2)}`);
  } else {
    const threshold = o.threshold ?? trained.threshold ?? 0.5;
    const r = classificationReport(y, out, threshold);
    report = { task: 'binary', ...r };
    const c = r.confusion;
    lines.push(
      `${o.data}: ${rows} ${unit}, threshold ${threshold.toFixed(3)}`,
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

interface Scored {
  y: Float32Array | Float64Array;
  out: Float32Array | Float64Array;
  rows: number;
  notes: string[];
  unit: string;
}

/** A table streamed through the model: outputs and labels are what the metrics keep (8 bytes a row). */
async function scoreRows(trained: TrainedModel, o: EvaluateCliOptions): Promise<Scored> {
  // 12 bytes for a regression, whose labels keep their float64 value.
  const outputs = new Growable((n) => new Float32Array(n));
  const labels =
    trained.label.task === 'regression'
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
  return { y: labels.toArray(), out: outputs.toArray(), rows, notes: unseenLines(unseen), unit: 'rows' };
}

/** An event log: one example per session. */
async function scoreSessions(trained: TrainedModel, o: EvaluateCliOptions): Promise<Scored> {
  const s = await scoreEventLog(trained, o.data, {
    labels: 'require',
    delimiter: o.delimiter,
    encoding: o.encoding,
    strict: o.strict,
    quiet: o.quiet,
  });
  return { y: s.labels!, out: s.outputs, rows: s.rows, notes: s.notes, unit: 'sessions' };
}

export function addEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score a trained model on a labelled CSV file')
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out'")
    .requiredOption(
      '--data <file>',
      'CSV file with the same columns as the training file, label included (an event log for a model of event logs)',
    )
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
