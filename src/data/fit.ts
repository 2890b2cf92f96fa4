/**
 * Learning each feature column's encoding from the training rows, one record at a time: the
 * mean and spread of numbers (with log1p where it helps), the categories and their mode. The rows
 * stream past once; nothing but O(columns) state is kept (and, for median or mode imputation, the
 * column's training values). The result is the preprocessor's plain-JSON column state.
 */
import { type Advice, API_ADVICE } from './advice.js';
import { booleanPairOf, type ColumnKind, parseBoolean } from './columns.js';
import { DataError } from './errors.js';
import { Growable } from './growable.js';
import type { ColumnProfile } from './profile.js';
import { columnKind } from './profile.js';
import type { Cells } from './records.js';
import { Moments } from './stats.js';

export type Impute = 'mean' | 'median' | 'mode';

export type ColumnState =
  | { name: string; kind: 'numeric'; log1p: boolean; mean: number; std: number; fill: number }
  | { name: string; kind: 'boolean'; pair: [string, string]; fill: number }
  | { name: string; kind: 'categorical'; categories: string[]; fill: string };

export interface FitOptions {
  /** Columns to treat as categorical even though they hold numbers (integer codes). */
  categorical?: string[];
  /** log1p before scaling: 'auto' (skewed non-negative columns), a list of names, or false. */
  log1p?: 'auto' | string[] | false;
  skewThreshold?: number;
  impute?: Impute;
  maxCategories?: number;
  decimalComma?: boolean;
  /** How messages phrase their remedies (API option syntax unless the command line says). */
  advice?: Advice;
}

/** A feature column with its kind, decided from its profile over all rows. */
export interface FeaturePlan {
  name: string;
  index: number;
  kind: ColumnKind;
  profile: ColumnProfile;
}

const percent = (part: number, whole: number) => {
  const p = (100 * part) / whole;
  return p < 1 ? '< 1' : p > 99 && part < whole ? '> 99' : String(Math.round(p));
};

/**
 * Whether the file writes decimal commas (12,5), when the caller did not say: yes when some column's
 * text is mostly such numbers and the delimiter is not a comma (a quoted "1,234" in a comma file may
 * be a thousands separator, so there the user must say). Returns the setting and, when it was
 * detected, the note to show.
 */
export function resolveDecimalComma(
  profiles: readonly ColumnProfile[],
  decimalComma: boolean | undefined,
  delimiter: string,
  advice: Advice,
): { decimalComma: boolean; note: string | null } {
  if (decimalComma !== undefined) return { decimalComma, note: null };
  const columns = profiles.filter((p) => p.looksDecimalComma);
  if (columns.length === 0) return { decimalComma: false, note: null };
  const first = columns[0];
  const example = first.commaExample!;
  if (delimiter === ',') {
    throw new DataError(
      `row ${example.line}, column '${first.name}': '${example.value}' is a number written with a comma ` +
        `(${first.commaNumbers} cells like it in this column); if the comma is the decimal point, ` +
        `${advice.decimalComma}; thousands separators are not read, so remove them`,
      { row: example.line, column: first.name, value: example.value },
    );
  }
  const names = columns.map((c) => `'${c.name}'`).join(', ');
  return {
    decimalComma: true,
    note: `numbers with decimal commas found (column ${names}, e.g. '${example.value}' on row ${example.line}): read as decimals`,
  };
}

/**
 * Kinds of the profiled columns, refusing what no encoding can use: text among the numbers of a
 * mostly numeric column, missing cells without an imputation, a column without values, too many
 * categories.
 */
