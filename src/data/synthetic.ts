/**
 * Synthetic shoppers with a purchase rule hidden in them, for teaching and for tests that need data
 * whose answer is known. Every draw comes from the Generator handed in, in a fixed order, so one
 * seed always gives the same users.
 *
 * The rule is written out (purchaseScore) so a teacher can show what the network must discover:
 * it is NONLINEAR on purpose — interactions (engaged = many pages AND a long session), thresholds
 * (loyal = 3+ purchases), and a time window (evening) that only matters for some categories — so a
 * linear model cannot represent it exactly while a small dense network can. Label noise then flips
 * a few answers, as real shoppers are not fully predictable: no model can beat 1 - labelNoise on
 * average.
 */

import { knownOptions, mergeOptions } from '../options.js';
import type { Generator } from '../random.js';
import { type CsvTable, toCsv } from './csv.js';
import { DataError } from './errors.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import { generatorFrom } from './split.js';

export const GENDERS = ['female', 'male'] as const;
export const REGIONS = ['north', 'south', 'east', 'west'] as const;
export const CATEGORIES = ['electronics', 'fashion', 'home', 'books', 'sports'] as const;

/** One user session with the seed paper's section 2.2 features. */
export interface SyntheticUser {
  /** Years, 18..75. */
  age: number;
  gender: (typeof GENDERS)[number];
  region: (typeof REGIONS)[number];
  /** Hour of day the session started, 0..23. */
  browseHour: number;
  /** Session duration in minutes (two decimals). */
  sessionMinutes: number;
  pagesViewed: number;
  /** Purchases in the last 12 months. */
  purchaseFrequency: number;
  /** Average amount per past purchase (0 without purchases). */
  purchaseAmount: number;
  preferredCategory: (typeof CATEGORIES)[number];
  /** The label: the rule's answer, after label noise. */
  purchased: boolean;
}

export type SyntheticFeatures = Omit<SyntheticUser, 'purchased'>;

/**
 * The hidden rule as a score; a user buys when it reaches PURCHASE_CUTOFF (2).
 *   +1.5  engaged session: at least 10 pages AND at least 5 minutes (an interaction)
 *   +1.0  loyal customer: 3 or more purchases in the last year (a threshold)
 *   +0.8  evening (18-23 h) AND a preferred category of electronics or fashion (impulse buys)
 *   +0.6  aged 25-45 AND an average purchase above 80 (a spending band)
 *   +0.5  region west AND category home
 *   -1.5  bounce: a session under 1.5 minutes
 *   -0.7  night browsing (0-5 h)
 * Gender does not enter the rule: a model that leans on it has learnt noise.
 */
export function purchaseScore(u: SyntheticFeatures): number {
  let s = 0;
  if (u.pagesViewed >= 10 && u.sessionMinutes >= 5) s += 1.5;
  if (u.purchaseFrequency >= 3) s += 1.0;
  if (u.browseHour >= 18 && (u.preferredCategory === 'electronics' || u.preferredCategory === 'fashion'))
    s += 0.8;
  if (u.age >= 25 && u.age <= 45 && u.purchaseAmount > 80) s += 0.6;
  if (u.region === 'west' && u.preferredCategory === 'home') s += 0.5;
  if (u.sessionMinutes < 1.5) s -= 1.5;
  if (u.browseHour < 6) s -= 0.7;
  return s;
}

/** It takes two signals to buy (an engaged session alone scores 1.5); about 19 % of users do. */
export const PURCHASE_CUTOFF = 2;

/** The noiseless answer of the hidden rule. */
export function purchaseRule(u: SyntheticFeatures): boolean {
  return purchaseScore(u) >= PURCHASE_CUTOFF;
}

export interface SyntheticOptions {
  /** Probability that a label is flipped; default 0.05. */
  labelNoise?: number;
  rng?: Generator;
  seed?: number;
}

