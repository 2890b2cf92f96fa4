/**
 * The fitted feature pipeline: column typing, imputation, one-hot encoding and z-score scaling
 * (optionally after log1p). Everything is learnt from the rows given to `fit` — the training rows —
 * and only applied by `transform`, so validation and test rows never leak into the statistics. The
 * whole state is plain JSON (`toJSON` / `Preprocessor.fromJSON`) and is saved with the model.
 */
import {
  booleanPairOf,
  type ColumnKind,
  isMissing,
  parseBoolean,
  parseNumber,
  profileColumn,
} from './columns.js';
import { type CsvTable, columnIndex, missingColumnMessage } from './csv.js';
import { DataError, quoteList } from './errors.js';
import { encodeLabels, fitLabel, type LabelSpec } from './label.js';
import { mean, median, mode, skewness, std } from './stats.js';

export type Impute = 'mean' | 'median' | 'mode';

export interface PreprocessOptions {
  /** Label column name, or a spec already fitted with fitLabel (e.g. on all rows, before a split). */
  label?: string | LabelSpec;
  /** Positive label value when the label is not a true/false pair. */
  positive?: string;
  /** Columns to treat as categorical even though they hold numbers (integer codes). */
  categorical?: string[];
  /** Columns to leave out (ids, free text). */
  drop?: string[];
  /**
   * log1p before scaling: 'auto' (default) for numeric columns with min >= 0 and skewness above
   * `skewThreshold`; a list of column names; or false. At transform, values below 0 in a log1p
   * column are clamped to 0 first (log1p of a value <= -1 is not a number).
   */
  log1p?: 'auto' | string[] | false;
  /** Skewness above which 'auto' applies log1p; default 1 (a usual "highly skewed" cut-off). */
  skewThreshold?: number;
  /**
   * How to fill missing cells (empty, NA, N/A, NaN, null, none, ?), fitted on the training rows.
   * Numeric columns use the mean or median; boolean and categorical columns always use the mode.
   * Without it a missing cell is an error naming the row and column.
   */
  impute?: Impute;
  /** More categories than this in one column is an error (it is probably an id); default 100. */
  maxCategories?: number;
}

export type ColumnState =
  | { name: string; kind: 'numeric'; log1p: boolean; mean: number; std: number; fill: number }
  | { name: string; kind: 'boolean'; pair: [string, string]; fill: number }
  | { name: string; kind: 'categorical'; categories: string[]; fill: string };

export interface PreprocessorState {
  format: 'tensorgrad.preprocessor';
  version: 1;
  label: LabelSpec | null;
  impute: Impute | null;
  columns: ColumnState[];
}

export interface Transformed {
  /** rows x features, row-major. */
  x: Float32Array;
  /** 0/1 labels, or null when the table has no label column (prediction input). */
  y: Float32Array | null;
  rows: number;
  features: number;
}

const IMPUTE_HINT = "fill it in, or pass impute: 'mean' | 'median' | 'mode' (--impute)";

export class Preprocessor {
  readonly label: LabelSpec | null;
  readonly impute: Impute | null;
  readonly columns: readonly ColumnState[];
  readonly featureNames: readonly string[];

  private constructor(state: Omit<PreprocessorState, 'format' | 'version'>) {
    this.label = state.label;
    this.impute = state.impute;
    this.columns = state.columns;
    this.featureNames = state.columns.flatMap((c) =>
      c.kind === 'categorical' ? c.categories.map((v) => `${c.name}=${v}`) : [c.name],
    );
  }

  get numFeatures(): number {
    return this.featureNames.length;
  }

  /** Learns the pipeline from `train` (the training rows only). */
  static fit(train: CsvTable, options: PreprocessOptions = {}): Preprocessor {
    const label =
      options.label === undefined
        ? null
        : typeof options.label === 'string'
          ? fitLabel(train, options.label, { positive: options.positive })
          : options.label;
    if (label) columnIndex(train, label.column, 'label column');
    for (const [key, names] of [
      ['categorical', options.categorical],
      ['drop', options.drop],
      ['log1p', Array.isArray(options.log1p) ? options.log1p : undefined],
    ] as const) {
      for (const name of names ?? []) {
        if (!train.header.includes(name)) {
          throw new DataError(missingColumnMessage(name, train.header, `${key} column`), { column: name });
        }
      }
    }
    const forced = new Set(options.categorical ?? []);
    const dropped = new Set(options.drop ?? []);
    const columns: ColumnState[] = [];
    train.header.forEach((name, c) => {
      if (name === label?.column || dropped.has(name)) return;
      columns.push(fitColumn(train, c, forced.has(name), options));
    });
    if (columns.length === 0) throw new DataError('no feature columns left (all were dropped or the label)');
    return new Preprocessor({ label, impute: options.impute ?? null, columns });
  }

