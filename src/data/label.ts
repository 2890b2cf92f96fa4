/**
 * The label column: what the model learns to predict. Its task is decided once (labelSpec) and
 * stored, so the same CSV always encodes the same way at training, evaluation and prediction:
 * - binary: 0/1, the positive class named or taken from a true/false pair;
 * - multiclass: the index of the class among `classes`;
 * - regression: the number itself (standardized for training with the training rows' mean and
 *   spread, mapped back for reports and predictions).
 * Values that differ only in case are one class ('Yes' = 'yes').
 */
import { type Advice, API_ADVICE } from './advice.js';
import { booleanPairOf, parseBoolean } from './columns.js';
import { type CsvTable, columnIndex } from './csv.js';
import { Dictionary, OVERFLOW } from './dictionary.js';
import { TokenCache } from './encode.js';
import { closestName, DataError, quoteList } from './errors.js';
import { Growable } from './growable.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { type Cells, RowCells } from './records.js';

export type Task = 'binary' | 'multiclass' | 'regression';
export const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];

export interface BinaryLabel {
  column: string;
  /** Absent in models saved before multi-class and regression labels existed: binary. */
  task?: 'binary';
  /**
   * 'boolean': values are one true/false pair (TRUE/FALSE, yes/no, y/n, 1/0; any case) and the
   * true one is positive. 'exact': `positive` is matched exactly (after trimming); every other
   * value seen when fitting is negative (one-vs-rest when there are more than two).
   */
  mode: 'boolean' | 'exact';
  positive: string;
  negatives: string[];
  /**
   * Values are compared ignoring case ('Yes' and 'yes' are one class). Set by this version; models
   * saved before it compare exactly.
   */
  ignoreCase?: boolean;
}

export interface MulticlassLabel {
  column: string;
  task: 'multiclass';
  /** The classes in index order (sorted; numerically when they are all integers); any case. */
  classes: string[];
}

export interface RegressionLabel {
  column: string;
  task: 'regression';
  /** The training rows' mean and spread: the model learns (value - mean) / std. */
  mean: number;
  std: number;
  /** Numbers may be written with a decimal comma. */
  decimalComma: boolean;
}

export type LabelSpec = BinaryLabel | MulticlassLabel | RegressionLabel;

export function taskOf(spec: LabelSpec): Task {
  return spec.task ?? 'binary';
}

export interface FitLabelOptions {
  /** The value meaning "positive class" (a binary task, one-vs-rest when there are more values). */
  positive?: string;
  /** The task; inferred from the values when absent (see inferTask). */
  task?: Task;
  advice?: Advice;
}

/** Distinct label values kept; past this a label can only be a number to regress on. */
export const LABEL_LIMIT = 10_000;
/** The most classes a text label may have. */
export const MAX_CLASSES = 100;
/** Integer labels with more distinct values than this are quantities (regression), not classes. */
export const MAX_INTEGER_CLASSES = 20;

/**
 * Reads the label column of every record: its value as a code into the distinct values (while
 * there are at most LABEL_LIMIT), and as a number (while every value is one).
 */
export class LabelReader {
  readonly dictionary = new Dictionary(LABEL_LIMIT);
  codes: Growable<Int32Array> | null = new Growable((n) => new Int32Array(n));
  readonly counts: number[] = [];
  values: Growable<Float64Array> | null = new Growable((n) => new Float64Array(n));
  /** Every value so far is a whole number. */
  integers = true;
  firstText: { line: number; value: string } | null = null;
  rows = 0;

  constructor(
    readonly column: string,
    readonly index: number,
    readonly decimalComma = false,
  ) {}