function pick<T>(rng: Generator, items: readonly T[], weights: readonly number[]): T {
  let u = rng.random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items[items.length - 1];
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
const round2 = (v: number) => Math.round(v * 100) / 100;

function checkNoise(labelNoise: number): void {
  if (!(labelNoise >= 0 && labelNoise <= 0.5)) {
    throw new DataError(`synthetic: labelNoise must be in [0, 0.5], got ${labelNoise}`);
  }
}

/** n users drawn from plausible marginals, labelled by the hidden rule plus noise. */
export function syntheticUsers(n: number, options: SyntheticOptions = {}): SyntheticUser[] {
  checkOptions('syntheticUsers', options, DATA_OPTIONS.synthetic);
  if (!Number.isInteger(n) || n <= 0)
    throw new DataError(`synthetic: n must be a positive integer, got ${n}`);
  const labelNoise = options.labelNoise ?? 0.05;
  checkNoise(labelNoise);
  const rng = generatorFrom(options);
  const users: SyntheticUser[] = [];
  for (let i = 0; i < n; i++) {
    const age = Math.round(clamp(rng.normal(38, 12), 18, 75));
    const gender = pick(rng, GENDERS, [0.52, 0.48]);
    const region = pick(rng, REGIONS, [0.3, 0.25, 0.25, 0.2]);
    // Two daily peaks: lunchtime and evening, with a thin night tail.
    const browseHour = Math.floor(
      clamp(rng.random() < 0.45 ? rng.normal(13, 3) : rng.normal(20, 2.5), 0, 23.99),
    );
    // Log-normal durations: most sessions are short, a few are long (median about 4.5 minutes).
    const sessionMinutes = round2(Math.exp(rng.normal(1.5, 0.9)));
    const pagesViewed = Math.max(1, Math.round(sessionMinutes * 1.6 + rng.normal(0, 3)));
    const purchaseFrequency = Math.floor(-Math.log(1 - rng.random()) * 2.2);
    const purchaseAmount = purchaseFrequency === 0 ? 0 : round2(Math.exp(rng.normal(4, 0.6)));
    const preferredCategory = pick(rng, CATEGORIES, [0.25, 0.25, 0.2, 0.15, 0.15]);
    const features = {
      age,
      gender,
      region,
      browseHour,
      sessionMinutes,
      pagesViewed,
      purchaseFrequency,
      purchaseAmount,
      preferredCategory,
    };
    const flip = rng.random() < labelNoise;
    users.push({ ...features, purchased: purchaseRule(features) !== flip });
  }
  return users;
}

export const SYNTHETIC_COLUMNS = [
  'age',
  'gender',
  'region',
  'browseHour',
  'sessionMinutes',
  'pagesViewed',
  'purchaseFrequency',
  'purchaseAmount',
  'preferredCategory',
  'purchased',
] as const;

/** The users as a table (label 'purchased' as yes/no), ready for Preprocessor.fit. */
export function usersToTable(users: readonly SyntheticUser[]): CsvTable {
  return {
    header: [...SYNTHETIC_COLUMNS],
    rows: users.map((u) =>
      SYNTHETIC_COLUMNS.map((c) => (c === 'purchased' ? (u.purchased ? 'yes' : 'no') : String(u[c]))),
    ),
    lines: users.map((_, i) => i + 2),
    delimiter: ',',
  };
}

/** The users as CSV text with a header row. */
export function usersToCsv(users: readonly SyntheticUser[], delimiter = ','): string {
  const t = usersToTable(users);
  return toCsv(t.header, t.rows, delimiter);
}

export interface Section43Options extends SyntheticOptions {
  /** Rows; default 1000 as in the seed's section 4.3. */
  n?: number;
  /** Columns, at least 6; default 10. */
  features?: number;
}

const SECTION43_OPTIONS = mergeOptions(
  DATA_OPTIONS.synthetic,
  knownOptions<Omit<Section43Options, keyof SyntheticOptions>>({ n: true, features: true }),
);

export interface NumericDataset {
  /** rows x features, row-major. */
  x: Float32Array;
  y: Float32Array;
  rows: number;
  features: number;
  featureNames: string[];
}

/**
 * The hidden rule of the section 4.3 data, on standard-normal features x1..x10:
 *   z = x1 * x2                 an interaction: neither feature alone says anything
 *     + (x3^2 - 1)              a U shape: both extremes of x3 buy
 *     + 1.2 * [x4 > 0.5]        a threshold
 *     + 0.8 * sin(2 * x5)       a wiggle
 *     - 0.5 * x6                the one linear effect
 *     - 0.3                     offset so that about half the users buy
 *   purchase = z > 0, then label noise. x7..x10 are pure noise: a good model learns to ignore them.
 */
export function section43Score(row: ArrayLike<number>): number {
  const [x1, x2, x3, x4, x5, x6] = [row[0], row[1], row[2], row[3], row[4], row[5]];
  return x1 * x2 + (x3 * x3 - 1) + 1.2 * (x4 > 0.5 ? 1 : 0) + 0.8 * Math.sin(2 * x5) - 0.5 * x6 - 0.3;
}

/** n samples x `features` standard-normal features with the section 4.3 purchase label. */
export function section43Data(options: Section43Options = {}): NumericDataset {
  checkOptions('section43Data', options, SECTION43_OPTIONS);
  const n = options.n ?? 1000;
  const features = options.features ?? 10;
  const labelNoise = options.labelNoise ?? 0.05;
  if (!Number.isInteger(n) || n <= 0)
    throw new DataError(`section43Data: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(features) || features < 6) {
    throw new DataError(`section43Data: the rule uses 6 features, got features = ${features}`);
  }
  checkNoise(labelNoise);
  const rng = generatorFrom(options);
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * features, (i + 1) * features);
    for (let j = 0; j < features; j++) row[j] = rng.normal();
    const flip = rng.random() < labelNoise;
    y[i] = section43Score(row) > 0 !== flip ? 1 : 0;
  }
  const featureNames = Array.from({ length: features }, (_, j) => `x${j + 1}`);
  return { x, y, rows: n, features, featureNames };
}
