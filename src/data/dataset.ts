/**
 * The whole data path in one call, in the order that keeps the test set honest: read the labels
 * and type the columns (all rows), split (stratified, seeded), fit the preprocessing on the
 * TRAINING rows, then encode each part.
 *
 * A file is streamed three times (profile, fit, encode) instead of being held: what stays in memory
 * is the encoded float32 matrix of each part, the labels, and per-column state. Exact statistics
 * need the split, the split needs every label, and every label needs a pass; holding the raw
 * columns instead would cost up to twice the encoded matrix. An in-memory table goes through the
 * same steps (the same code), so a file and its table give identical arrays.
 */

import { API_ADVICE } from './advice.js';
import { type CsvTable, columnIndex } from './csv.js';
import { type ScanProgress, scanCsvFile } from './csv-scan.js';
import type { RowEncoder } from './encode.js';
import { DataError } from './errors.js';
import { type ColumnFit, columnFit, type FeaturePlan } from './fit.js';
import { LabelReader, type LabelSpec, labelsOf, type RegressionLabel, type Task } from './label.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { columnProfiler, type PreprocessOptions, Preprocessor, planColumns } from './preprocess.js';
import type { Profiler } from './profile.js';
import { type Cells, RowCells } from './records.js';
import { type Split, type SplitOptions, stratifiedSplit } from './split.js';
import { Moments } from './stats.js';

export interface PrepareOptions extends Omit<PreprocessOptions, 'label'>, SplitOptions {
  label: string;
}

/** The target as the model learns it: a regression label standardized, anything else as it is. */
export function trainingTarget(spec: LabelSpec): (v: number) => number {
  return spec.task === 'regression' ? (v) => (v - spec.mean) / spec.std : (v) => v;
}

/** A regression label with the mean and spread of its training rows. */
export function scaleTarget(spec: RegressionLabel, y: Float64Array, train: Int32Array): RegressionLabel {
  const m = new Moments();
  for (const i of train) m.add(y[i]);
  const std = m.std;
  if (!Number.isFinite(m.mean) || !Number.isFinite(std)) {
    throw new DataError(
      `label column '${spec.column}': its values overflow the mean or spread; fix the largest ones`,
      {
        column: spec.column,
      },
    );
  }
  return { ...spec, mean: m.mean, std: std > 0 ? std : 1 };
}

/** Stratification of a regression target: the decile of each row (rows of equal value share one). */
export function quantileBins(y: Float64Array, bins: number): Float64Array {
  const sorted = Float64Array.from(y).sort();
  const edges = Array.from(
    { length: bins - 1 },
    (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / bins)],
  );
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    while (b < edges.length && y[i] >= edges[b]) b++;
    out[i] = b;
  }
  return out;
}

/** A class with a single row cannot be in both the training and the test rows: say so. */
export function classStrata(y: Float64Array, spec: LabelSpec): Float64Array {
  const counts = new Map<number, number>();
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, n] of counts) {
    if (n > 1) continue;
    const name =
      spec.task === 'multiclass'
        ? spec.classes[v]
        : spec.task === 'regression'
          ? String(v)
          : v === 1
            ? spec.positive
            : spec.negatives[0];
    throw new DataError(
      `label column '${spec.column}': the class '${name}' has a single row, too few to be in both the ` +
        'training and the test rows; remove that row, merge the class into another, or add rows of it',
      { column: spec.column, value: name },
    );
  }
  return y;
}

/** The note for a positive class that was chosen rather than given or read from a true/false pair. */
function positiveNote(spec: LabelSpec, given: string | undefined): string | null {
  if (
    spec.task === 'multiclass' ||
    spec.task === 'regression' ||
    given !== undefined ||
    spec.mode !== 'exact'
  )
    return null;
  return `label column '${spec.column}': positive class '${spec.positive}' (of '${spec.positive}' and '${spec.negatives[0]}'); --positive chooses`;
}

export type { Task };

export interface PreparedPart {
  /** rows x features, row-major. */
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** Which rows of the input table these are (0-based data rows, ascending). */
  indices: Int32Array;
}

export interface PreparedDataset {
  /** What was read: data rows (all parts), the header, the delimiter. */
  source: { rows: number; header: readonly string[]; delimiter: string };
  /** Things decided about the data that a person should know (decimal commas, label spellings). */
  notes: string[];
  preprocessor: Preprocessor;
  features: number;
  featureNames: readonly string[];
  train: PreparedPart;
  validation: PreparedPart;
  test: PreparedPart;
  split: Split;
}

const TRAIN = 0;
const VALIDATION = 1;
const TEST = 2;

/** The three passes' state, fed record by record by a table or a file driver below. */
class DatasetBuilder {
  private readonly labels: LabelReader;
  private readonly profiler: Profiler;
  private label: LabelSpec | null = null;
  private plans: FeaturePlan[] = [];
  private fits: ColumnFit[] = [];
  private preprocessor: Preprocessor | null = null;
  /** Every row's target: 0/1, class index, or number (regression, on the file's scale). */
  private y: Float64Array = new Float64Array(0);
  private split: Split | null = null;
  /** The part of each row. */
  private part = new Uint8Array(0);
  private parts: PreparedPart[] = [];
  private encoder: RowEncoder | null = null;
  private next = new Int32Array(3);
  private decimalComma = false;
  readonly notes: string[] = [];
  rows = 0;

  constructor(
    readonly header: readonly string[],
    private readonly delimiter: string,
    private readonly options: PrepareOptions,
  ) {
    const advice = options.advice ?? API_ADVICE;
    const labelIndex = columnIndex({ header: [...header] }, options.label, advice.option('label'));
    this.labels = new LabelReader(options.label, labelIndex, options.decimalComma ?? delimiter !== ',');
    this.profiler = columnProfiler(header, options, options.label);
  }