  visit(cells: Cells): void {
    const i = this.index;
    if (cells.isMissing(i)) {
      throw new DataError(
        `row ${cells.line}: the label column '${this.column}' is missing a value ('${cells.raw(i)}'); ` +
          'rows without a label cannot be used for training or evaluation',
        { row: cells.line, column: this.column, value: cells.raw(i) },
      );
    }
    this.rows++;
    if (this.values !== null) {
      const v = cells.number(i, this.decimalComma);
      if (Number.isNaN(v)) {
        this.values = null;
        this.firstText = { line: cells.line, value: cells.raw(i) };
      } else {
        this.values.push(v);
        if (this.integers && !Number.isInteger(v)) this.integers = false;
      }
    }
    if (this.codes !== null) {
      const code = cells.code(i, this.dictionary, true);
      if (code === OVERFLOW) this.codes = null;
      else {
        this.codes.push(code);
        this.counts[code] = (this.counts[code] ?? 0) + 1;
      }
    }
    if (this.codes === null && this.values === null) {
      throw new DataError(
        `label column '${this.column}' has more than ${LABEL_LIMIT} distinct values and text among them ` +
          `('${this.firstText!.value}' on row ${this.firstText!.line}): it is neither classes nor numbers`,
        { row: this.firstText!.line, column: this.column, value: this.firstText!.value },
      );
    }
  }

  /** The task: as asked, or inferred from the values (see inferTask). */
  task(options: FitLabelOptions = {}): Task {
    return options.task ?? inferTask(this, options);
  }

  spec(options: FitLabelOptions = {}): LabelSpec {
    const task = this.task(options);
    const advice = options.advice ?? API_ADVICE;
    if (task === 'regression') {
      if (this.values === null) {
        const { line, value } = this.firstText!;
        throw new DataError(
          `row ${line}: the label column '${this.column}' has '${value}', not a number, so it cannot be ` +
            'regressed on; fix the cell, or train a classifier (--task multiclass or binary)',
          { row: line, column: this.column, value },
        );
      }
      return { column: this.column, task: 'regression', mean: 0, std: 1, decimalComma: this.decimalComma };
    }
    if (this.codes === null) {
      throw new DataError(
        `label column '${this.column}' has more than ${LABEL_LIMIT} distinct values; a ${task} label needs ` +
          'a few classes (for numbers to predict, train a regression: --task regression)',
        { column: this.column },
      );
    }
    if (task === 'multiclass')
      return multiclassSpec(this.column, this.dictionary.values, this.counts, advice);
    return labelSpec(this.column, this.dictionary.values, this.counts, options);
  }

  /** Values taken as one class although spelled differently, as a note (or null). */
  caseNote(): string | null {
    if (this.codes === null) return null;
    return labelCaseNote(this.column, this.dictionary.values, this.counts);
  }

  /** Each row's value as a number (regression). */
  numbers(): Float64Array {
    if (this.values === null) throw new Error('LabelReader: the label has text values');
    return this.values.toArray();
  }
}

/**
 * The task a label's values call for, when not told: two classes (after case folding) are a binary
 * task, and so is any label with a positive value named; numbers that are not all whole, or whole
 * numbers with more than MAX_INTEGER_CLASSES distinct values, are a regression; a few classes
 * (text, or whole numbers) are a multi-class task. More text classes than MAX_CLASSES is an error.
 */
export function inferTask(reader: LabelReader, options: FitLabelOptions = {}): Task {
  if (options.positive !== undefined) return 'binary';
  const classes = reader.codes === null ? null : labelClasses(reader.dictionary.values, reader.counts);
  if (classes !== null && classes.length <= 2) return 'binary';
  if (
    reader.values !== null &&
    (!reader.integers || classes === null || classes.length > MAX_INTEGER_CLASSES)
  ) {
    return 'regression';
  }
  if (classes !== null && classes.length <= MAX_CLASSES) return 'multiclass';
  const count = classes === null ? `more than ${LABEL_LIMIT}` : String(classes.length);
  throw new DataError(
    `label column '${reader.column}' has ${count} distinct values, and not all are numbers: too many ` +
      `classes for a classifier (at most ${MAX_CLASSES}); if it is an id, it is not a label`,
    { column: reader.column },
  );
}

/** Classes of a multi-class label, sorted (numerically when all are integers). */
function multiclassSpec(
  column: string,
  seen: readonly string[],
  counts: readonly number[],
  _advice: Advice,
): MulticlassLabel {
  const classes = labelClasses(seen, counts);
  if (classes.length < 2) throw singleClass(column, classes);
  const numeric = classes.every((c) => /^[+-]?\d+$/.test(c.value.trim()));
  if (numeric) classes.sort((a, b) => Number(a.value) - Number(b.value));
  return { column, task: 'multiclass', classes: classes.map((c) => c.value) };
}

