/**
 * Event logs: one row per event, many rows per session, rows in any order. The file is read once
 * into typed columns (columnar.ts), its rows are grouped by the session column (a counting sort on
 * the session's dictionary code) and each session's events are ordered by the order column (a
 * number, or a date and time), file order breaking ties. Each session becomes one example: the
 * last `maxLength` events, left-padded, as a [steps, features] block of floats laid out for the
 * StepFeatures layer:
 *
 *   channel 0           1 for an event, 0 for padding (the mask of the sequence layers)
 *   channels 1..k       the code of each text column (0: missing, unseen or rare; 1..V: a value)
 *   the rest            each number column z-scored (log1p first when skewed and non-negative),
 *                       a 0/1 channel for each number column that has missing cells (the cell then
 *                       holds 0, the mean), and the time since the session's previous event
 *                       (log1p-scaled), when the order column is a number or a date
 *
 * Every statistic (vocabularies, means, spreads, the default length) comes from the training
 * sessions. Next to the sequences, each session is also summarized as one row of aggregates (its
 * number of events, the count of each value of each text column, the sum and mean of each number),
 * the input of the dense baseline that shows whether the order of events carried signal.
 *
 * This is the data layer: it knows columns, sessions and numbers, never models.
 */

import { checkOptions, knownOptions } from '../options.js';
import { type Advice, API_ADVICE } from './advice.js';
import { type Column, type ColumnTable, readCsvColumns } from './columnar.js';
import { parseNumber } from './columns.js';
import { missingColumnMessage } from './csv.js';
import type { CsvEncoding, ScanProgress } from './csv-scan.js';
import { classStrata, quantileBins, scaleTarget, trainingTarget } from './dataset.js';
import { DataError, quoteList } from './errors.js';
import { LabelReader, type LabelSpec, labelsOf, labelValue, labelValues, type Task } from './label.js';
import { RowCells } from './records.js';
import { stratifiedSplit } from './split.js';
import { Moments } from './stats.js';

export interface EventLogOptions {
  /** The column that names each event's session. */
  sequenceBy: string;
  /** The column that orders the events of a session: numbers, or dates and times. */
  orderBy: string;
  /** The column to predict; constant within a session. */
  label: string;
  positive?: string;
  task?: Task;
  /** Columns to leave out. */
  drop?: string[];
  /** Columns of numbers to read as categories (integer codes). */
  categorical?: string[];
  /** The most distinct values a text column keeps (the most frequent; the rest share code 0). Default 100. */
  maxCategories?: number;
  /** Events kept per session (the last ones). Default: the 95th percentile of the training sessions' lengths. */
  maxLength?: number;
  decimalComma?: boolean;
  delimiter?: string;
  encoding?: CsvEncoding;
  test?: number;
  validation?: number;
  seed?: number;
  advice?: Advice;
  onProgress?: (progress: ScanProgress) => void;
}

const EVENT_LOG_OPTIONS = knownOptions<EventLogOptions>({
  sequenceBy: true,
  orderBy: true,
  label: true,
  positive: true,
  task: true,
  drop: true,
  categorical: true,
  maxCategories: true,
  maxLength: true,
  decimalComma: true,
  delimiter: true,
  encoding: true,
  test: true,
  validation: true,
  seed: true,
  advice: true,
  onProgress: true,
});

/** Longest sequence the default length may choose (a longer one is asked for with maxLength). */
export const DEFAULT_MAX_LENGTH_CAP = 200;

export type EventColumnState =
  | { name: string; kind: 'categorical'; values: string[] }
  | { name: string; kind: 'numeric'; log1p: boolean; mean: number; std: number; missing: boolean };

/** Everything needed to turn another event log into the same numbers: saved with the model. */
export interface EventLogState {
  sequenceBy: string;
  orderBy: string;
  /** How the order column reads: numbers, or dates and times (milliseconds). */
  order: 'number' | 'time';
  label: LabelSpec;
  decimalComma: boolean;
  columns: EventColumnState[];
  /** Scaling of log1p(time since the previous event): seconds for dates, the column's units for numbers. */
  gap: { mean: number; std: number };
  maxLength: number;
  /** Aggregate columns' z-scoring (training sessions). */
  aggregates: { names: string[]; mean: number[]; std: number[] };
}

