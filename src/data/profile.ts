/**
 * The first look at a table's columns: for each one, how many cells are missing, numbers or text,
 * and its distinct values while they are few. From that, `columnKind` types the column with the
 * rules of columns.ts (numeric only when the values are numbers, boolean only for one true/false
 * pair, categorical otherwise; integer codes stay numeric unless named). Typing is a decision about
 * what the file holds, not a statistic, so it may look at every row; statistics (fit.ts) look at
 * training rows only.
 */
import { booleanPairOf, type ColumnKind, NUMERIC_MAJORITY } from './columns.js';
import { Dictionary, OVERFLOW } from './dictionary.js';
import type { Cells } from './records.js';

/** Distinct values kept per column; more means an id or a measurement, never a category. */
export const DISTINCT_LIMIT = 1000;
/** Examples of text cells kept per column for messages. */
const EXAMPLES = 5;

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
  /** Of the text cells, those that would be numbers if the file used decimal commas. */
  commaNumbers = 0;
  firstMissing: CellExample | null = null;
  /** The first few distinct text cells, in file order. */
  readonly textExamples: CellExample[] = [];
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
    if (!decimalComma && !Number.isNaN(cells.number(i, true))) this.commaNumbers++;
    // Examples are distinct values; a value the dictionary already knew is not a new one.
    if (this.textExamples.length < EXAMPLES && (code === OVERFLOW || code >= known)) {
      const value = cells.text(i);
      if (!this.textExamples.some((e) => e.value === value))
        this.textExamples.push({ line: cells.line, value });
    }
  }
}

/** The kind of a profiled column (a forced-categorical column is categorical whatever it holds). */
export function columnKind(p: ColumnProfile, forceCategorical: boolean): ColumnKind {
  if (forceCategorical) return 'categorical';
  const present = p.present;
  if (present > 0 && !p.dictionary.overflowed && booleanPairOf(p.dictionary.values)) return 'boolean';
  if (present > 0 && p.text === 0) return 'numeric';
  if (present > 0 && p.numbers / present >= NUMERIC_MAJORITY) return 'numeric';
  return 'categorical';
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
