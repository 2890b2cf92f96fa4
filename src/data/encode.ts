/**
 * Applying fitted column states to records: each record becomes a row of float32 features (z-scored
 * numbers, 0/1 booleans, one-hot categories). Categories are matched by their bytes through a
 * dictionary, so encoding a streamed file makes no strings for values it has seen.
 */

import { type Advice, API_ADVICE } from './advice.js';
import { booleanPairOf, parseBoolean } from './columns.js';
import { ABSENT, Dictionary } from './dictionary.js';
import { DataError, quoteList } from './errors.js';
import type { ColumnState } from './fit.js';
import type { CellExample } from './profile.js';
import type { Cells } from './records.js';

/** Feature names in encoding order: a categorical column gives one per category. */
export function featureNames(columns: readonly ColumnState[]): string[] {
  return columns.flatMap((c) =>
    c.kind === 'categorical' ? c.categories.map((v) => `${c.name}=${v}`) : [c.name],
  );
}

/** Where each fitted column is in a header; refuses a header that lacks some of them. */
export function columnPositions(
  columns: readonly ColumnState[],
  header: readonly string[],
  where = '',
): number[] {
  const at = columns.map((c) => header.indexOf(c.name));
  const missing = columns.filter((_, i) => at[i] < 0).map((c) => c.name);
  if (missing.length > 0) {
    throw new DataError(
      `${where}the data is missing ${missing.length} column${missing.length === 1 ? '' : 's'} the preprocessing ` +
        `was fitted with: ${quoteList(missing)}; its columns are: ${quoteList(header)}`,
      { column: missing[0] },
    );
  }
  return at;
}

/**
 * Remembers what each distinct cell text of a column means (a few hundred at most), computing it
 * once with `meaning`; beyond that the text is read and judged every time.
 */
export class TokenCache {
  private readonly dictionary = new Dictionary(256);
  private meanings: number[] = [];

  constructor(private readonly meaning: (text: string) => number) {}

  get(cells: Cells, i: number): number {
    const code = cells.code(i, this.dictionary, false);
    if (code >= 0) return this.meanings[code];
    const text = cells.text(i);
    const m = this.meaning(text);
    const added = this.dictionary.lookupString(text, true);
    if (added >= 0) this.meanings[added] = m;
    return m;
  }
}

interface ColumnEncoder {
  /** Writes the column's features at out[o...]; returns the next offset. */
  encode(cells: Cells, out: Float32Array, o: number): number;
}

export interface EncodeOptions {
  /** Missing cells take the fitted fill value (else they are an error). */
  impute: boolean;
  decimalComma: boolean;
  /** A category not seen in training is an error (else it encodes as all zeros and is counted). */
  strict?: boolean;
  advice?: Advice;
}

/** Values of a categorical column that training never saw, met while encoding. */
export interface UnseenValues {
  column: string;
  /** Cells with such a value. */
  count: number;
  /** The first few distinct ones, with the row of their first appearance. */
  examples: CellExample[];
}

/** Encodes whole records with a list of fitted columns found at given positions of the header. */
export class RowEncoder {
  readonly features: number;
  private readonly encoders: ColumnEncoder[];
  private readonly unseenValues: UnseenValues[] = [];

  constructor(columns: readonly ColumnState[], positions: readonly number[], options: EncodeOptions) {
    const advice = options.advice ?? API_ADVICE;
    this.encoders = columns.map((c, k) => {
      if (c.kind === 'numeric') return numericEncoder(c, positions[k], options, advice);
      if (c.kind === 'boolean') return booleanEncoder(c, positions[k], options, advice);
      const unseen: UnseenValues = { column: c.name, count: 0, examples: [] };
      this.unseenValues.push(unseen);
      return categoricalEncoder(c, positions[k], options, advice, unseen);
    });
    this.features = featureNames(columns).length;
  }

  /** Writes one record's features to out[row * features ...], which must hold zeros (one-hot). */
  encode(cells: Cells, out: Float32Array, row: number): void {
    let o = row * this.features;
    for (const e of this.encoders) o = e.encode(cells, out, o);
  }