/** Sessions encoded for a model: `rows` examples of [steps, features]. */
export interface SessionPart {
  /** rows x steps x features, row-major. */
  x: Float32Array;
  /** rows x aggregate columns. */
  aggregates: Float32Array;
  /** The training target of each session (0/1, class index, standardized number); empty without labels. */
  y: Float32Array;
  rows: number;
  /** Which sessions these are (indices into `sessions`, ascending). */
  indices: Int32Array;
}

export interface PreparedEventLog {
  source: { rows: number; header: readonly string[]; delimiter: string; sessions: number };
  notes: string[];
  state: EventLogState;
  /** Per step. */
  steps: number;
  features: number;
  featureNames: string[];
  /** Session ids, sorted (so the order of the rows in the file changes nothing). */
  sessions: string[];
  /** Events of each session (before cutting to maxLength). */
  lengths: Int32Array;
  train: SessionPart;
  validation: SessionPart;
  test: SessionPart;
}

/** Sessions grouped and ordered: events[start[s] .. start[s + 1]) are session s's rows, in order. */
interface Grouped {
  ids: string[];
  start: Int32Array;
  events: Int32Array;
  /** The order column as numbers (ms for times), per row. */
  key: Float64Array;
}

/** Reads an event log, splits its sessions and encodes them for training. */
export async function prepareEventLog(path: string, options: EventLogOptions): Promise<PreparedEventLog> {
  checkOptions('prepareEventLog', options, EVENT_LOG_OPTIONS);
  const advice = options.advice ?? API_ADVICE;
  const table = await readEventTable(path, options, [options.label]);
  const notes: string[] = [];
  const roles = resolveRoles(table, options, advice, true);
  const decimalComma = settleDecimalComma(table, options, roles.forced, notes);
  for (const c of table.columns) {
    if (roles.features.has(c.name) && !roles.forced.has(c.name)) checkMostlyNumbers(c, decimalComma, advice);
  }
  const grouped = groupSessions(table, roles.session, roles.order, decimalComma);
  const sessionLabels = constantLabels(table, roles.label!, grouped);

  // The label's spec from one value per session, as a table's from one per row.
  const reader = new LabelReader(options.label, 0, decimalComma);
  const cells = new RowCells();
  sessionLabels.forEach((v, s) => reader.visit(cells.set([v], s + 2)));
  let label = reader.spec({ positive: options.positive, task: options.task, advice });
  const caseNote = reader.caseNote();
  if (caseNote) notes.push(caseNote);
  const y = labelsOf(reader, label);
  const strata = label.task === 'regression' ? quantileBins(y, 10) : classStrata(y, label);
  const split = stratifiedSplit(strata, {
    test: options.test ?? 0.2,
    validation: options.validation ?? 0.15,
    seed: options.seed ?? 42,
  });
  if (label.task === 'regression') label = scaleTarget(label, y, split.train);

  const lengths = sessionLengths(grouped);
  const maxLength = chooseMaxLength(options.maxLength, lengths, split.train, notes);
  const features = table.columns.filter((c) => roles.features.has(c.name));
  const state: EventLogState = {
    sequenceBy: options.sequenceBy,
    orderBy: options.orderBy,
    order: roles.order.kind === 'numeric' ? 'number' : 'time',
    label,
    decimalComma,
    columns: fitColumns(features, grouped, split.train, maxLength, options.maxCategories ?? 100, notes),
    gap: fitGap(grouped, split.train, maxLength, roles.order.kind === 'numeric'),
    maxLength,
    aggregates: { names: [], mean: [], std: [] },
  };
  const encoder = new SessionEncoder(state, table);
  const target = trainingTarget(label);
  const part = (indices: Int32Array): SessionPart => {
    const p = encoder.encode(grouped, indices);
    for (let k = 0; k < indices.length; k++) p.y[k] = target(y[indices[k]]);
    return p;
  };
  // The training sessions first: their raw aggregates give the scaling the other parts use.
  const train = part(split.train);
  state.aggregates = encoder.fitAggregates(train);
  return {
    source: {
      rows: table.rows,
      header: table.header,
      delimiter: table.delimiter,
      sessions: grouped.ids.length,
    },
    notes,
    state,
    steps: maxLength,
    features: encoder.width,
    featureNames: encoder.names,
    sessions: grouped.ids,
    lengths,
    train,
    validation: part(split.validation),
    test: part(split.test),
  };
}