export function planFeatures(profiles: readonly ColumnProfile[], options: FitOptions): FeaturePlan[] {
  const advice = options.advice ?? API_ADVICE;
  const forced = new Set(options.categorical ?? []);
  const comma = options.decimalComma ?? false;
  const maxCategories = options.maxCategories ?? 100;
  return profiles.map((p) => {
    const kind = columnKind(p, forced.has(p.name), comma);
    const name = p.name;
    if (kind === 'mixed') {
      const { numbers, text } = p.counts(comma);
      const examples = p.textExamples.length > 0 ? p.textExamples : [(p.commaExample ?? p.groupedExample)!];
      const { line, value } = examples[0];
      let hint = '';
      if (!comma && p.commaNumbers > 0) {
        hint += `; numbers like '${p.commaExample!.value}' need decimal commas: ${advice.decimalComma}`;
      }
      if (p.grouped > 0) {
        hint += `; ${p.grouped} cells like '${p.groupedExample!.value}' have thousands separators, which are not read: remove them`;
      }
      throw new DataError(
        `column '${name}' holds numbers, but ${percent(text, p.present)} % of its ${p.present} values are not ` +
          `(${numbers} are): ${examples.map((e) => `'${e.value}'`).join(', ')}${text > examples.length ? ', ...' : ''} ` +
          `(first on row ${line}); mark such cells missing (empty or NA) to read the column as numbers, or ` +
          `${advice.categorical(name)} to read it as categories${hint}`,
        { row: line, column: name, value },
      );
    }
    if (p.present === 0) {
      throw new DataError(`column '${name}' has no values in the ${p.rows} rows; ${advice.drop(name)}`, {
        column: name,
      });
    }
    if (p.missing > 0 && !options.impute) {
      const { line, value } = p.firstMissing!;
      throw new DataError(
        `row ${line}, column '${name}': missing value ('${value}'); fill it in, or ${advice.impute}` +
          (p.missing > 1 ? ` (${p.missing} missing cells in this column)` : ''),
        { row: line, column: name, value },
      );
    }
    if (kind !== 'numeric' && Array.isArray(options.log1p) && options.log1p.includes(name)) {
      throw new DataError(`log1p column '${name}' is ${kind}, not numeric`, { column: name });
    }
    if (kind === 'categorical' && p.dictionary.overflowed) {
      throw tooManyCategories(name, `more than ${p.dictionary.capacity}`, maxCategories, advice);
    }
    return { name, index: p.index, kind, profile: p };
  });
}

function tooManyCategories(name: string, count: string, maxCategories: number, advice: Advice): DataError {
  return new DataError(
    `column '${name}' has ${count} distinct values, more than the ${maxCategories} categories a column may ` +
      `have; if it is an id or free text, ${advice.drop(name)}; if it is a category, ${advice.maxCategories}`,
    { column: name },
  );
}

/** Learns one column's state from the training rows. */
export interface ColumnFit {
  visit(cells: Cells): void;
  state(): ColumnState;
}

export function columnFit(plan: FeaturePlan, options: FitOptions): ColumnFit {
  if (plan.kind === 'numeric') return new NumericFit(plan, options);
  if (plan.kind === 'boolean') return new BooleanFit(plan, options);
  return new CategoricalFit(plan, options);
}

class NumericFit implements ColumnFit {
  private readonly moments = new Moments();
  private readonly logMoments = new Moments();
  private min = Number.POSITIVE_INFINITY;
  private missing = 0;
  private largest = 0;
  private largestLine = 0;
  private readonly values: Growable<Float64Array> | null;
  private readonly decimalComma: boolean;
  private readonly policy: 'auto' | 'listed' | 'off';

  constructor(
    private readonly plan: FeaturePlan,
    private readonly options: FitOptions,
  ) {
    this.decimalComma = options.decimalComma ?? false;
    const log1p = options.log1p ?? 'auto';
    this.policy =
      log1p === 'auto' ? 'auto' : Array.isArray(log1p) && log1p.includes(plan.name) ? 'listed' : 'off';
    const keep = options.impute === 'median' || options.impute === 'mode';
    this.values = keep ? new Growable((n) => new Float64Array(n)) : null;
  }

  visit(cells: Cells): void {
    const i = this.plan.index;
    const v = cells.number(i, this.decimalComma);
    if (Number.isNaN(v)) {
      this.missing++; // the plan let only numbers and missing cells into a numeric column
      return;
    }
    this.moments.add(v);
    if (v < this.min) this.min = v;
    if (this.policy !== 'off' && this.min >= 0) this.logMoments.add(Math.log1p(v));
    if (Math.abs(v) > this.largest) {
      this.largest = Math.abs(v);
      this.largestLine = cells.line;
    }
    this.values?.push(v);
  }