  /** The columns where values unseen in training turned up (encoded as all zeros), so far. */
  unseen(): UnseenValues[] {
    return this.unseenValues.filter((u) => u.count > 0);
  }
}

function cellError(cells: Cells, i: number, column: string, what: string): DataError {
  return new DataError(`row ${cells.line}, column '${column}': ${what}`, {
    row: cells.line,
    column,
    value: cells.raw(i),
  });
}

/** Whether a missing cell may take the fill value; an error naming the cell otherwise. */
function missingCell(
  cells: Cells,
  i: number,
  column: string,
  options: EncodeOptions,
  advice: Advice,
): boolean {
  if (!cells.isMissing(i)) return false;
  if (!options.impute)
    throw cellError(cells, i, column, `missing value ('${cells.raw(i)}'); ${advice.impute}`);
  return true;
}

type State<K> = Extract<ColumnState, { kind: K }>;

function numericEncoder(
  col: State<'numeric'>,
  i: number,
  options: EncodeOptions,
  advice: Advice,
): ColumnEncoder {
  const { mean, std, log1p, fill, name } = col;
  const comma = options.decimalComma;
  return {
    encode(cells, out, o) {
      // A number is never a missing token, so the common case is one parse.
      let v = cells.number(i, comma);
      if (Number.isNaN(v) && missingCell(cells, i, name, options, advice)) v = fill;
      if (Number.isNaN(v)) {
        const text = cells.raw(i);
        const hint =
          !comma && !Number.isNaN(cells.number(i, true))
            ? `; it has a decimal comma: ${advice.decimalComma}`
            : '';
        throw cellError(cells, i, name, `'${text}' is not a number, and the column is numeric${hint}`);
      }
      if (log1p) v = Math.log1p(v < 0 ? 0 : v);
      const z = (v - mean) / std;
      // Beyond float32's range the feature would be Infinity, and the model's output NaN.
      if (!(Math.abs(z) <= 3.4e38)) {
        throw cellError(cells, i, name, `the value ${cells.raw(i)} is too large: it scales to ${z}`);
      }
      out[o] = z;
      return o + 1;
    },
  };
}

function booleanEncoder(
  col: State<'boolean'>,
  i: number,
  options: EncodeOptions,
  advice: Advice,
): ColumnEncoder {
  const pair = booleanPairOf([col.pair[0]]);
  const tokens = new TokenCache((text) => {
    const b = parseBoolean(text);
    return b === null || booleanPairOf([col.pair[0], text]) !== pair ? -1 : b ? 1 : 0;
  });
  return {
    encode(cells, out, o) {
      if (missingCell(cells, i, col.name, options, advice)) out[o] = col.fill;
      else {
        const b = tokens.get(cells, i);
        if (b < 0) {
          throw cellError(
            cells,
            i,
            col.name,
            `'${cells.raw(i)}' is not one of '${col.pair[0]}' / '${col.pair[1]}' (the column is boolean)`,
          );
        }
        out[o] = b;
      }
      return o + 1;
    },
  };
}

function categoricalEncoder(
  col: State<'categorical'>,
  i: number,
  options: EncodeOptions,
  advice: Advice,
  unseen: UnseenValues,
): ColumnEncoder {
  const categories = new Dictionary();
  for (const c of col.categories) categories.lookupString(c, true);
  const fill = col.categories.indexOf(col.fill);
  const width = col.categories.length;
  return {
    encode(cells, out, o) {
      const k = missingCell(cells, i, col.name, options, advice) ? fill : cells.code(i, categories, false);
      if (k !== ABSENT) out[o + k] = 1;
      // An unseen category encodes as all zeros: the model treats it as "none of the known ones".
      else if (options.strict) {
        throw cellError(
          cells,
          i,
          col.name,
          `'${cells.text(i)}' was not among the column's values in training (${quoteList(col.categories, 10)})`,
        );
      } else if (unseen.count++ === 0 || unseen.examples.length < 3) {
        const value = cells.text(i);
        if (!unseen.examples.some((e) => e.value === value))
          unseen.examples.push({ line: cells.line, value });
      }
      return o + width;
    },
  };
}
