import type { Command } from 'commander';
import { loadClassifier, scoreFile, unseenLines } from './model-dir.js';
import { delimiter, ENCODINGS, oneOf } from './options.js';
import { checkOutputFile, openOutput } from './output.js';

export interface PredictCliOptions {
  model: string;
  data: string;
  delimiter?: string;
  encoding: 'utf8' | 'latin1';
  strict?: boolean;
  out?: string;
  quiet?: boolean;
}

/**
 * The input rows with two more columns, `probability` and `predicted` (0/1 at the model's
 * threshold), written as they are scored: each record is copied as it was in the file (same
 * delimiter, quoting and encoding), so memory stays constant whatever the file size.
 */
export async function runPredict(
  o: PredictCliOptions,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (o.out !== undefined) checkOutputFile('--out', o.out);
  const classifier = loadClassifier(o.model);
  const { threshold } = classifier;
  const out = openOutput(o.out);
  let d = ',';
  try {
    const { rows, unseen } = await scoreFile(
      classifier,
      o.data,
      {
        delimiter: o.delimiter,
        encoding: o.encoding,
        strict: o.strict,
        quiet: o.quiet,
        labels: 'ignore',
        keepRecords: true,
      },
      {
        start: ({ headerBytes, delimiter }) => {
          d = delimiter;
          return out.write(
            Buffer.concat([headerBytes, Buffer.from(`${d}probability${d}predicted\n`, 'latin1')]),
          );
        },
        block: ({ probs, rows, record }) => {
          let size = 0;
          for (let j = 0; j < rows; j++) size += record(j).length + 16;
          const buf = Buffer.allocUnsafe(size);
          let o = 0;
          for (let j = 0; j < rows; j++) {
            const r = record(j);
            buf.set(r, o);
            o += r.length;
            const p = probs[j];
            o += buf.write(`${d}${p.toFixed(6)}${d}${p >= threshold ? 1 : 0}\n`, o, 'latin1');
          }
          return out.write(buf.subarray(0, o));
        },
      },
    );
    await out.commit();
    // Predictions may be going to standard output: notes go to standard error then.
    const note = o.out ? log : (line: string) => console.error(line);
    for (const line of unseenLines(unseen)) note(line);
    if (o.out) log(`wrote ${rows} predictions to ${o.out} (threshold ${threshold.toFixed(3)})`);
  } catch (err) {
    out.abort();
    throw err;
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
    .option('--encoding <name>', 'utf8 (checked) or latin1', oneOf(ENCODINGS), 'utf8')
    .option(
      '--strict',
      'a category not seen in training is an error (default: scored as none of the known ones)',
    )
    .option('--quiet', 'no progress bar')
    .action((opts: PredictCliOptions) => runPredict(opts));
}
