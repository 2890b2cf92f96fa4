/**
 * Synthetic event logs of shop sessions, after the seed paper's section 2.1 (users browse, search,
 * add to cart, remove, view the cart, check out and pay), one row per event, with a purchase label
 * that depends on the ORDER of the events: the same counts of each event can end either way. For
 * tests, the teaching script and the README: a sequence model should beat any model of per-session
 * totals on these logs, and the rules below say why.
 *
 * The story of a session is a Markov chain over events (SESSION_TRANSITIONS). It starts with
 * browse or search; each event leads to the next with fixed probabilities, within what a shop
 * allows: remove, view_cart, checkout and pay need a non-empty cart, and pay a checkout earlier in
 * the session. `pay` is a payment attempt (once the session has checked out, the pay button stays,
 * whatever the cart did since); the shop accepts it or declines it by the rules below, and
 * the user carries on accordingly (after a decline: check out, look at the cart, or give up). Each
 * event has a category and a price (browse, search, add, remove), a dwell time (seconds until the
 * next event) and the session's device.
 *
 * The label, `purchased`, is whether a payment went through (sessionPurchaseRule): a `pay` event P
 * is accepted when there is a `checkout` C before it such that
 *   R1. no add_to_cart or remove_from_cart comes between C and P: the order placed at checkout is
 *       the order paid for, and a payment without a checkout before it (one-click, or after the
 *       cart changed) is declined;
 *   R2. at most 15 minutes (CHECKOUT_EXPIRES_SECONDS) pass from C to P: a checkout expires.
 * Then labelNoise flips a few labels. Both rules are about where events sit, not how many there
 * are: "add, checkout, pay" buys and "add, pay, checkout" does not, with the same counts.
 */

import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { checkOptions, knownOptions } from '../options.js';
import type { Generator } from '../random.js';
import { toCsv } from './csv.js';
import { DataError } from './errors.js';
import { generatorFrom } from './split.js';

export const SESSION_EVENTS = [
  'browse',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'view_cart',
  'checkout',
  'pay',
] as const;
export type SessionEventType = (typeof SESSION_EVENTS)[number];

export const SESSION_CATEGORIES = ['electronics', 'fashion', 'home', 'books', 'sports'] as const;
export const SESSION_DEVICES = ['desktop', 'mobile', 'tablet'] as const;

/** A checkout older than this (seconds) has expired by the time of the payment (rule R2). */
export const CHECKOUT_EXPIRES_SECONDS = 15 * 60;

export interface SessionEvent {
  type: SessionEventType;
  /** Milliseconds since the Unix epoch. */
  time: number;
  /** The product's category (browse, search, add, remove), else null. */
  category: (typeof SESSION_CATEGORIES)[number] | null;
  /** The product's price (browse, add, remove), else null (a missing cell in the CSV). */
  price: number | null;
  /** Seconds on this page: the time until the next event (for the last one, until leaving). */
  dwellSeconds: number;
}

export interface ShopSession {
  id: string;
  device: (typeof SESSION_DEVICES)[number];
  events: SessionEvent[];
  /** The label: sessionPurchaseRule's answer, after label noise. */
  purchased: boolean;
}

type Next = SessionEventType | 'end';

/**
 * Where each event leads (before the shop's constraints remove what is not allowed; the rest is
 * renormalized). 'start' is the first event.
 */
export const SESSION_TRANSITIONS: Readonly<
  Record<SessionEventType | 'start', Readonly<Partial<Record<Next, number>>>>
