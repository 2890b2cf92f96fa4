/**
 * The option names of the data layer's public functions, checked at their entry (src/options.ts):
 * a misspelt key such as `decimal_comma` or `maxCategory` is an error naming the known ones, never
 * a default used in silence. Internal calls pass only the keys each callee takes.
 */
import { checkOptions, type KnownOptions, knownOptions, mergeOptions } from '../options.js';
import type { BatchOptions } from './batches.js';
import type { ReadColumnsOptions } from './columnar.js';
import type { ParseCsvOptions } from './csv.js';
import type { PrepareFileOptions, PrepareOptions } from './dataset.js';
import type { EncodeFileOptions } from './encode-file.js';
import type { OversampleOptions } from './imbalance.js';
import type { FitLabelOptions } from './label.js';
import type { PreprocessOptions } from './preprocess.js';
import type { SplitOptions } from './split.js';
import type { SyntheticOptions } from './synthetic.js';

const SPLIT = knownOptions<SplitOptions>({
  test: true,
  validation: true,
  stratify: true,
  rng: true,
  seed: true,
});
const PREPROCESS = knownOptions<PreprocessOptions>({
  label: true,
  positive: true,
  task: true,
  categorical: true,
  drop: true,
  log1p: true,
  skewThreshold: true,
  impute: true,
  maxCategories: true,
  decimalComma: true,
  advice: true,
});
const PREPARE = mergeOptions(
  SPLIT,
  PREPROCESS,
  knownOptions<Omit<PrepareOptions, keyof PreprocessOptions | keyof SplitOptions>>({}),
);
const PREPARE_FILE = mergeOptions(
  PREPARE,
  knownOptions<Omit<PrepareFileOptions, keyof PrepareOptions>>({
    delimiter: true,
    encoding: true,
    onProgress: true,
  }),
);

export const DATA_OPTIONS = {
  parseCsv: knownOptions<ParseCsvOptions>({ delimiter: true, source: true, encoding: true }),
  readColumns: knownOptions<ReadColumnsOptions>({
    delimiter: true,
    encoding: true,
    decimalComma: true,
    categorical: true,
    onProgress: true,
  }),
  preprocess: PREPROCESS,
  prepare: PREPARE,
  prepareFile: PREPARE_FILE,
  split: SPLIT,
  batch: knownOptions<BatchOptions>({ shuffle: true, dropLast: true, rng: true, seed: true }),
  oversample: knownOptions<OversampleOptions>({ rng: true, seed: true }),
  fitLabel: knownOptions<FitLabelOptions>({ positive: true, task: true, advice: true }),
  synthetic: knownOptions<SyntheticOptions>({ labelNoise: true, rng: true, seed: true }),
  encodeFile: knownOptions<EncodeFileOptions>({
    delimiter: true,
    encoding: true,
    labels: true,
    keepRecords: true,
    strict: true,
    advice: true,
    onProgress: true,
  }),
} satisfies Record<string, KnownOptions>;

export { checkOptions };
