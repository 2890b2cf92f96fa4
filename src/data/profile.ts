/**
 * The first look at a table's columns: for each one, how many cells are missing, numbers or text,
 * and its distinct values while they are few. From that, `columnKind` types the column with the
 * rules of columns.ts (numeric only when the values are numbers, boolean only for one true/false
 * pair, categorical otherwise; integer codes stay numeric unless named). Typing is a decision about
 * what the file holds, not a statistic, so it may look at every row; statistics (fit.ts) look at
 * training rows only.
 */
import { booleanPairOf, type ColumnKind } from './columns.js';
import { Dictionary, OVERFLOW } from './dictionary.js';
import type { Cells } from './records.js';

/** Distinct values kept per column; more means an id or a measurement, never a category. */
export const DISTINCT_LIMIT = 1000;
/** Examples of text cells kept per column for messages. */
const EXAMPLES = 5;
/** A column whose values are at least this share numbers is numbers with some bad cells, not categories. */
export const NUMERIC_SHARE = 0.5;

export interface CellExample {
  line: number;
  value: string;
}

export class ColumnProfile {
  rows = 0;
  missing = 0;
  /** Present cells that are plain numbers (with the reader's decimal-comma setting). */
  numbers = 0;
  /** Present cells that are not. */
  text = 0;
  /** Of the text cells, those that are numbers written with a decimal comma (12,5). */
  commaNumbers = 0;
  firstMissing: CellExample | null = null;
  /** The first few distinct text cells that are not decimal-comma numbers, in file order. */
  readonly textExamples: CellExample[] = [];
  /** The first decimal-comma number. */
  commaExample: CellExample | null = null;
  /** Text cells that are numbers with thousands separators (1.234,5), which are never read as numbers. */
  grouped = 0;
  groupedExample: CellExample | null = null;
  /** Distinct trimmed present values, up to `limit` (then `dictionary.overflowed`). */
  readonly dictionary: Dictionary;

  constructor(
    readonly name: string,
    readonly index: number,
    limit: number,
  ) {
    this.dictionary = new Dictionary(limit);
  }

  get present(): number {
    return this.rows - this.missing;
  }

  visit(cells: Cells, decimalComma: boolean): void {
    const i = this.index;
    this.rows++;
    // A number is never a missing token, so the common case is one parse.
    const v = cells.number(i, decimalComma);
    const isNumber = !Number.isNaN(v);
    if (isNumber) this.numbers++;
    else if (cells.isMissing(i)) {
      if (this.missing++ === 0) this.firstMissing = { line: cells.line, value: cells.raw(i) };
      return;
    }
    const known = this.dictionary.size;
    const code = this.dictionary.overflowed ? OVERFLOW : cells.code(i, this.dictionary, true);
    if (isNumber) return;
    this.text++;
    if (!decimalComma && !Number.isNaN(cells.number(i, true))) {
      if (this.commaNumbers++ === 0) this.commaExample = { line: cells.line, value: cells.text(i) };
      return;
    }
    if (cells.isGroupedNumber(i) && this.grouped++ === 0) {
      this.groupedExample = { line: cells.line, value: cells.text(i) };
    }
    // Examples are distinct values; a value the dictionary already knew is not a new one.
    if (this.textExamples.length < EXAMPLES && (code === OVERFLOW || code >= known)) {
      const value = cells.text(i);
      if (!this.textExamples.some((e) => e.value === value))
        this.textExamples.push({ line: cells.line, value });
    }
  }

  /** Number and text counts when decimal commas are read as numbers (`comma`) or not. */
  counts(comma: boolean): { numbers: number; text: number } {
    return comma
      ? { numbers: this.numbers + this.commaNumbers, text: this.text - this.commaNumbers }
      : { numbers: this.numbers, text: this.text };
  }

  /** Whether most of the column's text is decimal-comma numbers (a sign the file writes them). */
  get looksDecimalComma(): boolean {
    return this.commaNumbers > 0 && this.commaNumbers * 2 >= this.text;
  }
}

/**
 * The kind of a profiled column, with `comma` saying whether decimal commas are read as numbers. A
 * forced-categorical column is categorical whatever it holds. 'mixed' is a column of mostly numbers
 * (NUMERIC_SHARE or more) with some text: reading the text as missing or the numbers as categories
 * would both be guesses, so the user says which.
 */
export function columnKind(
  p: ColumnProfile,
  forceCategorical: boolean,
  comma: boolean,
): ColumnKind | 'mixed' {
  if (forceCategorical) return 'categorical';
  const present = p.present;
  if (present === 0) return 'numeric';
  const { numbers, text } = p.counts(comma);
  if (!p.dictionary.overflowed && booleanPairOf(p.dictionary.values)) return 'boolean';
  if (text === 0) return 'numeric';
  // Cells that are numbers in another notation (decimal commas when they are off, thousands
  // separators) count towards "mostly numbers": such a column must not pass for categories.
  const lookalikes = (comma ? 0 : p.commaNumbers) + p.grouped;
  return (numbers + lookalikes) / present >= NUMERIC_SHARE ? 'mixed' : 'categorical';
}

/** Profiles of the named columns of a table, fed one record at a time. */
export class Profiler {
  readonly columns: ColumnProfile[];

  constructor(
    header: readonly string[],
    indices: readonly number[],
    private readonly decimalComma: boolean,
    limit = DISTINCT_LIMIT,
  ) {
    this.columns = indices.map((i) => new ColumnProfile(header[i], i, limit));
  }

  visit(cells: Cells): void {
    for (const c of this.columns) c.visit(cells, this.decimalComma);
  }
}