> = {
  start: { browse: 0.7, search: 0.3 },
  browse: {
    browse: 0.18,
    search: 0.05,
    add_to_cart: 0.38,
    view_cart: 0.1,
    checkout: 0.1,
    pay: 0.14,
    end: 0.05,
  },
  search: { browse: 0.5, search: 0.08, add_to_cart: 0.37, end: 0.05 },
  add_to_cart: {
    browse: 0.14,
    add_to_cart: 0.1,
    remove_from_cart: 0.12,
    view_cart: 0.14,
    checkout: 0.22,
    pay: 0.24,
    end: 0.04,
  },
  remove_from_cart: {
    browse: 0.1,
    add_to_cart: 0.16,
    remove_from_cart: 0.05,
    view_cart: 0.12,
    checkout: 0.2,
    pay: 0.32,
    end: 0.05,
  },
  view_cart: { browse: 0.08, add_to_cart: 0.12, remove_from_cart: 0.16, checkout: 0.3, pay: 0.3, end: 0.04 },
  checkout: { pay: 0.26, browse: 0.08, add_to_cart: 0.24, remove_from_cart: 0.2, view_cart: 0.16, end: 0.06 },
  pay: { end: 0.7, browse: 0.12, view_cart: 0.1, checkout: 0.08 },
};

/** Median seconds on a page of each kind (log-normal, sigma 0.9). */
const DWELL_MEDIAN: Record<SessionEventType, number> = {
  browse: 40,
  search: 15,
  add_to_cart: 10,
  remove_from_cart: 8,
  view_cart: 25,
  checkout: 300,
  pay: 30,
};

/** Median price of each category (log-normal, sigma 0.6). */
const PRICE_MEDIAN: Record<(typeof SESSION_CATEGORIES)[number], number> = {
  electronics: 180,
  fashion: 45,
  home: 60,
  books: 15,
  sports: 50,
};

/** The noiseless label: is some pay accepted under rules R1 and R2 (see above)? */
export function sessionPurchaseRule(events: readonly Pick<SessionEvent, 'type' | 'time'>[]): boolean {
  let checkout = -1; // the time of the checkout a payment would be for (R1), or -1
  for (const e of events) {
    if (e.type === 'checkout') checkout = e.time;
    else if (e.type === 'add_to_cart' || e.type === 'remove_from_cart') checkout = -1;
    else if (e.type === 'pay' && accepted(checkout, e.time)) return true;
  }
  return false;
}

/** A payment at `time` for the checkout at `checkout` (-1: none) goes through (R1, R2). */
function accepted(checkout: number, time: number): boolean {
  return checkout >= 0 && time - checkout <= CHECKOUT_EXPIRES_SECONDS * 1000;
}

export interface SessionOptions {
  /** Probability that a label is flipped; default 0.01. */
  labelNoise?: number;
  rng?: Generator;
  seed?: number;
  /** When the first session starts (ms since the epoch or a Date); default 2024-03-01T00:00:00Z. */
  start?: number | Date;
  /** Mean seconds between the starts of consecutive sessions; default 30. */
  arrivalSeconds?: number;
  /** Sessions stop after this many events (a bot guard); default 60. */
  maxEvents?: number;
}

const SESSION_OPTIONS = knownOptions<SessionOptions>({
  labelNoise: true,
  rng: true,
  seed: true,
  start: true,
  arrivalSeconds: true,
  maxEvents: true,
});

const DEFAULT_START = Date.UTC(2024, 2, 1);

