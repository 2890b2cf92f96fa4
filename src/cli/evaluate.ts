import type { Command } from 'commander';
import { readCsv } from '../data/csv.js';
import { classificationReport } from '../metrics/report.js';
import { loadClassifier, score } from './model-dir.js';
import { delimiter } from './options.js';

export interface EvaluateCliOptions {
  model: string;
  data: string;
  delimiter?: string;
  threshold?: number;
  json?: boolean;
}

export function runEvaluate(o: EvaluateCliOptions, log: (line: string) => void = console.log): void {
  const classifier = loadClassifier(o.model);
  const table = readCsv(o.data, { delimiter: o.delimiter });
  const { probs, labels } = score(classifier, table, true);
  if (labels === null) {
    const column = classifier.preprocessor.toJSON().label?.column ?? '(unknown)';
    throw new Error(
      `${o.data} has no label column '${column}', so there is nothing to evaluate against; use 'predict'`,
    );
  }
  const threshold = o.threshold ?? classifier.threshold;
  const r = classificationReport(labels, probs, threshold);
  if (o.json) {
    log(JSON.stringify(r, null, 2));
    return;
  }
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  log(`${o.data}: ${table.rows.length} rows, threshold ${threshold.toFixed(3)}`);
  log(`accuracy ${f(r.accuracy)}  precision ${f(r.precision)}  recall ${f(r.recall)}  F1 ${f(r.f1)}`);
  log(`ROC-AUC ${f(r.rocAuc)}  PR-AUC ${f(r.prAuc)}  log loss ${f(r.logLoss)}`);
  const c = r.confusion;
  log(`confusion: tp ${c.tp}  fp ${c.fp}  tn ${c.tn}  fn ${c.fn}`);
}

export function addEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score a trained model on a labelled CSV file')
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out'")
    .requiredOption('--data <file>', 'CSV file with the same columns as the training file, label included')
    .option('--delimiter <char>', 'field separator (default: detected)', delimiter)
    .option('--threshold <p>', 'decision threshold (default: the one chosen in training)', Number)
    .option('--json', 'print the metrics as JSON')
    .action((opts: EvaluateCliOptions) => runEvaluate(opts));
}
