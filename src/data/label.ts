/**
 * The label column to 0/1. Which value is positive is decided once (fitLabel) and stored, so the
 * same CSV always encodes the same way at training, evaluation and prediction.
 */
import { booleanPairOf, isMissing, parseBoolean } from './columns.js';
import { type CsvTable, columnIndex } from './csv.js';
import { closestName, DataError, quoteList } from './errors.js';

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
}

export interface FitLabelOptions {
  /** The value meaning "positive class"; needed when the values are not a true/false pair. */
  positive?: string;
}

/** Decides how the label column encodes, from the given rows (all rows is fine: no statistics). */
export function fitLabel(table: CsvTable, column: string, options: FitLabelOptions = {}): LabelSpec {
  const c = columnIndex(table, column, 'label column');
  const counts = new Map<string, number>();
  table.rows.forEach((row, r) => {
    const cell = row[c];
    if (isMissing(cell)) {
      throw new DataError(
        `row ${table.lines[r]}: the label column '${column}' is missing a value ('${cell}'); ` +
          'rows without a label cannot be used for training or evaluation',
        { row: table.lines[r], column, value: cell },
      );
    }
    const v = cell.trim();
    counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  const values = [...counts.keys()].sort();
  if (values.length < 2) {
    throw new DataError(
      `label column '${column}' has a single class ('${values[0]}' in all ${table.rows.length} rows); ` +
        'a classifier needs rows of both classes',
      { column, value: values[0] },
    );
  }

  if (options.positive !== undefined) {
    const positive = options.positive.trim();
    if (!counts.has(positive)) {
      const close = closestName(positive, values);
      throw new DataError(
        `positive value '${positive}' does not occur in label column '${column}'; its values are: ` +
          `${quoteList(values)}${close ? ` (did you mean '${close}'?)` : ''}`,
        { column, value: positive },
      );
    }
    return { column, mode: 'exact', positive, negatives: values.filter((v) => v !== positive) };
  }

  const pair = booleanPairOf(values);
  if (pair && values.length === 2) {
    const positive = values.find((v) => parseBoolean(v) === true)!;
    return { column, mode: 'boolean', positive, negatives: values.filter((v) => v !== positive) };
  }
  throw new DataError(
    `label column '${column}' has values ${quoteList(values)}; which one is the positive class? ` +
      `Pass it as the positive option (--positive VALUE)${values.length > 2 ? '; the other values become negative' : ''}`,
    { column },
  );
}

/** The label column as 0/1 in a Float32Array; errors name the row of a missing or unknown value. */
export function encodeLabels(table: CsvTable, spec: LabelSpec): Float32Array {
  const c = columnIndex(table, spec.column, 'label column');
  const negatives = new Set(spec.negatives);
  const y = new Float32Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const cell = row[c];
    const v = cell.trim();
    let label: number | null = null;
    if (spec.mode === 'boolean') {
      const b = isMissing(cell) ? null : parseBoolean(v);
      const pair = booleanPairOf([spec.positive]);
      // Accept the same pair in any case (TRUE vs true), nothing else.
      if (b !== null && pair && booleanPairOf([spec.positive, v]) === pair) label = b ? 1 : 0;
    } else if (v === spec.positive) label = 1;
    else if (negatives.has(v)) label = 0;
    if (label === null) {
      throw new DataError(
        `row ${table.lines[r]}: label column '${spec.column}' has value '${cell}', expected ` +
          `${quoteList([spec.positive, ...spec.negatives])}`,
        { row: table.lines[r], column: spec.column, value: cell },
      );
    }
    y[r] = label;
  });
  return y;
}
