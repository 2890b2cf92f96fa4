/**
 * One CSV record as the column logic sees it, whatever it was read from: the bytes of a streamed
 * file (csv-scan.ts) or a row of strings of an in-memory table. Fitting and encoding are written
 * once against this interface, so a file and a table give the same numbers.
 */
import { isMissing, parseNumber } from './columns.js';
import type { Dictionary } from './dictionary.js';

export interface Cells {
  /** The file line the record starts on (the header is line 1). */
  readonly line: number;
  /** Number of fields. */
  readonly count: number;
  /** Empty or a missing-value token (NA, null, ?, ...), after trimming. */
  isMissing(i: number): boolean;
  /** The plain decimal number the field spells, or NaN (columns.ts's `parseNumber` rules). */
  number(i: number, decimalComma: boolean): number;
  /** The field's text, trimmed. */
  text(i: number): string;
  /** The field's text as written (quotes removed), for messages. */
  raw(i: number): string;
  /** The dictionary code of the trimmed text: Dictionary.add when `add`, else Dictionary.find. */
  code(i: number, dictionary: Dictionary, add: boolean): number;
  /** A number with thousands separators (1.234,5 or 1,234.5 or 1'234), which is never read as one. */
  isGroupedNumber(i: number): boolean;
}

/** Digits in groups of three with a separator, and an optional decimal part. */
export const GROUPED_NUMBER = /^[+-]?\d{1,3}([.,' ]\d{3})+([.,]\d+)?$/;

/** A row of an in-memory table as Cells. */
export class RowCells implements Cells {
  row: readonly string[] = [];
  line = 0;

  get count(): number {
    return this.row.length;
  }

  set(row: readonly string[], line: number): this {
    this.row = row;
    this.line = line;
    return this;
  }

  isMissing(i: number): boolean {
    return isMissing(this.row[i]);
  }

  number(i: number, decimalComma: boolean): number {
    return parseNumber(this.row[i], decimalComma) ?? Number.NaN;
  }

  text(i: number): string {
    return this.row[i].trim();
  }

  raw(i: number): string {
    return this.row[i];
  }

  code(i: number, dictionary: Dictionary, add: boolean): number {
    return dictionary.lookupString(this.row[i].trim(), add);
  }

  isGroupedNumber(i: number): boolean {
    return GROUPED_NUMBER.test(this.row[i].trim());
  }
}
