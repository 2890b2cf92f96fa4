export { type BatchOptions, batchIndices, gatherRows, numBatches } from './batches.js';
export {
  type CategoricalColumn,
  type Column,
  type ColumnTable,
  type NumericColumn,
  type ReadColumnsOptions,
  readCsvColumns,
} from './columnar.js';
export {
  BOOLEAN_PAIRS,
  type ColumnKind,
  isMissing,
  MISSING_TOKENS,
  parseBoolean,
  parseNumber,
  profileColumn,
} from './columns.js';
export {
  type CsvTable,
  columnIndex,
  detectDelimiter,
  type ParseCsvOptions,
  parseCsv,
  readCsv,
  selectRows,
  toCsv,
} from './csv.js';
export type { CsvEncoding, ScanProgress } from './csv-scan.js';
export {
  type PreparedDataset,
  type PreparedPart,
  type PrepareFileOptions,
  type PrepareOptions,
  type PreparePass,
  prepareCsvFile,
  prepareDataset,
} from './dataset.js';
export { type EncodedBlock, type EncodeFileOptions, encodeCsvFile } from './encode-file.js';
export { DataError } from './errors.js';
export { classWeights, type OversampleOptions, randomOversample, sampleWeights } from './imbalance.js';
export { encodeLabels, type FitLabelOptions, fitLabel, type LabelSpec } from './label.js';
export {
  type ColumnState,
  type Impute,
  type PreprocessOptions,
  Preprocessor,
  type PreprocessorState,
  type Transformed,
} from './preprocess.js';
export * from './sessions.js';
export { type Split, type SplitOptions, stratifiedSplit } from './split.js';
export {
  CATEGORIES,
  GENDERS,
  type NumericDataset,
  PURCHASE_CUTOFF,
  purchaseRule,
  purchaseScore,
  REGIONS,
  type Section43Options,
  type SyntheticFeatures,
  type SyntheticOptions,
  type SyntheticUser,
  section43Data,
  section43Score,
  syntheticUsers,
  usersToCsv,
  usersToTable,
} from './synthetic.js';