export interface EncodedEventLog {
  sessions: string[];
  lengths: Int32Array;
  part: SessionPart;
  /** Each session's label value as the model's target (0/1, class index, number on the file's scale), when read. */
  labels: Float64Array | null;
  /** Values of text columns never seen in training, per column (they encode as code 0). */
  unseen: Array<{ column: string; count: number; examples: string[] }>;
  source: { rows: number; delimiter: string };
}

/** Encodes another event log with a trained model's state, for evaluation (labels) or prediction. */
export async function encodeEventLog(
  path: string,
  state: EventLogState,
  options: {
    labels: 'require' | 'ignore';
    delimiter?: string;
    encoding?: CsvEncoding;
    onProgress?: (p: ScanProgress) => void;
  },
): Promise<EncodedEventLog> {
  const wantLabels = options.labels === 'require';
  const table = await readEventTable(
    path,
    {
      sequenceBy: state.sequenceBy,
      decimalComma: state.decimalComma,
      categorical: state.columns.filter((c) => c.kind === 'categorical').map((c) => c.name),
      delimiter: options.delimiter,
      encoding: options.encoding,
      onProgress: options.onProgress,
    },
    wantLabels ? [state.label.column] : [],
  );
  const advice = API_ADVICE;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const need = (name: string, role: string) => {
    const c = byName.get(name);
    if (!c) throw new DataError(missingColumnMessage(name, table.header, role), { column: name });
    return c;
  };
  const session = need(state.sequenceBy, 'session column (--sequence-by)');
  const order = need(state.orderBy, 'order column (--order-by)');
  for (const c of state.columns) need(c.name, 'event column the model was trained on');
  if (state.order === 'number' && order.kind !== 'numeric') {
    throw new DataError(
      `order column '${state.orderBy}' held numbers when the model was trained, but this file has text in it (such as '${order.kind === 'categorical' ? order.categories[0] : ''}')`,
      { column: state.orderBy },
    );
  }
  void advice;
  const grouped = groupSessions(table, session, order, state.decimalComma);
  let labels: Float64Array | null = null;
  if (wantLabels) {
    const values = constantLabels(table, need(state.label.column, 'label column'), grouped);
    labels = new Float64Array(values.length);
    const spec = state.label;
    values.forEach((v, s) => {
      labels![s] = labelOf(spec, v, grouped.ids[s]);
    });
  }
  const encoder = new SessionEncoder(state, table);
  const all = Int32Array.from({ length: grouped.ids.length }, (_, s) => s);
  const part = encoder.encode(grouped, all);
  return {
    sessions: grouped.ids,
    lengths: sessionLengths(grouped),
    part,
    labels,
    unseen: encoder.unseenReport(),
    source: { rows: table.rows, delimiter: table.delimiter },
  };
}

/** A session's label value as a target on the file's scale, or a clear error. */
function labelOf(spec: LabelSpec, text: string, session: string): number {
  if (spec.task === 'regression') {
    const v = parseNumber(text, spec.decimalComma ?? false);
    if (v === null) {
      throw new DataError(
        `session '${session}': the label '${spec.column}' is '${text}', not a number (the model predicts numbers)`,
        { column: spec.column, value: text },
      );
    }
    return v;
  }
  // Classes read as the tables read them (case folded, the same true/false pairs).
  const v = labelValue(spec, text);
  if (v >= 0) return v;
  throw new DataError(
    `session '${session}': the label '${spec.column}' is '${text}', a value the model was not trained on (its values: ${quoteList(labelValues(spec))})`,
    { column: spec.column, value: text },
  );
}

// ---- reading and roles ----

async function readEventTable(
  path: string,
  options: Pick<
    EventLogOptions,
    'sequenceBy' | 'categorical' | 'decimalComma' | 'delimiter' | 'encoding' | 'onProgress'
  >,
  labels: string[],
): Promise<ColumnTable> {
  return readCsvColumns(path, {
    delimiter: options.delimiter,
    encoding: options.encoding,
    // Decimal commas are settled after reading (settleDecimalComma), so cells keep their text.
    decimalComma: options.decimalComma === true,
    // Session ids and labels keep their exact text; listed columns are categories.
    categorical: [options.sequenceBy, ...labels, ...(options.categorical ?? [])],
    onProgress: options.onProgress,
  });
}

