/**
 * The fitted feature pipeline: column typing, imputation, one-hot encoding and z-score scaling
 * (optionally after log1p). Everything is learnt from the rows given to `fit` — the training rows —
 * and only applied by `transform`, so validation and test rows never leak into the statistics. The
 * whole state is plain JSON (`toJSON` / `Preprocessor.fromJSON`) and is saved with the model.
 *
 * The work per column lives in profile.ts (typing), fit.ts (statistics) and encode.ts (features);
 * they read records through the `Cells` interface, so an in-memory table here and a streamed file
 * (dataset.ts) go through the very same code.
 */
import { type Advice, API_ADVICE } from './advice.js';
import type { ColumnKind } from './columns.js';
import { type CsvTable, columnIndex, missingColumnMessage } from './csv.js';
import { columnPositions, featureNames, RowEncoder } from './encode.js';
import { DataError } from './errors.js';
import {
  type ColumnState,
  columnFit,
  type FeaturePlan,
  type Impute,
  planFeatures,
  resolveDecimalComma,
} from './fit.js';
import { fitLabel, LabelEncoder, type LabelSpec, type Task } from './label.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { DISTINCT_LIMIT, Profiler } from './profile.js';
import { RowCells } from './records.js';

export type { ColumnState, Impute };

export interface PreprocessOptions {
  /** Label column name, or a spec already fitted with fitLabel (e.g. on all rows, before a split). */
  label?: string | LabelSpec;
  /** Positive label value when the label is not a true/false pair. */
  positive?: string;
  /** binary, multiclass or regression; inferred from the label's values when absent. */
  task?: Task;
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
  /**
   * Numbers are written with a decimal comma (12,5), as in many semicolon-separated files. Left
   * unset, it is detected: on when a column's text is mostly such numbers and the delimiter is not a
   * comma; in a comma-separated file such numbers are an error that asks.
   */
  decimalComma?: boolean;
  /** How messages phrase their remedies: API option syntax by default. */
  advice?: Advice;
}

export interface PreprocessorState {
  format: 'tensorgrad.preprocessor';
  version: 1;
  label: LabelSpec | null;
  impute: Impute | null;
  decimalComma: boolean;
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

export class Preprocessor {
  readonly label: LabelSpec | null;
  readonly impute: Impute | null;
  readonly decimalComma: boolean;
  readonly columns: readonly ColumnState[];
  readonly featureNames: readonly string[];

  constructor(state: Omit<PreprocessorState, 'format' | 'version'>) {
    this.label = state.label;
    this.impute = state.impute;
    this.decimalComma = state.decimalComma;
    this.columns = state.columns;
    this.featureNames = featureNames(state.columns);
  }

  get numFeatures(): number {
    return this.featureNames.length;
  }

  /** Learns the pipeline from `train` (the training rows only). */
  static fit(train: CsvTable, options: PreprocessOptions = {}): Preprocessor {
    checkOptions('Preprocessor.fit', options, DATA_OPTIONS.preprocess);
    const label =
      options.label === undefined
        ? null
        : typeof options.label === 'string'
          ? fitLabel(train, options.label, {
              positive: options.positive,
              task: options.task,
              advice: options.advice,
            })
          : options.label;
    const profiler = columnProfiler(train.header, options, label?.column ?? null);
    const cells = new RowCells();
    const each = (visit: (c: RowCells) => void) =>
      train.rows.forEach((row, r) => visit(cells.set(row, train.lines[r])));
    each((c) => profiler.visit(c));
    const { plans, decimalComma } = planColumns(profiler, options, train.delimiter);
    const fits = plans.map((p) => columnFit(p, { ...options, decimalComma }));
    each((c) => {
      for (const f of fits) f.visit(c);
    });
    return new Preprocessor({
      label,
      impute: options.impute ?? null,
      decimalComma,
      columns: fits.map((f) => f.state()),
    });
  }

