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
import { LabelReader, type LabelSpec, labelsFromCodes } from './label.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { columnProfiler, type PreprocessOptions, Preprocessor, planColumns } from './preprocess.js';
import type { Profiler } from './profile.js';
import { type Cells, RowCells } from './records.js';
import { type Split, type SplitOptions, stratifiedSplit } from './split.js';

export interface PrepareOptions extends Omit<PreprocessOptions, 'label'>, SplitOptions {
  label: string;
}

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
  private y: Float32Array = new Float32Array(0);
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
    this.labels = new LabelReader(options.label, labelIndex);
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
    this.label = this.labels.spec({ positive: this.options.positive, advice: this.options.advice });
    const { plans, decimalComma, note } = planColumns(this.profiler, this.options, this.delimiter);
    this.plans = plans;
    this.decimalComma = decimalComma;
    for (const n of [this.labels.caseNote(), note]) if (n) this.notes.push(n);
    this.y = labelsFromCodes(this.labels, this.label);
    const { test, validation, stratify, rng, seed } = this.options;
    this.split = stratifiedSplit(this.y, { test, validation, stratify, rng, seed });
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
    this.parts = [split.train, split.validation, split.test].map((indices) => {
      const y = new Float32Array(indices.length);
      for (let k = 0; k < indices.length; k++) y[k] = this.y[indices[k]];
      return { x: new Float32Array(indices.length * features), y, rows: indices.length, indices };
    });
    this.y = new Float32Array(0);
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