  /** Features (and labels, when the label column is present) for any rows, with the fitted state. */
  transform(table: CsvTable): Transformed {
    const where = this.columns.map((c) => table.header.indexOf(c.name));
    const missing = this.columns.filter((_, i) => where[i] < 0).map((c) => c.name);
    if (missing.length > 0) {
      throw new DataError(
        `the data is missing ${missing.length} column${missing.length === 1 ? '' : 's'} the preprocessing ` +
          `was fitted with: ${quoteList(missing)}; its columns are: ${quoteList(table.header)}`,
        { column: missing[0] },
      );
    }
    const features = this.numFeatures;
    const x = new Float32Array(table.rows.length * features);
    table.rows.forEach((row, r) => {
      let o = r * features;
      this.columns.forEach((col, i) => {
        o = this.writeCell(col, row[where[i]], table.lines[r], x, o);
      });
    });
    const y = this.label && table.header.includes(this.label.column) ? encodeLabels(table, this.label) : null;
    return { x, y, rows: table.rows.length, features };
  }

  private writeCell(col: ColumnState, cell: string, line: number, x: Float32Array, o: number): number {
    const fail = (what: string): never => {
      throw new DataError(`row ${line}, column '${col.name}': ${what}`, {
        row: line,
        column: col.name,
        value: cell,
      });
    };
    const absent = isMissing(cell);
    if (absent && this.impute === null) fail(`missing value ('${cell}'); ${IMPUTE_HINT}`);
    switch (col.kind) {
      case 'numeric': {
        let v = absent ? col.fill : parseNumber(cell);
        if (v === null) return fail(`'${cell}' is not a number, and the column is numeric`);
        if (col.log1p) v = Math.log1p(v < 0 ? 0 : v);
        x[o] = (v - col.mean) / col.std;
        return o + 1;
      }
      case 'boolean': {
        if (absent) x[o] = col.fill;
        else {
          const b = parseBoolean(cell);
          if (b === null || booleanPairOf([col.pair[0], cell]) !== booleanPairOf([col.pair[0]])) {
            fail(`'${cell}' is not one of '${col.pair[0]}' / '${col.pair[1]}' (the column is boolean)`);
          }
          x[o] = b ? 1 : 0;
        }
        return o + 1;
      }
      case 'categorical': {
        // An unseen category encodes as all zeros: the model treats it as "none of the known ones".
        const k = col.categories.indexOf(absent ? col.fill : cell.trim());
        if (k >= 0) x[o + k] = 1;
        return o + col.categories.length;
      }
    }
  }

  toJSON(): PreprocessorState {
    return {
      format: 'tensorgrad.preprocessor',
      version: 1,
      label: this.label,
      impute: this.impute,
      columns: this.columns.map((c) => structuredClone(c)),
    };
  }

  static fromJSON(state: unknown): Preprocessor {
    const s = state as Partial<PreprocessorState> | null;
    if (s?.format !== 'tensorgrad.preprocessor') {
      throw new DataError("not a saved preprocessor: expected format 'tensorgrad.preprocessor'");
    }
    if (s.version !== 1)
      throw new DataError(`unsupported preprocessor version ${s.version}; this build reads 1`);
    if (!Array.isArray(s.columns)) throw new DataError('saved preprocessor has no columns array');
    for (const c of s.columns) {
      const ok =
        c &&
        typeof c.name === 'string' &&
        ((c.kind === 'numeric' && Number.isFinite(c.mean) && Number.isFinite(c.std) && c.std > 0) ||
          (c.kind === 'boolean' && Array.isArray(c.pair)) ||
          (c.kind === 'categorical' && Array.isArray(c.categories)));
      if (!ok) throw new DataError(`saved preprocessor has a malformed column: ${JSON.stringify(c)}`);
    }
    return new Preprocessor({
      label: s.label ?? null,
      impute: s.impute ?? null,
      columns: s.columns.map((c) => structuredClone(c)),
    });
  }
}

