import type { Command } from 'commander';
import { readCsv, toCsv } from '../data/csv.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadClassifier, score } from './model-dir.js';
import { delimiter } from './options.js';

export interface PredictCliOptions {
  model: string;
  data: string;
  delimiter?: string;
  out?: string;
}

/** The input rows with two more columns, `probability` and `predicted` (0/1 at the model's threshold). */
export function runPredict(o: PredictCliOptions, log: (line: string) => void = console.log): void {
  const classifier = loadClassifier(o.model);
  const table = readCsv(o.data, { delimiter: o.delimiter });
  const { probs } = score(classifier, table, false);
  const rows = table.rows.map((row, i) => [
    ...row,
    probs[i].toFixed(6),
    probs[i] >= classifier.threshold ? 1 : 0,
  ]);
  const csv = toCsv([...table.header, 'probability', 'predicted'], rows, table.delimiter);
  if (o.out) {
    writeFileAtomic(o.out, csv);
    log(`wrote ${table.rows.length} predictions to ${o.out} (threshold ${classifier.threshold.toFixed(3)})`);
  } else {
    process.stdout.write(csv);
  }
}

export function addPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('add purchase probabilities to a CSV file (the label column may be absent)')
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out'")
    .requiredOption('--data <file>', 'CSV file with the training columns')
    .option('--delimiter <char>', 'field separator (default: detected)', delimiter)
    .option('--out <file>', 'write the CSV here instead of standard output')
    .action((opts: PredictCliOptions) => runPredict(opts));
}