interface Roles {
  session: Column;
  order: Column;
  label: Column | null;
  features: Set<string>;
  forced: Set<string>;
}

function resolveRoles(
  table: ColumnTable,
  options: EventLogOptions,
  advice: Advice,
  training: boolean,
): Roles {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const flag = (api: string, cli: string) => (advice === API_ADVICE ? api : cli);
  const need = (name: string, role: string) => {
    const c = byName.get(name);
    if (!c) throw new DataError(missingColumnMessage(name, table.header, role), { column: name });
    return c;
  };
  const session = need(options.sequenceBy, flag('sequenceBy column', '--sequence-by column'));
  const order = need(options.orderBy, flag('orderBy column', '--order-by column'));
  const label = training ? need(options.label, advice.option('label')) : null;
  const roles = [options.sequenceBy, options.orderBy, options.label];
  for (let a = 0; a < roles.length; a++) {
    for (let b = a + 1; b < roles.length; b++) {
      if (roles[a] === roles[b]) {
        throw new DataError(
          `column '${roles[a]}' is named twice among the session, order and label columns; each needs its own column`,
          { column: roles[a] },
        );
      }
    }
  }
  for (const name of [...(options.drop ?? []), ...(options.categorical ?? [])]) {
    need(name, advice.option(options.drop?.includes(name) ? 'drop' : 'categorical'));
  }
  const features = new Set(
    table.header.filter((h) => !roles.includes(h) && !(options.drop ?? []).includes(h)),
  );
  return { session, order, label, features, forced: new Set(options.categorical ?? []) };
}

/**
 * Without a decision about decimal commas, a file not separated by commas whose text column holds
 * only numbers written with one (12,5) is read as numbers, with a note; with commas as the
 * separator a comma cannot be a decimal mark.
 */
function settleDecimalComma(
  table: ColumnTable,
  options: EventLogOptions,
  forced: Set<string>,
  notes: string[],
): boolean {
  if (options.decimalComma !== undefined || table.delimiter === ',') return options.decimalComma ?? false;
  const converted: string[] = [];
  table.columns.forEach((c, i) => {
    if (
      c.kind !== 'categorical' ||
      forced.has(c.name) ||
      [options.sequenceBy, options.label].includes(c.name)
    )
      return;
    const numbers = c.categories.map((v) => parseNumber(v, true));
    if (!numbers.every((v) => v !== null) || !c.categories.some((v) => v.includes(','))) return;
    const values = new Float64Array(c.codes.length);
    for (let r = 0; r < values.length; r++)
      values[r] = c.codes[r] < 0 ? Number.NaN : (numbers[c.codes[r]] as number);
    table.columns[i] = { name: c.name, kind: 'numeric', values, missing: c.missing };
    converted.push(c.name);
  });
  if (converted.length === 0) return false;
  notes.push(
    `numbers written with a decimal comma (12,5) in ${quoteList(converted)}; read as numbers (--no-decimal-comma keeps them text)`,
  );
  return true;
}

/**
 * A text column whose cells are mostly numbers is a column of numbers with a few bad cells, not
 * hundreds of categories: refused as the tables refuse it, naming the cells that are not numbers.
 */
function checkMostlyNumbers(c: Column, decimalComma: boolean, advice: Advice): void {
  if (c.kind !== 'categorical') return;
  const counts = new Float64Array(c.categories.length);
  let first = -1;
  for (let r = 0; r < c.codes.length; r++) {
    if (c.codes[r] >= 0) counts[c.codes[r]]++;
  }
  const numeric = c.categories.map((v) => parseNumber(v, decimalComma) !== null);
  let numbers = 0;
  let present = 0;
  const text: string[] = [];
  c.categories.forEach((v, k) => {
    present += counts[k];
    if (numeric[k]) numbers += counts[k];
    else if (text.length < 3) text.push(v);
  });
  if (present === 0 || numbers / present < 0.5 || numbers === present) return;
  for (let r = 0; r < c.codes.length && first < 0; r++)
    if (c.codes[r] >= 0 && !numeric[c.codes[r]]) first = r;
  const share = (100 * (present - numbers)) / present;
  throw new DataError(
    `column '${c.name}' holds numbers, but ${share < 1 ? share.toFixed(2) : Math.round(share)} % of its ${present} values are not (${numbers} are): ` +
      `${text.map((v) => `'${v}'`).join(', ')}${present - numbers > text.length ? ', ...' : ''} (first on data row ${first + 1}); ` +
      `mark such cells missing (empty or NA) to read the column as numbers, or ${advice.categorical(c.name)} to read it as categories`,
    { row: first + 2, column: c.name, value: c.categories[c.codes[first]] },
  );
}

