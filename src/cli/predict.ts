import type { Command } from 'commander';
import { scoreEventLog } from './events.js';
import { loadTrained, scoreFile, type TrainedModel, unseenLines } from './model-dir.js';
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

/** The columns predict adds, per task. */
function addedColumns(trained: TrainedModel): string[] {
  const { label } = trained;
  if (label.task === 'multiclass') return [...label.classes.map((c) => `probability_${c}`), 'predicted'];
  if (label.task === 'regression') return ['predicted'];
  return ['probability', 'predicted'];
}

/** A field written as CSV: quoted when it holds the delimiter, a quote or a line end. */
function field(text: string, d: string): string {
  return /["\r\n]/.test(text) || text.includes(d) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The input rows with the model's answer added: `probability` and `predicted` (0/1 at the model's
 * threshold) for a binary model, one `probability_<class>` per class and the predicted class for a
 * multi-class one, the `predicted` number for a regression. Rows are written as they are scored,
 * each record copied as it was in the file (same delimiter, quoting and encoding), so memory stays
 * constant whatever the file size.
 */
export async function runPredict(
  o: PredictCliOptions,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (o.out !== undefined) checkOutputFile('--out', o.out);
  const trained = loadTrained(o.model);
  if (trained.events) {
    await predictSessions(trained, o, log);
    return;
  }
  const { label, threshold } = trained;
  const out = openOutput(o.out);
  // What is added is written in the file's own encoding, like the records it follows.
  const encoding: BufferEncoding = o.encoding === 'latin1' ? 'latin1' : 'utf8';
  let d = ',';
  const suffix = (outputs: ArrayLike<number>, j: number): string => {
    if (label.task === 'multiclass') {
      const k = label.classes.length;
      let best = 0;
      let text = '';
      for (let c = 0; c < k; c++) {
        const p = outputs[j * k + c];
        if (p > outputs[j * k + best]) best = c;
        text += `${d}${p.toFixed(6)}`;
      }
      return `${text}${d}${field(label.classes[best], d)}\n`;
    }
    const v = outputs[j];
    if (label.task === 'regression') return `${d}${Number(v.toPrecision(7))}\n`;
    return `${d}${v.toFixed(6)}${d}${v >= threshold! ? 1 : 0}\n`;
  };
  try {
    const { rows, unseen } = await scoreFile(
      trained,
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
          const names = addedColumns(trained).map((c) => field(c, d));
          return out.write(Buffer.concat([headerBytes, Buffer.from(`${d}${names.join(d)}\n`, encoding)]));
        },
        block: ({ outputs, rows, record }) => {
          const added = Array.from({ length: rows }, (_, j) => suffix(outputs, j));
          let size = 0;
          for (let j = 0; j < rows; j++) size += record(j).length + Buffer.byteLength(added[j], encoding);
          const buf = Buffer.allocUnsafe(size);
          let at = 0;
          for (let j = 0; j < rows; j++) {
            const r = record(j);
            buf.set(r, at);
            at += r.length;
            at += buf.write(added[j], at, encoding);
          }
          return out.write(buf);
        },
      },
    );
    await out.commit();
    // Predictions may be going to standard output: notes go to standard error then.
    const note = o.out ? log : (line: string) => console.error(line);
    for (const line of unseenLines(unseen)) note(line);
    const at = threshold === null ? '' : ` (threshold ${threshold.toFixed(3)})`;
    if (o.out) log(`wrote ${rows} predictions to ${o.out}${at}`);
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** The answer columns of one output row (without the leading delimiter), as suffix() writes them. */
function answer(trained: TrainedModel, outputs: ArrayLike<number>, j: number, d: string): string[] {
  const { label, threshold } = trained;
  if (label.task === 'multiclass') {
    const k = label.classes.length;
    let best = 0;
    const cells: string[] = [];
    for (let c = 0; c < k; c++) {
      if (outputs[j * k + c] > outputs[j * k + best]) best = c;
      cells.push(outputs[j * k + c].toFixed(6));
    }
    return [...cells, field(label.classes[best], d)];
  }
  const v = outputs[j];
  if (label.task === 'regression') return [String(Number(v.toPrecision(7)))];
  return [v.toFixed(6), v >= threshold! ? '1' : '0'];
}

/**
 * A model of event logs: one output row per session
 * (sorted by session id) with the id, its number of events, then the answer columns.
 */
async function predictSessions(
  trained: TrainedModel,
  o: PredictCliOptions,
  log: (line: string) => void,
): Promise<void> {
  const scored = await scoreEventLog(trained, o.data, {
    labels: 'ignore',
    delimiter: o.delimiter,
    encoding: o.encoding,
    strict: o.strict,
    quiet: o.quiet,
  });
  const d = scored.delimiter;
  const encoding: BufferEncoding = o.encoding === 'latin1' ? 'latin1' : 'utf8';
  const out = openOutput(o.out);
  try {
    const header = [trained.events!.sequenceBy, 'events', ...addedColumns(trained)].map((c) => field(c, d));
    const lines = [header.join(d)];
    const flush = async () => {
      await out.write(Buffer.from(`${lines.join('\n')}\n`, encoding));
      lines.length = 0;
    };
    for (let j = 0; j < scored.rows; j++) {
      lines.push(
        [
          field(scored.sessions[j], d),
          String(scored.lengths[j]),
          ...answer(trained, scored.outputs, j, d),
        ].join(d),
      );
      if (lines.length >= 4096) await flush();
    }
    if (lines.length > 0) await flush();
    await out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
  const note = o.out ? log : (line: string) => console.error(line);
  for (const line of scored.notes) note(line);
  const at = trained.threshold === null ? '' : ` (threshold ${trained.threshold.toFixed(3)})`;
  if (o.out)
    log(`wrote ${scored.rows} predictions, one per session of ${scored.events} events, to ${o.out}${at}`);
}

export function addPredictCommand(program: Command): void {
  program
    .command('predict')
    .description("add the model's predictions to a CSV file (the label column may be absent)")
    .requiredOption('--model <dir>', "folder written by 'tensorgrad train --out'")
    .requiredOption(
      '--data <file>',
      'CSV file with the training columns (an event log for a model of event logs: one output row per session)',
    )
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
