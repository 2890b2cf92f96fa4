import type { Command } from 'commander';
import { Growable } from '../data/growable.js';
import { classificationReport } from '../metrics/report.js';
import { loadClassifier, scoreFile, unseenLines } from './model-dir.js';
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

export async function runEvaluate(
  o: EvaluateCliOptions,
  log: (line: string) => void = console.log,
): Promise<void> {
  const classifier = loadClassifier(o.model);
  // Scores and labels of every row (8 bytes a row) are what the ranking metrics need.
  const probs = new Growable((n) => new Float32Array(n));
  const labels = new Growable((n) => new Float32Array(n));
  const { rows, unseen } = await scoreFile(
    classifier,
    o.data,
    { delimiter: o.delimiter, encoding: o.encoding, strict: o.strict, quiet: o.quiet, labels: 'require' },
    {
      block: (b) => {
        for (let j = 0; j < b.rows; j++) {
          probs.push(b.probs[j]);
          labels.push(b.labels![j]);
        }
      },
    },
  );
  const threshold = o.threshold ?? classifier.threshold;
  const r = classificationReport(labels.toArray(), probs.toArray(), threshold);
  if (o.json) {
    for (const line of unseenLines(unseen)) console.error(line);
    log(JSON.stringify(r, null, 2));
    return;
  }
  for (const line of unseenLines(unseen)) log(line);
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  log(`${o.data}: ${rows} rows, threshold ${threshold.toFixed(3)}`);
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
    .option(
      '--threshold <p>',
      'decision threshold in [0, 1] (default: the one chosen in training)',
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
