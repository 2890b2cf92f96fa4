/**
 * The label column to 0/1. Which value is positive is decided once (labelSpec) and stored, so the
 * same CSV always encodes the same way at training, evaluation and prediction.
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

export interface LabelSpec {
  column: string;
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

export interface FitLabelOptions {
  /** The value meaning "positive class"; needed when the values are not a true/false pair. */
  positive?: string;
  advice?: Advice;
}

/** Distinct label values kept; a label with more is not a class. */
export const LABEL_LIMIT = 10_000;

/** Reads the label column of every record: its value as a code, and how often each value occurs. */
export class LabelReader {
  readonly dictionary = new Dictionary(LABEL_LIMIT);
  readonly codes = new Growable((n) => new Int32Array(n));
  readonly counts: number[] = [];

  constructor(
    readonly column: string,
    readonly index: number,
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
    const code = cells.code(i, this.dictionary, true);
    if (code === OVERFLOW) {
      throw new DataError(
        `label column '${this.column}' has more than ${LABEL_LIMIT} distinct values (row ${cells.line}); ` +
          'a classifier needs a few classes',
        { row: cells.line, column: this.column },
      );
    }
    this.codes.push(code);
    this.counts[code] = (this.counts[code] ?? 0) + 1;
  }

  spec(options: FitLabelOptions = {}): LabelSpec {
    return labelSpec(this.column, this.dictionary.values, this.counts, options);
  }

  /** Values taken as one class although spelled differently, as a note (or null). */
  caseNote(): string | null {
    return labelCaseNote(this.column, this.dictionary.values, this.counts);
  }
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

/** Decides how the label encodes from its values and their counts (all rows: no statistics). */
export function labelSpec(
  column: string,
  seen: readonly string[],
  counts: readonly number[],
  options: FitLabelOptions = {},
): LabelSpec {
  const advice = options.advice ?? API_ADVICE;
  const classes = labelClasses(seen, counts);
  const values = classes.map((c) => c.value);
  if (values.length < 2) {
    throw new DataError(
      `label column '${column}' has a single class ('${values[0]}' in all ${classes[0]?.count ?? 0} rows); ` +
        'a classifier needs rows of both classes',
      { column, value: values[0] },
    );
  }

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
    return {
      column,
      mode: 'exact',
      positive,
      negatives: values.filter((v) => v !== positive),
      ignoreCase: true,
    };
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
  throw new DataError(
    `label column '${column}' has values ${quoteList(values)}; which one is the positive class? ` +
      `${advice.positive}${values.length > 2 ? '; the other values become negative' : ''}`,
    { column },
  );
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

/** 1 for the positive class, 0 for a negative one, -1 for a value the spec does not know. */
export function labelValue(spec: LabelSpec, text: string): number {
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

/** The 0/1 label of records, with an error naming the row of a missing or unknown value. */
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
    const v = cells.isMissing(i) ? -1 : this.tokens.get(cells, i);
    if (v < 0) {
      const spec = this.spec;
      throw new DataError(
        `row ${cells.line}: label column '${spec.column}' has value '${cells.raw(i)}', expected ` +
          `${quoteList([spec.positive, ...spec.negatives])}`,
        { row: cells.line, column: spec.column, value: cells.raw(i) },
      );
    }
    return v;
  }
}

/** 0/1 labels from the codes a LabelReader collected. */
export function labelsFromCodes(reader: LabelReader, spec: LabelSpec): Float32Array {
  const byCode = reader.dictionary.values.map((v) => labelValue(spec, v));
  const codes = reader.codes.toArray();
  const y = new Float32Array(codes.length);
  for (let r = 0; r < codes.length; r++) y[r] = byCode[codes[r]];
  return y;
}

/** Decides how the label column encodes, from the given rows (all rows is fine: no statistics). */
export function fitLabel(table: CsvTable, column: string, options: FitLabelOptions = {}): LabelSpec {
  checkOptions('fitLabel', options, DATA_OPTIONS.fitLabel);
  const reader = new LabelReader(column, columnIndex(table, column, 'label column'));
  const cells = new RowCells();
  table.rows.forEach((row, r) => reader.visit(cells.set(row, table.lines[r])));
  return reader.spec(options);
}

/** The label column as 0/1 in a Float32Array; errors name the row of a missing or unknown value. */
export function encodeLabels(table: CsvTable, spec: LabelSpec): Float32Array {
  const encoder = new LabelEncoder(spec, columnIndex(table, spec.column, 'label column'));
  const cells = new RowCells();
  const y = new Float32Array(table.rows.length);
  table.rows.forEach((row, r) => {
    y[r] = encoder.value(cells.set(row, table.lines[r]));
  });
  return y;
}