function fitColumn(
  train: CsvTable,
  c: number,
  forceCategorical: boolean,
  options: PreprocessOptions,
): ColumnState {
  const name = train.header[c];
  const cells = train.rows.map((row) => row[c]);
  const profile = profileColumn(cells, forceCategorical);
  const line = (i: number) => train.lines[i];
  if (profile.strayText.length > 0) {
    const { index, value } = profile.strayText[0];
    const present = cells.length - profile.missing.length;
    throw new DataError(
      `row ${line(index)}, column '${name}': '${value}' is not a number, but ${present - profile.strayText.length} ` +
        `of ${present} values in this column are; fix the cell, mark it missing (empty or NA), or force the ` +
        `column with categorical: ['${name}']`,
      { row: line(index), column: name, value },
    );
  }
  if (profile.missing.length === cells.length) {
    throw new DataError(`column '${name}' has no values in the ${cells.length} training rows; drop it`, {
      column: name,
    });
  }
  if (profile.missing.length > 0 && !options.impute) {
    const i = profile.missing[0];
    throw new DataError(
      `row ${line(i)}, column '${name}': missing value ('${cells[i]}'); ${IMPUTE_HINT}` +
        (profile.missing.length > 1 ? ` (${profile.missing.length} missing cells in this column)` : ''),
      { row: line(i), column: name, value: cells[i] },
    );
  }
  const present = cells.filter((cell) => !isMissing(cell)).map((cell) => cell.trim());
  if (profile.kind === 'numeric')
    return fitNumeric(name, present.map(Number), profile.missing.length, options);
  if (Array.isArray(options.log1p) && options.log1p.includes(name)) {
    throw new DataError(`log1p column '${name}' is ${profile.kind}, not numeric`, { column: name });
  }
  if (profile.kind === 'boolean') {
    const pair = booleanPairOf(present)!;
    return {
      name,
      kind: 'boolean',
      pair: [pair[0], pair[1]],
      fill: mode(present.map((v) => (parseBoolean(v) ? 1 : 0))),
    };
  }
  return fitCategorical(name, present, options.maxCategories ?? 100);
}

function fitNumeric(
  name: string,
  values: number[],
  missing: number,
  options: PreprocessOptions,
): ColumnState {
  const impute =
    options.impute === 'median' ? median(values) : options.impute === 'mode' ? mode(values) : mean(values);
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < min) min = v;
  const policy = options.log1p ?? 'auto';
  let log1p = false;
  if (policy === 'auto') log1p = min >= 0 && skewness(values) > (options.skewThreshold ?? 1);
  else if (Array.isArray(policy) && policy.includes(name)) {
    if (min < 0) {
      throw new DataError(`log1p column '${name}' has negative values (min ${min}) in the training rows`, {
        column: name,
      });
    }
    log1p = true;
  }
  // Imputed cells take part in the scaling statistics, as in an impute-then-scale pipeline.
  const all = values.concat(new Array<number>(missing).fill(impute)).map((v) => (log1p ? Math.log1p(v) : v));
  const mu = mean(all);
  const sigma = std(all, mu);
  // A constant column scales to 0 rather than dividing by zero.
  return { name, kind: 'numeric', log1p, mean: mu, std: sigma > 0 ? sigma : 1, fill: impute };
}

function fitCategorical(name: string, values: string[], maxCategories: number): ColumnState {
  const distinct = [...new Set(values)];
  const numeric = distinct.every((v) => parseNumber(v) !== null);
  // Integer codes read better in numeric order (Browser=2 before Browser=10).
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (distinct.length > maxCategories) {
    throw new DataError(
      `column '${name}' has ${distinct.length} distinct values, more than maxCategories (${maxCategories}); ` +
        'if it is an id or free text, drop it (drop option)',
      { column: name },
    );
  }
  return { name, kind: 'categorical', categories: distinct, fill: mode(values) };
}

export type { ColumnKind };