  /**
   * Encodes records of a table with this header. `strict` makes a category unseen in training an
   * error; `advice` phrases the remedies in messages (API terms by default).
   */
  encoder(
    header: readonly string[],
    where = '',
    options: { strict?: boolean; advice?: Advice } = {},
  ): RowEncoder {
    return new RowEncoder(this.columns, columnPositions(this.columns, header, where), {
      impute: this.impute !== null,
      decimalComma: this.decimalComma,
      ...options,
    });
  }

  /** The label's encoder for a header, or null when the header has no label column. */
  labelEncoder(header: readonly string[]): LabelEncoder | null {
    if (this.label === null) return null;
    const i = header.indexOf(this.label.column);
    return i < 0 ? null : new LabelEncoder(this.label, i);
  }

  /**
   * Features, and labels when the label column is present (unless `labels: false`, e.g. for
   * prediction input whose label column is blank), for any rows, with the fitted state.
   */
  transform(table: CsvTable, options: { labels?: boolean } = {}): Transformed {
    const encoder = this.encoder(table.header);
    const labels = options.labels === false ? null : this.labelEncoder(table.header);
    const features = encoder.features;
    const x = new Float32Array(table.rows.length * features);
    const y = labels ? new Float32Array(table.rows.length) : null;
    const cells = new RowCells();
    table.rows.forEach((row, r) => {
      cells.set(row, table.lines[r]);
      encoder.encode(cells, x, r);
      if (y && labels) y[r] = labels.value(cells);
    });
    return { x, y, rows: table.rows.length, features };
  }

  toJSON(): PreprocessorState {
    return {
      format: 'tensorgrad.preprocessor',
      version: 1,
      label: this.label,
      impute: this.impute,
      decimalComma: this.decimalComma,
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
      decimalComma: s.decimalComma ?? false,
      columns: s.columns.map((c) => structuredClone(c)),
    });
  }
}

/** The header positions of the feature columns: every column but the label and the dropped ones. */
export function featureColumns(
  header: readonly string[],
  options: Pick<PreprocessOptions, 'categorical' | 'drop' | 'log1p' | 'advice'>,
  labelColumn: string | null,
): number[] {
  const advice = options.advice ?? API_ADVICE;
  if (labelColumn !== null) columnIndex({ header: [...header] }, labelColumn, advice.option('label'));
  for (const [key, names] of [
    ['categorical', options.categorical],
    ['drop', options.drop],
    ['log1p', Array.isArray(options.log1p) ? options.log1p : undefined],
  ] as const) {
    for (const name of names ?? []) {
      if (!header.includes(name)) {
        throw new DataError(missingColumnMessage(name, header, advice.option(key)), { column: name });
      }
    }
  }
  const dropped = new Set(options.drop ?? []);
  const out: number[] = [];
  header.forEach((name, i) => {
    if (name !== labelColumn && !dropped.has(name)) out.push(i);
  });
  if (out.length === 0) throw new DataError('no feature columns left (all were dropped or the label)');
  return out;
}

/** A profiler of a header's feature columns (see profile.ts), with the options' settings. */
export function columnProfiler(
  header: readonly string[],
  options: PreprocessOptions,
  labelColumn: string | null,
): Profiler {
  return new Profiler(
    header,
    featureColumns(header, options, labelColumn),
    options.decimalComma ?? false,
    distinctLimit(options),
  );
}

/**
 * Types the profiled columns: decimal commas detected when the options leave them open (with a note
 * to show), then each column's kind, refusing what cannot be encoded.
 */
export function planColumns(
  profiler: Profiler,
  options: PreprocessOptions,
  delimiter: string,
): { plans: FeaturePlan[]; decimalComma: boolean; note: string | null } {
  const advice = options.advice ?? API_ADVICE;
  const { decimalComma, note } = resolveDecimalComma(
    profiler.columns,
    options.decimalComma,
    delimiter,
    advice,
  );
  return { plans: planFeatures(profiler.columns, { ...options, decimalComma }), decimalComma, note };
}

/** How many distinct values the profile keeps per column: enough to tell any allowed category set. */
export function distinctLimit(options: Pick<PreprocessOptions, 'maxCategories'>): number {
  return Math.max(DISTINCT_LIMIT, (options.maxCategories ?? 100) + 1);
}

export type { ColumnKind };