function pickWeighted<T extends string>(rng: Generator, weights: Partial<Record<T, number>>): T {
  const keys = Object.keys(weights) as T[];
  let total = 0;
  for (const k of keys) total += weights[k] ?? 0;
  let u = rng.random() * total;
  for (const k of keys) {
    u -= weights[k] ?? 0;
    if (u < 0) return k;
  }
  return keys[keys.length - 1];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The settings every session of one call shares, checked once. */
interface Settings {
  rng: Generator;
  labelNoise: number;
  maxEvents: number;
  arrivalSeconds: number;
  start: number;
}

function settingsOf(where: string, options: SessionOptions): Settings {
  checkOptions(where, options, SESSION_OPTIONS);
  const labelNoise = options.labelNoise ?? 0.01;
  if (!(labelNoise >= 0 && labelNoise <= 0.5)) {
    throw new DataError(`${where}: labelNoise must be in [0, 0.5], got ${labelNoise}`);
  }
  const maxEvents = options.maxEvents ?? 60;
  if (!Number.isInteger(maxEvents) || maxEvents < 1) {
    throw new DataError(`${where}: maxEvents must be a positive integer, got ${maxEvents}`);
  }
  const arrivalSeconds = options.arrivalSeconds ?? 30;
  if (!(arrivalSeconds > 0) || !Number.isFinite(arrivalSeconds)) {
    throw new DataError(`${where}: arrivalSeconds must be a positive number, got ${arrivalSeconds}`);
  }
  const s = options.start ?? DEFAULT_START;
  const start = s instanceof Date ? s.getTime() : s;
  if (!Number.isFinite(start))
    throw new DataError(`${where}: start must be a Date or a time in ms, got ${String(s)}`);
  return { rng: generatorFrom(options), labelNoise, maxEvents, arrivalSeconds, start };
}

/** One session of the Markov chain, starting at `start` (ms). */
function drawSession(id: string, start: number, s: Settings): ShopSession {
  const { rng } = s;
  const u = rng.random();
  const device = u < 0.45 ? 'desktop' : u < 0.9 ? 'mobile' : 'tablet';
  const events: SessionEvent[] = [];
  let cart = 0;
  let checkout = -1;
  let checkedOut = false;
  let time = start;
  let state: keyof typeof SESSION_TRANSITIONS = 'start';
  while (events.length < s.maxEvents) {
    const allowed: Partial<Record<Next, number>> = {};
    for (const [k, w] of Object.entries(SESSION_TRANSITIONS[state]) as Array<[Next, number]>) {
      const needsCart = k === 'remove_from_cart' || k === 'view_cart' || k === 'checkout' || k === 'pay';
      if (needsCart && cart === 0) continue;
      if (k === 'pay' && !checkedOut) continue;
      allowed[k] = w;
    }
    const next: Next = pickWeighted(rng, allowed);
    if (next === 'end') break;
    const withProduct =
      next === 'browse' || next === 'search' || next === 'add_to_cart' || next === 'remove_from_cart';
    const category = withProduct ? SESSION_CATEGORIES[rng.int(SESSION_CATEGORIES.length)] : null;
    const price =
      category !== null && next !== 'search'
        ? round2(PRICE_MEDIAN[category] * Math.exp(rng.normal(0, 0.6)))
        : null;
    const dwellSeconds = Math.max(1, Math.round(DWELL_MEDIAN[next] * Math.exp(rng.normal(0, 0.9))));
    events.push({ type: next, time, category, price, dwellSeconds });
    state = next;
    if (next === 'add_to_cart') cart++;
    else if (next === 'remove_from_cart') cart--;
    if (next === 'checkout') {
      checkout = time;
      checkedOut = true;
    } else if (next === 'add_to_cart' || next === 'remove_from_cart') checkout = -1;
    else if (next === 'pay') {
      if (accepted(checkout, time)) cart = 0;
      checkout = -1;
    }
    time += dwellSeconds * 1000;
  }
  const flip = rng.random() < s.labelNoise;
  return { id, device, events, purchased: sessionPurchaseRule(events) !== flip };
}

const sessionId = (i: number) => `s${String(i + 1).padStart(7, '0')}`;

/** n sessions, starting one after another (exponential gaps of mean arrivalSeconds). */
export function syntheticSessions(n: number, options: SessionOptions = {}): ShopSession[] {
  const s = settingsOf('syntheticSessions', options);
  if (!Number.isInteger(n) || n <= 0)
    throw new DataError(`syntheticSessions: n must be a positive integer, got ${n}`);
  const out: ShopSession[] = [];
  let start = s.start;
  for (let i = 0; i < n; i++) {
    out.push(drawSession(sessionId(i), start, s));
    start += Math.round(-Math.log(1 - s.rng.random()) * s.arrivalSeconds * 1000);
  }
  return out;
}

// ---- rows and CSV ----

/** The columns of an event log: one row per event. */
export const SESSION_COLUMNS = [
  'session_id',
  'timestamp',
  'event',
  'category',
  'price',
  'dwell_seconds',
  'device',
  'purchased',
] as const;

/**
 * The order of the rows: 'time' (all sessions' events by timestamp, interleaved, as a shop's log
 * is written), 'session' (each session's events together) or 'shuffled' (any order at all: the
 * timestamp is the only way back).
 */
export type RowOrder = 'time' | 'session' | 'shuffled';
const ROW_ORDERS: readonly RowOrder[] = ['time', 'session', 'shuffled'];

export interface SessionCsvOptions {
  order?: RowOrder;
  /** Seeds the 'shuffled' order; default 1. */
  seed?: number;
  delimiter?: string;
}

const CSV_OPTIONS = knownOptions<SessionCsvOptions>({ order: true, seed: true, delimiter: true });

/** One event as CSV cells (empty cells for what the event does not have). */
function eventCells(s: ShopSession, e: SessionEvent): string[] {
  return [
    s.id,
    new Date(e.time).toISOString(),
    e.type,
    e.category ?? '',
    e.price === null ? '' : String(e.price),
    String(e.dwellSeconds),
    s.device,
    s.purchased ? 'yes' : 'no',
  ];
}

/** The events of the sessions as rows of cells, in the asked order. */
export function sessionRows(sessions: readonly ShopSession[], options: SessionCsvOptions = {}): string[][] {
  checkOptions('sessionRows', options, CSV_OPTIONS);
  const order = options.order ?? 'time';
  if (!ROW_ORDERS.includes(order)) {
    throw new DataError(`sessionRows: order must be one of ${ROW_ORDERS.join(', ')}, got '${order}'`);
  }
  const all: Array<[ShopSession, SessionEvent]> = [];
  for (const s of sessions) for (const e of s.events) all.push([s, e]);
  if (order === 'time') all.sort((a, b) => a[1].time - b[1].time);
  else if (order === 'shuffled') generatorFrom({ seed: options.seed ?? 1 }).shuffle(all);
  return all.map(([s, e]) => eventCells(s, e));
}

/** The event log as CSV text with a header row. */
export function sessionsToCsv(sessions: readonly ShopSession[], options: SessionCsvOptions = {}): string {
  const rows = sessionRows(sessions, { order: options.order, seed: options.seed });
  return toCsv([...SESSION_COLUMNS], rows, options.delimiter ?? ',');
}

export interface WriteSessionsOptions extends SessionOptions {
  delimiter?: string;
}

/**
 * Writes the event log of n new sessions to a CSV file in time order, session by session as they
 * are drawn: memory holds only the sessions still running, so millions of events stream to disk.
 * Resolves with the number of sessions, events and buyers written.
 */
export async function writeSessionsCsv(
  path: string,
  n: number,
  options: WriteSessionsOptions = {},
): Promise<{ sessions: number; events: number; purchased: number }> {
  const { delimiter = ',', ...rest } = options;
  const s = settingsOf('writeSessionsCsv', rest);
  if (!Number.isInteger(n) || n <= 0)
    throw new DataError(`writeSessionsCsv: n must be a positive integer, got ${n}`);
  const out = createWriteStream(path);
  let error: Error | null = null;
  out.on('error', (err) => {
    error ??= err;
  });
  const failed = () => new Error(`writeSessionsCsv: cannot write ${path}: ${error?.message}`);
  const write = async (text: string) => {
    if (error) throw failed();
    if (!out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
      if (error) throw failed();
    }
  };
  await write(toCsv([...SESSION_COLUMNS], [], delimiter));
  // Pending events of running sessions, by time (a binary heap), written once no session that
  // starts later can come before them.
  const heap: Array<[number, string]> = [];
  const push = (item: [number, string]) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): [number, string] => {
    const top = heap[0];
    const last = heap.pop() as [number, string];
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  let start = s.start;
  let events = 0;
  let purchased = 0;
  let chunk = '';
  const flushUpTo = async (limit: number) => {
    while (heap.length > 0 && heap[0][0] < limit) {
      chunk += pop()[1];
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
  };
  for (let i = 0; i < n; i++) {
    const session = drawSession(sessionId(i), start, s);
    events += session.events.length;
    if (session.purchased) purchased++;
    for (const e of session.events) push([e.time, stringify([eventCells(session, e)], { delimiter })]);
    start += Math.round(-Math.log(1 - s.rng.random()) * s.arrivalSeconds * 1000);
    await flushUpTo(start);
  }
  await flushUpTo(Number.POSITIVE_INFINITY);
  await write(chunk);
  if (error) {
    out.destroy();
    throw failed();
  }
  await new Promise<void>((resolve) => {
    out.end(() => resolve());
    out.once('error', () => resolve());
  });
  if (error) throw failed();
  return { sessions: n, events, purchased };
}

// ---- arrays for models ----

export interface SessionSequences {
  /** [sessions, maxLength] event type ids (1 + index in SESSION_EVENTS), 0 for padding. */
  events: Float32Array;
  /** [sessions, maxLength, 3]: log1p(price) (0 when absent), log1p(dwell seconds), minutes since the session's start. */
  numbers: Float32Array;
  labels: Float32Array;
  sessions: number;
  maxLength: number;
}

/**
 * The sessions as padded arrays for a sequence model: the last maxLength events of each (the
 * padding, id 0, before them, as Keras's pad_sequences does by default), and the labels.
 */
export function sessionSequences(sessions: readonly ShopSession[], maxLength: number): SessionSequences {
  if (!Number.isInteger(maxLength) || maxLength <= 0) {
    throw new DataError(`sessionSequences: maxLength must be a positive integer, got ${maxLength}`);
  }
  const n = sessions.length;
  const events = new Float32Array(n * maxLength);
  const numbers = new Float32Array(n * maxLength * 3);
  const labels = new Float32Array(n);
  sessions.forEach((s, b) => {
    const kept = s.events.slice(-maxLength);
    const offset = maxLength - kept.length;
    const t0 = s.events[0]?.time ?? 0;
    kept.forEach((e, k) => {
      const at = b * maxLength + offset + k;
      events[at] = 1 + SESSION_EVENTS.indexOf(e.type);
      numbers[at * 3] = e.price === null ? 0 : Math.log1p(e.price);
      numbers[at * 3 + 1] = Math.log1p(e.dwellSeconds);
      numbers[at * 3 + 2] = (e.time - t0) / 60000;
    });
    labels[b] = s.purchased ? 1 : 0;
  });
  return { events, numbers, labels, sessions: n, maxLength };
}

/** Names of the sessionAggregates columns. */
export const SESSION_AGGREGATE_COLUMNS = [
  ...SESSION_EVENTS.map((e) => `count_${e}`),
  ...SESSION_CATEGORIES.map((c) => `count_${c}`),
  'events',
  'sum_price',
  'mean_price',
  'sum_dwell_seconds',
  'mean_dwell_seconds',
] as const;

/**
 * What a model of per-session totals sees: counts of each event type and category, the number of
 * events, sums and means of price and dwell time (log1p of the sums), one row per session. Order
 * is gone: these are the same for any arrangement of a session's events.
 */
export function sessionAggregates(sessions: readonly ShopSession[]): { x: Float32Array; columns: string[] } {
  const width = SESSION_AGGREGATE_COLUMNS.length;
  const x = new Float32Array(sessions.length * width);
  sessions.forEach((s, b) => {
    const row = x.subarray(b * width, (b + 1) * width);
    let prices = 0;
    let priced = 0;
    let dwell = 0;
    for (const e of s.events) {
      row[SESSION_EVENTS.indexOf(e.type)]++;
      if (e.category !== null) row[SESSION_EVENTS.length + SESSION_CATEGORIES.indexOf(e.category)]++;
      if (e.price !== null) {
        prices += e.price;
        priced++;
      }
      dwell += e.dwellSeconds;
    }
    const base = SESSION_EVENTS.length + SESSION_CATEGORIES.length;
    row[base] = s.events.length;
    row[base + 1] = Math.log1p(prices);
    row[base + 2] = priced === 0 ? 0 : Math.log1p(prices / priced);
    row[base + 3] = Math.log1p(dwell);
    row[base + 4] = Math.log1p(dwell / Math.max(1, s.events.length));
  });
  return { x, columns: [...SESSION_AGGREGATE_COLUMNS] };
}
