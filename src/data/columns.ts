/**
 * What a cell or a column holds. Typing is deliberately conservative: a column is numeric only when
 * its values are numbers, boolean only when they are one recognised true/false pair, and everything
 * else is categorical. Integer columns stay numeric even when they have few distinct values or are
 * named like `*Code` / `*Id`: whether 1..8 means "eight operating systems" or "eight pages" is
 * something only the user knows, so integer-coded categories are made categorical explicitly
 * (`categorical: ['OperatingSystems', ...]`), never by a guess.
 */

export type ColumnKind = 'numeric' | 'boolean' | 'categorical';

/** Cells read as missing (compared after trimming, case-insensitively). */
export const MISSING_TOKENS: readonly string[] = ['', 'na', 'n/a', 'nan', 'null', 'none', '?'];

const MISSING = new Set(MISSING_TOKENS);

export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

// Decimal or scientific notation only: Number() would also accept '0x1f', 'Infinity' and ' '.
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a cell spells, or null when it is not a plain decimal number. */
export function parseNumber(cell: string): number | null {
  const t = cell.trim();
  if (!NUMBER_PATTERN.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/**
 * The true/false pairs a boolean column may use (case-insensitive). A column is boolean only when
 * all its values come from ONE pair: yes/no or TRUE/FALSE, and 1/0 when those are the only values.
 */
export const BOOLEAN_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['true', 'false'],
  ['yes', 'no'],
  ['y', 'n'],
  ['1', '0'],
];

/** true / false for a recognised boolean token, null otherwise. */
export function parseBoolean(cell: string): boolean | null {
  const t = cell.trim().toLowerCase();
  for (const [yes, no] of BOOLEAN_PAIRS) {
    if (t === yes) return true;
    if (t === no) return false;
  }
  return null;
}

/** The boolean pair that covers every value, or null. */
export function booleanPairOf(distinct: Iterable<string>): readonly [string, string] | null {
  const lower = new Set<string>();
  for (const v of distinct) lower.add(v.trim().toLowerCase());
  if (lower.size === 0) return null;
  for (const pair of BOOLEAN_PAIRS) {
    let all = true;
    for (const v of lower) if (v !== pair[0] && v !== pair[1]) all = false;
    if (all) return pair;
  }
  return null;
}

/**
 * Share of non-missing cells that must be numbers for a column with some text in it to be treated
 * as a numeric column with bad cells (an error naming the cell) rather than as categorical.
 */
export const NUMERIC_MAJORITY = 0.9;

export interface ColumnProfile {
  kind: ColumnKind;
  /** Non-missing cells that are not numbers, when the column is mostly numeric (kind stays numeric). */
  strayText: Array<{ index: number; value: string }>;
  missing: number[];
}

/**
 * Profiles one column's cells: kind, missing cells (row indices), and text cells in a column that
 * is otherwise numeric. `forceCategorical` skips numeric and boolean typing.
 */
export function profileColumn(cells: readonly string[], forceCategorical = false): ColumnProfile {
  const missing: number[] = [];
  const text: Array<{ index: number; value: string }> = [];
  const distinct = new Set<string>();
  let present = 0;
  cells.forEach((cell, i) => {
    if (isMissing(cell)) {
      missing.push(i);
      return;
    }
    present++;
    distinct.add(cell.trim());
    if (parseNumber(cell) === null) text.push({ index: i, value: cell });
  });
  if (forceCategorical) return { kind: 'categorical', strayText: [], missing };
  if (present > 0 && booleanPairOf(distinct)) return { kind: 'boolean', strayText: [], missing };
  if (present > 0 && text.length === 0) return { kind: 'numeric', strayText: [], missing };
  if (present > 0 && (present - text.length) / present >= NUMERIC_MAJORITY) {
    return { kind: 'numeric', strayText: text, missing };
  }
  return { kind: 'categorical', strayText: [], missing };
}