  state(): ColumnState {
    const name = this.plan.name;
    if (this.moments.n === 0) throw noTrainingValues(name, this.missing, this.options.advice ?? API_ADVICE);
    const fill = this.fill();
    let log1p = false;
    if (this.policy === 'auto')
      log1p = this.min >= 0 && this.moments.skewness > (this.options.skewThreshold ?? 1);
    else if (this.policy === 'listed') {
      if (this.min < 0) {
        throw new DataError(
          `log1p column '${name}' has negative values (min ${this.min}) in the training rows`,
          {
            column: name,
          },
        );
      }
      log1p = true;
    }
    // Imputed cells take part in the scaling statistics, as in an impute-then-scale pipeline.
    const m = Object.assign(new Moments(), log1p ? this.logMoments : this.moments);
    m.addRepeated(log1p ? Math.log1p(fill) : fill, this.missing);
    const std = m.std;
    if (!Number.isFinite(m.mean) || !Number.isFinite(std)) {
      throw new DataError(
        `row ${this.largestLine}, column '${name}': the value ${this.largest} makes the column's ` +
          `${Number.isFinite(m.mean) ? 'spread' : 'mean'} overflow; fix or remove that row, or ` +
          (this.options.advice ?? API_ADVICE).drop(name),
        { row: this.largestLine, column: name },
      );
    }
    // A constant column scales to 0 rather than dividing by zero.
    return { name, kind: 'numeric', log1p, mean: m.mean, std: std > 0 ? std : 1, fill };
  }

  private fill(): number {
    if (!this.values) return this.moments.mean;
    const sorted = this.values.toArray().sort();
    const n = sorted.length;
    if (this.options.impute === 'median') {
      return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
    // The most frequent value; ties go to the smallest.
    let best = sorted[0];
    let bestCount = 0;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && sorted[j] === sorted[i]) j++;
      if (j - i > bestCount) {
        best = sorted[i];
        bestCount = j - i;
      }
      i = j;
    }
    return best;
  }
}

function noTrainingValues(name: string, rows: number, advice: Advice): DataError {
  return new DataError(`column '${name}' has no values in the ${rows} training rows; ${advice.drop(name)}`, {
    column: name,
  });
}

/** Counts of each of the profile's distinct values over the training rows. */
class ValueCounts {
  readonly counts: Float64Array;
  missing = 0;

  constructor(
    private readonly plan: FeaturePlan,
    private readonly advice: Advice,
  ) {
    this.counts = new Float64Array(plan.profile.dictionary.size);
  }

  visit(cells: Cells): void {
    const i = this.plan.index;
    if (cells.isMissing(i)) this.missing++;
    else this.counts[cells.code(i, this.plan.profile.dictionary, false)]++;
  }

  /** Values seen in the training rows. */
  present(): string[] {
    const values = this.plan.profile.dictionary.values;
    const out: string[] = [];
    this.counts.forEach((n, code) => {
      if (n > 0) out.push(values[code]);
    });
    if (out.length === 0) throw noTrainingValues(this.plan.name, this.missing, this.advice);
    return out;
  }

  /** The most frequent value; ties go to the one that sorts first. */
  mode(): string {
    const values = this.plan.profile.dictionary.values;
    let best = -1;
    this.counts.forEach((n, code) => {
      if (
        n > 0 &&
        (best < 0 || n > this.counts[best] || (n === this.counts[best] && values[code] < values[best]))
      ) {
        best = code;
      }
    });
    return values[best];
  }
}

class BooleanFit implements ColumnFit {
  private readonly values: ValueCounts;

  constructor(
    private readonly plan: FeaturePlan,
    options: FitOptions,
  ) {
    this.values = new ValueCounts(plan, options.advice ?? API_ADVICE);
  }

  visit(cells: Cells): void {
    this.values.visit(cells);
  }

  state(): ColumnState {
    const pair = booleanPairOf(this.values.present())!;
    let trues = 0;
    let falses = 0;
    const names = this.plan.profile.dictionary.values;
    this.values.counts.forEach((n, code) => {
      if (parseBoolean(names[code])) trues += n;
      else falses += n;
    });
    return { name: this.plan.name, kind: 'boolean', pair: [pair[0], pair[1]], fill: trues > falses ? 1 : 0 };
  }
}

class CategoricalFit implements ColumnFit {
  private readonly values: ValueCounts;

  constructor(
    private readonly plan: FeaturePlan,
    private readonly options: FitOptions,
  ) {
    this.values = new ValueCounts(plan, options.advice ?? API_ADVICE);
  }

  visit(cells: Cells): void {
    this.values.visit(cells);
  }

  state(): ColumnState {
    const name = this.plan.name;
    const categories = this.values.present();
    const numeric = categories.every((v) => /^[+-]?\d+$/.test(v));
    // Integer codes read better in numeric order (Browser=2 before Browser=10).
    categories.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const maxCategories = this.options.maxCategories ?? 100;
    if (categories.length > maxCategories) {
      throw tooManyCategories(
        name,
        String(categories.length),
        maxCategories,
        this.options.advice ?? API_ADVICE,
      );
    }
    return { name, kind: 'categorical', categories, fill: this.values.mode() };
  }
}