function singleClass(column: string, classes: Array<{ value: string; count: number }>): DataError {
  return new DataError(
    `label column '${column}' has a single class ('${classes[0]?.value}' in all ${classes[0]?.count ?? 0} rows); ` +
      'a classifier needs rows of at least two classes',
    { column, value: classes[0]?.value },
  );
}

/**
 * The label's classes: values that differ only in case are one class, spelled as its most frequent
 * spelling (ties: the first in sort order). Returns the spellings of each class too, for the note.
 */
export function labelClasses(
  seen: readonly string[],
  counts: readonly number[],
): Array<{ value: string; count: number; spellings: string[] }> {
  const byKey = new Map<string, { value: string; best: number; count: number; spellings: string[] }>();
  const order = seen
    .map((v, code) => ({ v, n: counts[code] ?? 0 }))
    .sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  for (const { v, n } of order) {
    const key = v.toLowerCase();
    const c = byKey.get(key);
    if (!c) byKey.set(key, { value: v, best: n, count: n, spellings: [v] });
    else {
      c.count += n;
      c.spellings.push(v);
      if (n > c.best) [c.value, c.best] = [v, n];
    }
  }
  return [...byKey.values()]
    .map(({ value, count, spellings }) => ({ value, count, spellings }))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * How a binary label encodes, from its values and their counts (all rows: no statistics): the
 * named positive value (one-vs-rest when there are more values), the true side of a true/false
 * pair, or else, for two values, the larger number or the rarer word (a note says so).
 */
export function labelSpec(
  column: string,
  seen: readonly string[],
  counts: readonly number[],
  options: FitLabelOptions = {},
): BinaryLabel {
  const advice = options.advice ?? API_ADVICE;
  const classes = labelClasses(seen, counts);
  const values = classes.map((c) => c.value);
  if (values.length < 2) throw singleClass(column, classes);

  if (options.positive !== undefined) {
    const wanted = options.positive.trim();
    const positive = values.find((v) => v.toLowerCase() === wanted.toLowerCase());
    if (positive === undefined) {
      const close = closestName(wanted, values);
      throw new DataError(
        `positive value '${wanted}' does not occur in label column '${column}'; its values are: ` +
          `${quoteList(values)}${close ? ` (did you mean '${close}'?)` : ''}`,
        { column, value: wanted },
      );
    }
    return exactSpec(column, positive, values);
  }

  const pair = booleanPairOf(values);
  if (pair && values.length === 2) {
    const positive = values.find((v) => parseBoolean(v) === true)!;
    return {
      column,
      mode: 'boolean',
      positive,
      negatives: values.filter((v) => v !== positive),
      ignoreCase: true,
    };
  }
  if (values.length === 2) {
    // Two numbers: the larger is positive (1.0 over 0.0); two words: the rarer one.
    const [a, b] = classes;
    const [x, y] = [Number(a.value), Number(b.value)];
    const numeric =
      a.value.trim() !== '' && b.value.trim() !== '' && Number.isFinite(x) && Number.isFinite(y);
    return exactSpec(column, (numeric ? y > x : b.count <= a.count) ? b.value : a.value, values);
  }
  throw new DataError(
    `label column '${column}' has values ${quoteList(values)}; which one is the positive class? ` +
      `${advice.positive}; the other values become negative`,
    { column },
  );
}

function exactSpec(column: string, positive: string, values: readonly string[]): BinaryLabel {
  return {
    column,
    mode: 'exact',
    positive,
    negatives: values.filter((v) => v !== positive),
    ignoreCase: true,
  };
}

/** A note for values of the label that were taken as one class although spelled differently. */
export function labelCaseNote(
  column: string,
  seen: readonly string[],
  counts: readonly number[],
): string | null {
  const merged = labelClasses(seen, counts).filter((c) => c.spellings.length > 1);
  if (merged.length === 0) return null;
  return `label column '${column}': values that differ only in case are one class: ${merged
    .map((c) => c.spellings.map((v) => `'${v}'`).join(' = '))
    .join('; ')}`;
}

/**
 * A label cell's value under the spec: 1 / 0 (binary), the class index (multiclass), the number
 * (regression); -1 (binary, multiclass) or NaN (regression) for a value the spec does not know.
 */
export function labelValue(spec: LabelSpec, text: string): number {
  if (spec.task === 'regression') return Number.NaN; // numbers are read from the cell, not its text
  if (spec.task === 'multiclass') {
    const t = text.toLowerCase();
    return spec.classes.findIndex((c) => c.toLowerCase() === t);
  }
  if (spec.mode === 'boolean') {
    const b = parseBoolean(text);
    const pair = booleanPairOf([spec.positive]);
    // Accept the same pair in any case (TRUE vs true), nothing else.
    return b !== null && pair && booleanPairOf([spec.positive, text]) === pair ? (b ? 1 : 0) : -1;
  }
  if (spec.ignoreCase) {
    const t = text.toLowerCase();
    return t === spec.positive.toLowerCase() ? 1 : spec.negatives.some((v) => v.toLowerCase() === t) ? 0 : -1;
  }
  return text === spec.positive ? 1 : spec.negatives.includes(text) ? 0 : -1;
}

/** The values a spec accepts, for messages. */
export function labelValues(spec: LabelSpec): string[] {
  if (spec.task === 'regression') return ['a number'];
  if (spec.task === 'multiclass') return spec.classes;
  return [spec.positive, ...spec.negatives];
}

/**
 * The label of records as the spec reads it (see labelValue; a regression label as its number, on
 * the file's scale), with an error naming the row of a missing or unknown value.
 */
export class LabelEncoder {
  private readonly tokens: TokenCache;

  constructor(
    readonly spec: LabelSpec,
    readonly index: number,
  ) {
    this.tokens = new TokenCache((text) => labelValue(spec, text));
  }

  value(cells: Cells): number {
    const i = this.index;
    const spec = this.spec;
    const absent = cells.isMissing(i);
    if (spec.task === 'regression') {
      const v = absent ? Number.NaN : cells.number(i, spec.decimalComma);
      if (!Number.isNaN(v)) return v;
    } else {
      const v = absent ? -1 : this.tokens.get(cells, i);
      if (v >= 0) return v;
    }
    const expected = spec.task === 'regression' ? 'a number' : quoteList(labelValues(spec));
    throw new DataError(
      `row ${cells.line}: label column '${spec.column}' has value '${cells.raw(i)}', expected ${expected}`,
      { row: cells.line, column: spec.column, value: cells.raw(i) },
    );
  }
}

/** The training targets of every row: 0/1, class indices, or numbers on the file's scale. */
export function labelsOf(reader: LabelReader, spec: LabelSpec): Float64Array {
  if (spec.task === 'regression') return reader.numbers();
  const byCode = reader.dictionary.values.map((v) => labelValue(spec, v));
  const codes = reader.codes!.toArray();
  const y = new Float64Array(codes.length);
  for (let r = 0; r < codes.length; r++) y[r] = byCode[codes[r]];
  return y;
}

/** Decides how the label column encodes, from the given rows (all rows is fine: no statistics). */
export function fitLabel(table: CsvTable, column: string, options: FitLabelOptions = {}): LabelSpec {
  checkOptions('fitLabel', options, DATA_OPTIONS.fitLabel);
  const reader = new LabelReader(column, columnIndex(table, column, 'label column'), table.delimiter !== ',');
  const cells = new RowCells();
  table.rows.forEach((row, r) => reader.visit(cells.set(row, table.lines[r])));
  const spec = reader.spec(options);
  if (spec.task === 'regression') {
    const values = reader.numbers();
    let mean = 0;
    for (const v of values) mean += v / values.length;
    let variance = 0;
    for (const v of values) variance += (v - mean) ** 2 / values.length;
    return { ...spec, mean, std: Math.sqrt(variance) || 1 };
  }
  return spec;
}

/** The label column as the spec reads it (see LabelEncoder), one value per row. */
export function encodeLabels(table: CsvTable, spec: LabelSpec): Float32Array {
  const encoder = new LabelEncoder(spec, columnIndex(table, spec.column, 'label column'));
  const cells = new RowCells();
  const y = new Float32Array(table.rows.length);
  table.rows.forEach((row, r) => {
    y[r] = encoder.value(cells.set(row, table.lines[r]));
  });
  return y;
}
