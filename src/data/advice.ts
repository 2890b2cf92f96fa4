/**
 * The remedies error messages suggest, in the words of whoever called: API option syntax for a
 * program (`impute: 'median'`), flags for `tensorgrad train` (`--impute median`), and for
 * `evaluate` / `predict`, which cannot change how a model was fitted, what to retrain with. The data
 * layer states what is wrong; the caller's Advice says what to do about it.
 */
export interface Advice {
  /** How to accept missing cells. */
  impute: string;
  /** How to read a column as categories. */
  categorical(column: string): string;
  /** How to read numbers written with a decimal comma. */
  decimalComma: string;
  /** How to leave a column out. */
  drop(column: string): string;
  /** How to allow more categories per column. */
  maxCategories: string;
  /** How to name the positive class. */
  positive: string;
  /** How to read a Latin-1 file. */
  latin1: string;
  /** What a column named in an option is called, as in "<role> 'x' not found". */
  option(name: 'categorical' | 'drop' | 'log1p' | 'label'): string;
}

export const API_ADVICE: Advice = {
  impute: "pass impute: 'mean' | 'median' | 'mode'",
  categorical: (c) => `pass categorical: ['${c}']`,
  decimalComma: 'pass decimalComma: true',
  drop: (c) => `pass drop: ['${c}']`,
  maxCategories: 'raise maxCategories',
  positive: 'pass positive: VALUE',
  latin1: "read it with encoding: 'latin1'",
  option: (name) => `${name} column`,
};

export const TRAIN_ADVICE: Advice = {
  impute: 'pass --impute mean, median or mode',
  categorical: (c) => `pass --categorical ${c}`,
  decimalComma: 'pass --decimal-comma',
  drop: (c) => `pass --drop ${c}`,
  maxCategories: 'raise --max-categories',
  positive: 'pass --positive VALUE',
  latin1: 'pass --encoding latin1',
  option: (name) => `--${name} column`,
};

/** For evaluate and predict: the encoding was fixed when the model was trained. */
export const SCORE_ADVICE: Advice = {
  ...TRAIN_ADVICE,
  impute: 'the model was trained without --impute, so fill the cell in or retrain with --impute',
  categorical: (c) => `retrain with --categorical ${c}`,
  decimalComma: 'retrain with --decimal-comma',
  drop: (c) => `retrain with --drop ${c}`,
  maxCategories: 'retrain with a higher --max-categories',
  positive: 'retrain with --positive VALUE',
};
