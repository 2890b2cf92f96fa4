/**
 * A CSV file read in one pass into typed columns: numbers into a Float64Array, text into integer
 * codes of a dictionary, missing cells into a mask. This is the in-memory table for data that
 * fits (an event log to group and sort, a custom pipeline); training on files of any size streams
 * instead (dataset.ts), since raw columns can cost twice the encoded matrix.
 *
 * Typing happens while reading, and holds to the last row: a column is numeric while every present
 * cell is a number. At the first text cell it becomes categorical, and the numbers read before it
 * become categories written as JavaScript writes them (so "1.50" and "1.5" share one category);
 * name such a column in `categorical` to keep its cells' text exactly.
 */
import { type CsvEncoding, type ScanProgress, scanCsvFile } from './csv-scan.js';
import { Dictionary } from './dictionary.js';
import { Growable } from './growable.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import type { Cells } from './records.js';

export interface NumericColumn {
  name: string;
  kind: 'numeric';
  /** One value per row; NaN where the cell is missing. */
  values: Float64Array;
  /** 1 where the cell is missing, or null when none is. */
  missing: Uint8Array | null;
}

export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  /** One code per row into `categories` (first appearance order); -1 where the cell is missing. */
  codes: Int32Array;
  categories: string[];
  missing: Uint8Array | null;
}

export type Column = NumericColumn | CategoricalColumn;

export interface ColumnTable {
  header: string[];
  rows: number;
  delimiter: string;
  columns: Column[];
}

export interface ReadColumnsOptions {
  delimiter?: string;
  encoding?: CsvEncoding;
  decimalComma?: boolean;
  /** Columns to read as categories even when they hold numbers (integer codes, ids). */
  categorical?: string[];
  onProgress?: (progress: ScanProgress) => void;
}

class ColumnBuilder {
  private values: Growable<Float64Array> | null = null;
  private codes: Growable<Int32Array> | null = null;
  private dictionary = new Dictionary();
  /** Rows whose cell is missing (most columns have none, so no per-row mask while reading). */
  private readonly missing = new Growable((n) => new Int32Array(n));
  private row = 0;

  constructor(
    readonly name: string,
    private readonly index: number,
    forceCategorical: boolean,
    private readonly decimalComma: boolean,
  ) {
    if (forceCategorical) this.codes = new Growable((n) => new Int32Array(n));
    else this.values = new Growable((n) => new Float64Array(n));
  }

  visit(cells: Cells): void {
    const i = this.index;
    const row = this.row++;
    if (this.values !== null) {
      const v = cells.number(i, this.decimalComma);
      if (!Number.isNaN(v)) {
        this.values.push(v);
        return;
      }
      if (cells.isMissing(i)) {
        this.values.push(v);
        this.missing.push(row);
        return;
      }
      this.becomeCategorical();
    }
    if (cells.isMissing(i)) {
      this.codes!.push(-1);
      this.missing.push(row);
    } else this.codes!.push(cells.code(i, this.dictionary, true));
  }

  /** At the first text cell, the numbers read so far become categories written as text. */
  private becomeCategorical(): void {
    const values = this.values!.toArray();
    this.values = null;
    this.codes = new Growable((n) => new Int32Array(n));
    for (const v of values)
      this.codes.push(Number.isNaN(v) ? -1 : this.dictionary.lookupString(String(v), true));
  }

  build(): Column {
    const rows = this.missing.toArray();
    let missing: Uint8Array | null = null;
    if (rows.length > 0) {
      missing = new Uint8Array(this.row);
      for (const r of rows) missing[r] = 1;
    }
    if (this.values !== null)
      return { name: this.name, kind: 'numeric', values: this.values.toArray(), missing };
    return {
      name: this.name,
      kind: 'categorical',
      codes: this.codes!.toArray(),
      categories: this.dictionary.values,
      missing,
    };
  }
}

/** Reads a CSV file with a header row into typed columns, in one pass. */
export async function readCsvColumns(path: string, options: ReadColumnsOptions = {}): Promise<ColumnTable> {
  checkOptions('readCsvColumns', options, DATA_OPTIONS.readColumns);
  let builders: ColumnBuilder[] = [];
  const forced = new Set(options.categorical ?? []);
  const result = await scanCsvFile(
    path,
    { delimiter: options.delimiter, encoding: options.encoding, onProgress: options.onProgress },
    (header) => {
      builders = header.map(
        (name, i) => new ColumnBuilder(name, i, forced.has(name), options.decimalComma ?? false),
      );
    },
    (r) => {
      for (const b of builders) b.visit(r);
    },
  );
  return {
    header: result.header,
    rows: result.rows,
    delimiter: result.delimiter,
    columns: builders.map((b) => b.build()),
  };
}