// ---- sessions ----

/** Groups rows by session (first-appearance order of sessions) and orders each session's rows. */
function groupSessions(table: ColumnTable, session: Column, order: Column, decimalComma: boolean): Grouped {
  if (session.kind !== 'categorical') throw new Error('events: the session column must be read as text');
  const n = table.rows;
  if (n === 0) throw new DataError('the event log has no rows');
  // Sessions in the order of their ids, so the order of the rows changes nothing, not even the split.
  const byId = Int32Array.from(session.categories.keys()).sort((a, b) => {
    const [x, y] = [session.categories[a], session.categories[b]];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const ids = Array.from(byId, (k) => session.categories[k]);
  const rank = new Int32Array(byId.length);
  byId.forEach((k, i) => {
    rank[k] = i;
  });
  const codes = new Int32Array(n);
  for (let r = 0; r < n; r++) codes[r] = session.codes[r] < 0 ? -1 : rank[session.codes[r]];
  const start = new Int32Array(ids.length + 1);
  for (let r = 0; r < n; r++) {
    if (codes[r] < 0) {
      throw new DataError(
        `data row ${r + 1}: the session column '${session.name}' is empty; every event needs its session`,
        { row: r + 2, column: session.name },
      );
    }
    start[codes[r] + 1]++;
  }
  for (let s = 0; s < ids.length; s++) start[s + 1] += start[s];
  const next = start.slice(0, ids.length);
  const events = new Int32Array(n);
  for (let r = 0; r < n; r++) events[next[codes[r]]++] = r;
  const key = orderKeys(order, decimalComma);
  for (let s = 0; s < ids.length; s++) {
    const a = start[s];
    const b = start[s + 1];
    let sorted = true;
    for (let i = a + 1; i < b && sorted; i++) sorted = key[events[i - 1]] <= key[events[i]];
    if (sorted) continue;
    // Rows ascend within the slice (the counting sort keeps file order), so ties keep file order.
    const slice = Array.from(events.subarray(a, b));
    slice.sort((p, q) => key[p] - key[q] || p - q);
    events.set(slice, a);
  }
  return { ids, start, events, key };
}

/** The order column as numbers: its values, or each date and time in milliseconds. */
function orderKeys(order: Column, decimalComma: boolean): Float64Array {
  const n = order.kind === 'numeric' ? order.values.length : order.codes.length;
  const key = new Float64Array(n);
  if (order.kind === 'numeric') key.set(order.values);
  else {
    const times = order.categories.map((v) => parseTime(v, decimalComma));
    for (let r = 0; r < n; r++) key[r] = order.codes[r] < 0 ? Number.NaN : times[order.codes[r]];
  }
  for (let r = 0; r < n; r++) {
    if (Number.isNaN(key[r])) {
      const cell =
        order.kind === 'categorical' && order.codes[r] >= 0 ? order.categories[order.codes[r]] : '';
      throw new DataError(
        cell === ''
          ? `data row ${r + 1}: the order column '${order.name}' is empty; every event needs its place in the session`
          : `data row ${r + 1}: the order column '${order.name}' has '${cell}', neither a number nor a date and time (such as 2024-03-01T10:15:00Z)`,
        { row: r + 2, column: order.name, value: cell },
      );
    }
  }
  return key;
}

/** A date and time (ISO 8601, or what Date.parse reads) in milliseconds, or NaN. */
function parseTime(text: string, decimalComma: boolean): number {
  const v = parseNumber(text, decimalComma);
  if (v !== null) return v;
  // Date.parse reads bare dates and times as local time; a log's "2024-03-01 10:15:00" is kept as written (UTC).
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
    ? `${text.replace(' ', 'T')}Z`
    : text;
  return Date.parse(iso);
}

function sessionLengths(g: Grouped): Int32Array {
  const out = new Int32Array(g.ids.length);
  for (let s = 0; s < out.length; s++) out[s] = g.start[s + 1] - g.start[s];
  return out;
}

/** Each session's label text; it must be the same on all its events. */
function constantLabels(table: ColumnTable, label: Column, g: Grouped): string[] {
  if (label.kind !== 'categorical') throw new Error('events: the label column must be read as text');
  const out: string[] = new Array(g.ids.length);
  for (let s = 0; s < g.ids.length; s++) {
    const first = g.events[g.start[s]];
    const code = label.codes[first];
    for (let i = g.start[s]; i < g.start[s + 1]; i++) {
      const r = g.events[i];
      if (label.codes[r] < 0) {
        throw new DataError(
          `data row ${r + 1}: the label column '${label.name}' is empty (session '${g.ids[s]}'); every event of a session carries its label`,
          { row: r + 2, column: label.name },
        );
      }
      if (label.codes[r] !== code) {
        throw new DataError(
          `session '${g.ids[s]}' has two values of the label '${label.name}': '${label.categories[code]}' (data row ${first + 1}) and '${label.categories[label.codes[r]]}' (data row ${r + 1}); the label must be the same on every event of a session`,
          { row: r + 2, column: label.name, value: label.categories[label.codes[r]] },
        );
      }
    }
    out[s] = label.categories[code];
  }
  void table;
  return out;
}

/** The steps per example: asked for, or the 95th percentile of the training sessions' lengths. */
function chooseMaxLength(
  asked: number | undefined,
  lengths: Int32Array,
  train: Int32Array,
  notes: string[],
): number {
  if (asked !== undefined) {
    if (!Number.isInteger(asked) || asked < 1)
      throw new DataError(`maxLength must be a positive whole number, got ${asked}`);
    return asked;
  }
  const l = Int32Array.from(train, (s) => lengths[s]).sort();
  const p95 = l[Math.min(l.length - 1, Math.ceil(0.95 * l.length) - 1)];
  const median = l[Math.floor((l.length - 1) / 2)];
  const chosen = Math.max(1, Math.min(DEFAULT_MAX_LENGTH_CAP, p95));
  const cut = l.filter((v) => v > chosen).length;
  notes.push(
    `sessions have ${median} events (median), ${p95} at the 95th percentile, ${l[l.length - 1]} at most; ` +
      `the last ${chosen} events of each are kept (${((100 * cut) / l.length).toFixed(1)} % of training sessions are cut; --max-length chooses)`,
  );
  return chosen;
}

/** The rows of session s that are kept: its last maxLength events. */
function keptRange(g: Grouped, s: number, maxLength: number): [number, number] {
  const b = g.start[s + 1];
  return [Math.max(g.start[s], b - maxLength), b];
}

// ---- fitting ----

function fitColumns(
  columns: Column[],
  g: Grouped,
  train: Int32Array,
  maxLength: number,
  maxCategories: number,
  notes: string[],
): EventColumnState[] {
  return columns.map((c) => {
    if (c.kind === 'categorical') {
      const counts = new Float64Array(c.categories.length);
      for (const s of train) {
        const [a, b] = keptRange(g, s, maxLength);
        for (let i = a; i < b; i++) {
          const code = c.codes[g.events[i]];
          if (code >= 0) counts[code]++;
        }
      }
      const seen = [...counts.keys()].filter((k) => counts[k] > 0);
      seen.sort((p, q) => counts[q] - counts[p] || p - q);
      if (seen.length > maxCategories) {
        notes.push(
          `column '${c.name}' has ${seen.length} distinct values in the training sessions; the ${maxCategories} most frequent are kept, the others share one code (--max-categories)`,
        );
      }
      return {
        name: c.name,
        kind: 'categorical',
        values: seen.slice(0, maxCategories).map((k) => c.categories[k]),
      };
    }
    const plain = new Moments();
    const logged = new Moments();
    let min = Number.POSITIVE_INFINITY;
    let missing = false;
    for (const s of train) {
      const [a, b] = keptRange(g, s, maxLength);
      for (let i = a; i < b; i++) {
        const v = c.values[g.events[i]];
        if (Number.isNaN(v)) {
          missing = true;
          continue;
        }
        plain.add(v);
        if (v < min) min = v;
        if (min >= 0) logged.add(Math.log1p(v));
      }
    }
    if (plain.n === 0) {
      throw new DataError(
        `column '${c.name}' has no numbers in the training sessions; leave it out with --drop ${c.name}`,
        {
          column: c.name,
        },
      );
    }
    const log1p = min >= 0 && plain.skewness > 1;
    const m = log1p ? logged : plain;
    if (!Number.isFinite(m.mean) || !Number.isFinite(m.std)) {
      throw new DataError(
        `column '${c.name}': its values overflow the mean or spread (the largest is ${c.values.reduce((p, v) => (Math.abs(v) > p ? Math.abs(v) : p), 0)}); fix or drop the column`,
        { column: c.name },
      );
    }
    return { name: c.name, kind: 'numeric', log1p, mean: m.mean, std: m.std > 0 ? m.std : 1, missing };
  });
}

/** log1p of the time since the previous event (0 for a session's first), over training sessions. */
function fitGap(
  g: Grouped,
  train: Int32Array,
  maxLength: number,
  numeric: boolean,
): { mean: number; std: number } {
  const m = new Moments();
  for (const s of train) {
    const [a, b] = keptRange(g, s, maxLength);
    for (let i = a; i < b; i++) m.add(gapAt(g, s, i, numeric));
  }
  return { mean: m.mean, std: m.std > 0 ? m.std : 1 };
}

function gapAt(g: Grouped, s: number, i: number, numeric: boolean): number {
  if (i === g.start[s]) return 0;
  const d = g.key[g.events[i]] - g.key[g.events[i - 1]];
  return Math.log1p(Math.max(0, numeric ? d : d / 1000));
}

// ---- encoding ----

/** Turns sessions into [steps, features] examples and aggregate rows, by a fitted state. */
class SessionEncoder {
  readonly width: number;
  readonly names: string[];
  private readonly cats: Array<{ column: Column & { kind: 'categorical' }; map: Int32Array; size: number }> =
    [];
  private readonly nums: Array<{
    column: Column & { kind: 'numeric' };
    state: EventColumnState & { kind: 'numeric' };
  }> = [];
  private readonly unseen = new Map<string, { count: number; examples: Set<string> }>();
  private readonly numeric: boolean;

  constructor(
    private readonly state: EventLogState,
    table: ColumnTable,
  ) {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    this.numeric = state.order === 'number';
    for (const st of state.columns) {
      const column = byName.get(st.name)!;
      if (st.kind === 'categorical') {
        if (column.kind !== 'categorical')
          throw new Error(`events: column '${st.name}' must be read as text`);
        const index = new Map(st.values.map((v, k) => [v, k + 1]));
        // Each of this file's categories to the model's code (0: unseen).
        const map = Int32Array.from(column.categories, (v) => index.get(v) ?? 0);
        this.cats.push({ column, map, size: st.values.length + 1 });
      } else {
        if (column.kind !== 'numeric') {
          const example = column.categories.find((v) => parseNumber(v, state.decimalComma) === null) ?? '';
          throw new DataError(
            `column '${st.name}' held numbers in training, but has text here (such as '${example}')`,
            { column: st.name, value: example },
          );
        }
        this.nums.push({ column, state: st });
      }
    }
    this.names = [
      'event',
      ...this.cats.map((c) => c.column.name),
      ...this.nums.map((n) => n.column.name),
      ...this.nums.filter((n) => n.state.missing).map((n) => `${n.column.name} missing`),
      `${state.orderBy} gap`,
    ];
    this.width = this.names.length;
  }

  /** Encodes the sessions `indices`: their steps, and their aggregate rows (z-scored once fitted). */
  encode(g: Grouped, indices: Int32Array): SessionPart {
    const T = this.state.maxLength;
    const F = this.width;
    const A = this.aggregateNames().length;
    const rows = indices.length;
    const x = new Float32Array(rows * T * F);
    const aggregates = new Float32Array(rows * A);
    for (let k = 0; k < rows; k++) {
      const s = indices[k];
      const [a, b] = keptRange(g, s, T);
      const first = (k * T + (T - (b - a))) * F; // left padding
      for (let i = a, o = first; i < b; i++, o += F) this.step(g, s, i, x, o);
      this.aggregate(x, first, b - a, aggregates, k * A);
    }
    const { mean, std } = this.state.aggregates;
    if (mean.length === A) {
      for (let k = 0; k < rows; k++) {
        for (let j = 0; j < A; j++) aggregates[k * A + j] = (aggregates[k * A + j] - mean[j]) / std[j];
      }
    }
    return { x, aggregates, y: new Float32Array(rows), rows, indices };
  }

  private step(g: Grouped, s: number, i: number, x: Float32Array, o: number): void {
    const r = g.events[i];
    let f = o;
    x[f++] = 1;
    for (const c of this.cats) x[f++] = this.code(c, r);
    let m = f + this.nums.length;
    for (const n of this.nums) {
      const v = n.column.values[r];
      if (Number.isNaN(v)) {
        x[f++] = 0;
        if (n.state.missing) x[m++] = 1;
      } else {
        const { log1p, mean, std } = n.state;
        x[f++] = ((log1p ? Math.log1p(Math.max(0, v)) : v) - mean) / std;
        if (n.state.missing) x[m++] = 0;
      }
    }
    x[m] = (gapAt(g, s, i, this.numeric) - this.state.gap.mean) / this.state.gap.std;
  }

  private code(c: (typeof this.cats)[number], r: number): number {
    const raw = c.column.codes[r];
    if (raw < 0) return 0;
    const code = c.map[raw];
    if (code === 0) {
      const name = c.column.name;
      const u = this.unseen.get(name) ?? { count: 0, examples: new Set<string>() };
      u.count++;
      if (u.examples.size < 3) u.examples.add(c.column.categories[raw]);
      this.unseen.set(name, u);
    }
    return code;
  }

  /** Values not kept in training (unseen or rare), per column. */
  unseenReport(): Array<{ column: string; count: number; examples: string[] }> {
    return [...this.unseen].map(([column, u]) => ({ column, count: u.count, examples: [...u.examples] }));
  }

  /** The aggregate columns' names: events, counts of each value, sums and means of numbers. */
  aggregateNames(): string[] {
    const names = ['events'];
    for (const c of this.cats) {
      names.push(`${c.column.name}=(other)`);
      const st = this.state.columns.find((s) => s.name === c.column.name) as { values: string[] };
      for (const v of st.values) names.push(`${c.column.name}=${v}`);
    }
    for (const n of this.nums) names.push(`sum ${n.column.name}`, `mean ${n.column.name}`);
    names.push(`sum ${this.state.orderBy} gap`, `mean ${this.state.orderBy} gap`);
    return names;
  }

  /** One session's raw aggregates from its encoded steps x[first, first + count * width). */
  private aggregate(x: Float32Array, first: number, count: number, out: Float32Array, row: number): void {
    const F = this.width;
    out[row] = count;
    const numbers = row + 1 + this.cats.reduce((t, c) => t + c.size, 0);
    for (let e = 0, o = first; e < count; e++, o += F) {
      let col = row + 1;
      for (let j = 0; j < this.cats.length; j++) {
        out[col + x[o + 1 + j]]++;
        col += this.cats[j].size;
      }
      for (let j = 0; j < this.nums.length; j++) out[numbers + 2 * j] += x[o + 1 + this.cats.length + j];
      out[numbers + 2 * this.nums.length] += x[o + F - 1];
    }
    for (let j = 0; j <= this.nums.length; j++)
      out[numbers + 2 * j + 1] = out[numbers + 2 * j] / Math.max(1, count);
  }

  /** The aggregates' scaling from the training sessions' raw rows; z-scores those rows in place. */
  fitAggregates(part: SessionPart): EventLogState['aggregates'] {
    const names = this.aggregateNames();
    const A = names.length;
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < A; j++) {
      const m = new Moments();
      for (let k = 0; k < part.rows; k++) m.add(part.aggregates[k * A + j]);
      const sd = m.std > 0 ? m.std : 1;
      mean.push(m.n > 0 ? m.mean : 0);
      std.push(sd);
      for (let k = 0; k < part.rows; k++)
        part.aggregates[k * A + j] = (part.aggregates[k * A + j] - mean[j]) / sd;
    }
    return { names, mean, std };
  }
}