  profile(cells: Cells): void {
    this.labels.visit(cells);
    this.profiler.visit(cells);
    this.rows++;
  }

  endProfile(): void {
    if (this.rows === 0) throw new DataError('the data has no rows');
    // The label vocabulary (which value is positive) is not a statistic, so all rows may decide it.
    const { positive, task, advice } = this.options;
    this.label = this.labels.spec({ positive, task, advice });
    const { plans, decimalComma, note } = planColumns(this.profiler, this.options, this.delimiter);
    this.plans = plans;
    this.decimalComma = decimalComma;
    for (const n of [this.labels.caseNote(), positiveNote(this.label, positive), note])
      if (n) this.notes.push(n);
    this.y = labelsOf(this.labels, this.label);
    const { test, validation, stratify, rng, seed } = this.options;
    const strata =
      this.label.task === 'regression' ? quantileBins(this.y, 10) : classStrata(this.y, this.label);
    this.split = stratifiedSplit(strata, { test, validation, stratify, rng, seed });
    if (this.label.task === 'regression') this.label = scaleTarget(this.label, this.y, this.split.train);
    this.part = new Uint8Array(this.rows);
    this.part.fill(VALIDATION, 0);
    for (const i of this.split.train) this.part[i] = TRAIN;
    for (const i of this.split.test) this.part[i] = TEST;
    this.fits = this.plans.map((p) => columnFit(p, { ...this.options, decimalComma }));
  }

  fit(cells: Cells, row: number): void {
    if (this.part[row] !== TRAIN) return;
    for (const f of this.fits) f.visit(cells);
  }

  endFit(): void {
    this.preprocessor = new Preprocessor({
      label: this.label,
      impute: this.options.impute ?? null,
      decimalComma: this.decimalComma,
      columns: this.fits.map((f) => f.state()),
    });
    this.fits = [];
    this.encoder = this.preprocessor.encoder(this.header);
    const features = this.preprocessor.numFeatures;
    const split = this.split!;
    const target = trainingTarget(this.label!);
    this.parts = [split.train, split.validation, split.test].map((indices) => {
      const y = new Float32Array(indices.length);
      for (let k = 0; k < indices.length; k++) y[k] = target(this.y[indices[k]]);
      return { x: new Float32Array(indices.length * features), y, rows: indices.length, indices };
    });
    this.y = new Float64Array(0);
  }

  encode(cells: Cells, row: number): void {
    const p = this.part[row];
    this.encoder!.encode(cells, this.parts[p].x, this.next[p]++);
  }

  result(): PreparedDataset {
    const preprocessor = this.preprocessor!;
    return {
      source: { rows: this.rows, header: this.header, delimiter: this.delimiter },
      notes: this.notes,
      preprocessor,
      features: preprocessor.numFeatures,
      featureNames: preprocessor.featureNames,
      train: this.parts[TRAIN],
      validation: this.parts[VALIDATION],
      test: this.parts[TEST],
      split: this.split!,
    };
  }
}

/** Prepares an in-memory table. */
export function prepareDataset(table: CsvTable, options: PrepareOptions): PreparedDataset {
  checkOptions('prepareDataset', options, DATA_OPTIONS.prepare);
  const b = new DatasetBuilder(table.header, table.delimiter, options);
  const cells = new RowCells();
  const each = (visit: (c: Cells, r: number) => void) =>
    table.rows.forEach((row, r) => visit(cells.set(row, table.lines[r]), r));
  each((c) => b.profile(c));
  b.endProfile();
  each((c, r) => b.fit(c, r));
  b.endFit();
  each((c, r) => b.encode(c, r));
  return b.result();
}

export type PreparePass = 'profile' | 'fit' | 'encode';

export interface PrepareFileOptions extends PrepareOptions {
  delimiter?: string;
  encoding?: 'utf8' | 'latin1';
  /** Called about every megabyte of each pass over the file. */
  onProgress?: (pass: PreparePass, progress: ScanProgress) => void;
}

/**
 * Prepares a CSV file of any size by streaming it three times; memory is the encoded matrices plus
 * a few bytes per row, whatever the file's size.
 */
export async function prepareCsvFile(path: string, options: PrepareFileOptions): Promise<PreparedDataset> {
  checkOptions('prepareCsvFile', options, DATA_OPTIONS.prepareFile);
  let b: DatasetBuilder | null = null;
  const scan = { delimiter: options.delimiter, encoding: options.encoding, advice: options.advice };
  const first = await scanCsvFile(
    path,
    { ...scan, onProgress: (p) => options.onProgress?.('profile', p) },
    (header, scanner) => {
      b = new DatasetBuilder(header, scanner.delimiter!, options);
    },
    (r) => b!.profile(r),
  );
  const builder = b as unknown as DatasetBuilder;
  builder.endProfile();
  // Later passes read the same file; if it changed in between, say so rather than misread it.
  const again = async (pass: PreparePass, visit: (r: Cells, row: number) => void) => {
    const result = await scanCsvFile(
      path,
      { ...scan, delimiter: first.delimiter, onProgress: (p) => options.onProgress?.(pass, p) },
      (header) => {
        if (header.join('\u0000') !== first.header.join('\u0000')) throw changed(path);
      },
      (r, row) => {
        if (row >= first.rows) throw changed(path);
        visit(r, row);
      },
    );
    if (result.rows !== first.rows) throw changed(path);
  };
  await again('fit', (r, row) => builder.fit(r, row));
  builder.endFit();
  await again('encode', (r, row) => builder.encode(r, row));
  return builder.result();
}

function changed(path: string): DataError {
  return new DataError(`${path}: the file changed while it was being read; try again once it is complete`);
}
