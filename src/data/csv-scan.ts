/**
 * A streaming CSV reader that works on bytes: chunks of a file go in, records come out as field
 * bounds into the chunk, and the column logic reads numbers and category codes from those bytes
 * directly (records.ts `Cells`). Nothing holds the file, a row of strings, or a string per cell.
 *
 * The dialect is csv-parse's defaults, which the in-memory reader used before: RFC 4180 quotes
 * ("" inside a quoted field is a quote; delimiters and newlines inside quotes are data), LF, CRLF
 * or CR line ends, a UTF-8 byte order mark skipped, empty lines skipped, and the same refusals
 * (a quote inside an unquoted field, text after a closing quote, an unclosed quote). A test feeds
 * random files to both readers and asks for the same records.
 *
 * Why not csv-parse's stream itself: on this project's machines it parses about 11 MB/s of CSV
 * before anything is done with the rows, below the 40 MB/s the data path needs; reading bytes into
 * typed columns here runs several times faster (docs/bench.md, "Reading CSV").
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, statSync } from 'node:fs';
import { type Advice, API_ADVICE } from './advice.js';
import { isMissingBytes, parseNumberBytes } from './cells.js';
import { isMissing, parseNumber } from './columns.js';
import type { Dictionary } from './dictionary.js';
import { DataError } from './errors.js';
import { type Cells, GROUPED_NUMBER } from './records.js';

export type CsvEncoding = 'utf8' | 'latin1';

export interface ScanOptions {
  /** One character; detected from the header line among comma, semicolon and tab when omitted. */
  delimiter?: string;
  /** 'utf8' (default; invalid bytes are an error) or 'latin1' (ISO-8859-1: every byte is a character). */
  encoding?: CsvEncoding;
  /** Named in error messages, e.g. the file path. */
  source?: string;
  /** A record longer than this is refused (an unclosed quote would otherwise swallow the file). */
  maxRecordBytes?: number;
  /** How messages phrase their remedies (API option syntax by default). */
  advice?: Advice;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CANDIDATES = [0x2c, 0x3b, 0x09]; // , ; tab
/** Field flag: a plain number read while scanning (see plainNumber). */
const NUMBER = 8;
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

/**
 * The candidate that occurs most often outside quotes on the first non-empty line (comma on ties
 * or none), or null when that line has not ended yet and more bytes may come.
 */
export function detectDelimiterBytes(b: Uint8Array, start: number, final: boolean): string | null {
  const counts = [0, 0, 0];
  let inQuotes = false;
  let content = false;
  let i = start;
  for (; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && (c === LF || c === CR)) {
      if (content) break;
    } else {
      content = true;
      if (!inQuotes) {
        const k = CANDIDATES.indexOf(c);
        if (k >= 0) counts[k]++;
      }
    }
  }
  if (i === b.length && !final) return null;
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return String.fromCharCode(CANDIDATES[best]);
}

/**
 * The tokenizer. `push` chunks in order, then `finish`; each complete record is handed to `emit`
 * as this object, which is then the record's `Cells` until `emit` returns.
 */
export class CsvScanner implements Cells {
  delimiter: string | null;
  readonly encoding: CsvEncoding;
  private readonly latin1: boolean;
  /** Fields of the current record. */
  count = 0;
  /** The line the current record starts on. */
  line = 0;
  /** Byte bounds of the current record in `bytes` (without its line end), for pass-through output. */
  recordStart = 0;
  recordEnd = 0;
  /** The window the current record's bounds point into. */
  bytes: Buffer = Buffer.alloc(0);

  private readonly where: string;
  private readonly maxRecordBytes: number;
  private readonly advice: Advice;
  private delim = -1;
  private specialBytes: Uint8Array | null = null;
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private trimmedStarts = new Int32Array(64);
  private trimmedEnds = new Int32Array(64);
  private flags = new Uint8Array(64);
  /** The value of each field flagged NUMBER. */
  private numbers = new Float64Array(64);
  private pos = 0;
  private nextLine = 1;
  private validated = 0;
  /** File offset of bytes[0]. */
  private base = 0;
  private started = false;

  constructor(options: ScanOptions = {}) {
    this.where = options.source ? `${options.source}: ` : '';
    this.encoding = options.encoding ?? 'utf8';
    this.latin1 = this.encoding === 'latin1';
    if (this.encoding !== 'utf8' && this.encoding !== 'latin1') {
      throw new DataError(`${this.where}encoding must be 'utf8' or 'latin1', got '${this.encoding}'`);
    }
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.advice = options.advice ?? API_ADVICE;
    this.delimiter = options.delimiter ?? null;
    if (this.delimiter !== null) {
      if (this.delimiter.length !== 1 || this.delimiter.charCodeAt(0) > 0x7f) {
        throw new DataError(
          `${this.where}delimiter must be one ASCII character, got '${this.delimiter}' (use '\\t' for tab)`,
        );
      }
      if (this.delimiter === '"' || this.delimiter === '\n' || this.delimiter === '\r') {
        throw new DataError(`${this.where}the delimiter cannot be a quote or a line end`);
      }
      this.delim = this.delimiter.charCodeAt(0);
    }
  }

  /** Bytes that end an unquoted run: the delimiter, quote, LF, CR. */
  private get special(): Uint8Array {
    if (this.specialBytes === null) {
      this.specialBytes = new Uint8Array(256);
      for (const c of [this.delim, QUOTE, LF, CR]) this.specialBytes[c] = 1;
    }
    return this.specialBytes;
  }

  push(chunk: Uint8Array, emit: (record: this) => void): void {
    this.append(chunk);
    this.run(false, emit);
  }

  finish(emit: (record: this) => void): void {
    this.run(true, emit);
  }

  /** The unscanned rest of the window followed by `chunk` becomes the new window. */
  private append(chunk: Uint8Array): void {
    const rest = this.bytes.length - this.pos;
    if (rest === 0) this.bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else {
      const next = Buffer.allocUnsafe(rest + chunk.length);
      next.set(this.bytes.subarray(this.pos), 0);
      next.set(chunk, rest);
      this.bytes = next;
    }
    this.base += this.pos;
    this.validated = Math.max(this.validated - this.pos, 0);
    this.pos = 0;
  }

  private run(final: boolean, emit: (record: this) => void): void {
    if (!this.started && !this.start(final)) return;
    this.validate(final);
    this.scan(final, emit);
    const pending = this.bytes.length - this.pos;
    if (!final && pending > this.maxRecordBytes) {
      throw new DataError(
        `${this.where}the record starting at line ${this.nextLine} is longer than ` +
          `${Math.round(this.maxRecordBytes / 1048576)} MB; a quoted field that is never closed?`,
        { row: this.nextLine },
      );
    }
  }

  /** Byte order mark and delimiter detection, once the first line is complete. */
  private start(final: boolean): boolean {
    const b = this.bytes;
    if (b.length < 3 && !final) return false;
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      throw new DataError(
        `${this.where}the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8`,
      );
    }
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.pos = 3;
    if (this.delimiter === null) {
      const detected = detectDelimiterBytes(b, this.pos, final);
      if (detected === null) {
        if (b.length > this.maxRecordBytes) {
          throw new DataError(`${this.where}the first line is longer than ${this.maxRecordBytes} bytes`);
        }
        this.pos = 0;
        return false;
      }
      this.delimiter = detected;
      this.delim = detected.charCodeAt(0);
    }
    this.started = true;
    return true;
  }

  /** Refuses bytes that are not UTF-8, up to the last complete line, naming offset and line. */
  private validate(final: boolean): void {
    if (this.encoding !== 'utf8') return;
    const b = this.bytes;
    const end = final ? b.length : Math.max(b.lastIndexOf(LF), b.lastIndexOf(CR)) + 1;
    if (end <= this.validated) return;
    if (!isUtf8(b.subarray(this.validated, end))) {
      const at = firstInvalidUtf8(b, this.validated, end);
      const line = this.nextLine + countLines(b, this.pos, at);
      const shown = Array.from(b.subarray(at, Math.min(at + 4, end)), (x) =>
        x.toString(16).toUpperCase().padStart(2, '0'),
      ).join(' ');
      throw new DataError(
        `${this.where}invalid UTF-8 at byte ${this.base + at} (line ${line}: bytes ${shown}); ` +
          `if the file is Latin-1 or Windows-1252, ${this.advice.latin1}`,
        { row: line },
      );
    }
    this.validated = end;
  }

  /**
   * Records field f: its bounds (inside the quotes) and its trimmed bounds. Flag bits: 1 quoted,
   * 2 has doubled quotes, 4 "not simple" (doubled quotes, or a non-ASCII byte at a trimmed edge,
   * where String.trim could remove more): such a field is read through its string.
   */
  private field(f: number, start: number, end: number, flag: number): void {
    if (f >= this.starts.length) this.growFields();
    const b = this.bytes;
    this.starts[f] = start;
    this.ends[f] = end;
    while (start < end && (b[start] === 0x20 || (b[start] >= 0x09 && b[start] <= 0x0d))) start++;
    while (end > start && (b[end - 1] === 0x20 || (b[end - 1] >= 0x09 && b[end - 1] <= 0x0d))) end--;
    this.trimmedStarts[f] = start;
    this.trimmedEnds[f] = end;
    if (flag & 2 || (end > start && (b[start] >= 0x80 || b[end - 1] >= 0x80))) flag |= 4;
    this.flags[f] = flag;
  }

  /** Field f, a plain number already in `numbers[f]` (no spaces to trim, no quotes). */
  private numberField(f: number, start: number, end: number): void {
    this.starts[f] = start;
    this.ends[f] = end;
    this.trimmedStarts[f] = start;
    this.trimmedEnds[f] = end;
    this.flags[f] = NUMBER;
  }

  private growFields(): void {
    const n = this.starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      out.set(a);
      return out;
    };
    this.starts = grow(this.starts, (k) => new Int32Array(k));
    this.ends = grow(this.ends, (k) => new Int32Array(k));
    this.trimmedStarts = grow(this.trimmedStarts, (k) => new Int32Array(k));
    this.trimmedEnds = grow(this.trimmedEnds, (k) => new Int32Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    const numbers = new Float64Array(n);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }

  /**
   * Emits every complete record from `pos`. A record cut by the end of the window is left for the
   * next chunk (scanned again from its start); at the end of the file it is complete as it is.
   */
  private scan(final: boolean, emit: (record: this) => void): void {
    const b = this.bytes;
    const n = b.length;
    const D = this.delim;
    const special = this.special;
    let pos = this.pos;
    let line = this.nextLine;
    while (pos < n) {
      const recordLine = line;
      let i = pos;
      let f = 0;
      let fieldStart = i;
      let end = -1; // where the record's bytes end, once known
      let next = -1; // where the next record starts
      for (;;) {
        // A field that is a plain decimal number is read as it is scanned (most cells of a numeric
        // table are): its bytes are walked once, and number() then answers from `numbers`.
        let numberEnd = -1;
        if (i === fieldStart && i < n) {
          if (f >= this.numbers.length) this.growFields();
          numberEnd = plainNumber(b, i, n, this.numbers, f);
          if (numberEnd >= 0) i = numberEnd;
        }
        while (i < n && special[b[i]] === 0) i++;
        if (i >= n) {
          if (!final) break;
          if (numberEnd === n) this.numberField(f++, fieldStart, n);
          else this.field(f++, fieldStart, n, 0);
          end = next = n;
          break;
        }
        const c = b[i];
        if (c === D) {
          if (numberEnd === i) this.numberField(f++, fieldStart, i);
          else this.field(f++, fieldStart, i, 0);
          fieldStart = ++i;
          continue;
        }
        if (c === LF || c === CR) {
          if (c === CR && i + 1 >= n && !final) break;
          if (numberEnd === i) this.numberField(f++, fieldStart, i);
          else this.field(f++, fieldStart, i, 0);
          end = i;
          next = c === CR && b[i + 1] === LF ? i + 2 : i + 1;
          line++;
          break;
        }
        if (c === QUOTE) {
          if (i !== fieldStart) throw this.strayQuote(b, fieldStart, i, recordLine, f);
          const quoteLine = line;
          let j = i + 1;
          let escaped = 0;
          let closed = false;
          while (j < n) {
            const d = b[j];
            if (d === QUOTE) {
              if (j + 1 >= n && !final) break;
              if (b[j + 1] === QUOTE) {
                escaped = 2;
                j += 2;
                continue;
              }
              closed = true;
              break;
            }
            if (d === LF || (d === CR && b[j + 1] !== LF)) line++;
            j++;
          }
          if (!closed) {
            if (!final) break;
            throw new DataError(
              `${this.where}line ${quoteLine}: a quoted field opened here is never closed (the file ends inside it)`,
              { row: quoteLine },
            );
          }
          this.field(f, i + 1, j, 1 | escaped);
          i = j + 1;
          if (i >= n) {
            if (!final) break;
            f++;
            end = next = n;
            break;
          }
          const after = b[i];
          if (after === D) {
            f++;
            fieldStart = ++i;
            continue;
          }
          if (after === LF || after === CR) {
            if (after === CR && i + 1 >= n && !final) break;
            f++;
            end = i;
            next = after === CR && b[i + 1] === LF ? i + 2 : i + 1;
            line++;
            break;
          }
          throw new DataError(
            `${this.where}line ${line}: the quoted field ${f + 1} is followed by '${String.fromCharCode(after)}' ` +
              'instead of the delimiter or a line end; quote the whole field and double the quotes inside it',
            { row: line },
          );
        }
        i++;
      }
      if (end < 0) {
        line = recordLine; // incomplete: scanned again once more bytes arrive
        break;
      }
      if (!(f === 1 && end === pos)) {
        this.count = f;
        this.line = recordLine;
        this.recordStart = pos;
        this.recordEnd = end;
        pos = next;
        this.pos = pos;
        this.nextLine = line;
        emit(this);
      } else pos = next; // an empty line
    }
    this.pos = pos;
    this.nextLine = line;
  }

  private strayQuote(b: Uint8Array, start: number, at: number, line: number, f: number): DataError {
    const sample = Buffer.from(b.subarray(start, Math.min(at + 10, b.length))).toString(this.encoding);
    return new DataError(
      `${this.where}line ${line}: field ${f + 1} has a quote inside an unquoted value (${sample}...); ` +
        'quote the whole field and double the quotes inside it',
      { row: line },
    );
  }

  // ---- Cells ----

  private decode(start: number, end: number): string {
    return this.bytes.toString(this.encoding, start, end);
  }

  raw(i: number): string {
    const text = this.decode(this.starts[i], this.ends[i]);
    return this.flags[i] & 2 ? text.replaceAll('""', '"') : text;
  }

  /** Whether field i can be read from its trimmed bytes (else through its string). */
  private simple(i: number): boolean {
    if (this.flags[i] & 4) return false;
    if (this.latin1) {
      const b = this.bytes;
      for (let k = this.trimmedStarts[i]; k < this.trimmedEnds[i]; k++) if (b[k] >= 0x80) return false;
    }
    return true;
  }

  isMissing(i: number): boolean {
    if (this.flags[i] & NUMBER) return false;
    if (this.simple(i)) return isMissingBytes(this.bytes, this.trimmedStarts[i], this.trimmedEnds[i]);
    return isMissing(this.raw(i));
  }

  number(i: number, decimalComma: boolean): number {
    // Read while scanning; a plain number means the same with or without decimalComma (a comma
    // only stands for the point in a cell without '.', and such a cell is never plain).
    if (this.flags[i] & NUMBER) return this.numbers[i];
    if (this.simple(i)) {
      return parseNumberBytes(this.bytes, this.trimmedStarts[i], this.trimmedEnds[i], decimalComma);
    }
    return parseNumber(this.raw(i), decimalComma) ?? Number.NaN;
  }

  text(i: number): string {
    if (this.simple(i)) return this.decode(this.trimmedStarts[i], this.trimmedEnds[i]);
    return this.raw(i).trim();
  }

  isGroupedNumber(i: number): boolean {
    // Only a field that starts like a number is worth a string.
    const first = this.bytes[this.trimmedStarts[i]];
    const numeric = (first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d;
    return numeric && GROUPED_NUMBER.test(this.text(i));
  }

  code(i: number, dictionary: Dictionary, add: boolean): number {
    if (!this.simple(i)) return dictionary.lookupString(this.raw(i).trim(), add);
    const s = this.trimmedStarts[i];
    const e = this.trimmedEnds[i];
    const code = dictionary.find(this.bytes, s, e);
    if (code >= 0 || !add) return code;
    return dictionary.add(this.bytes, s, e, this.decode(s, e));
  }
}

/**
 * Reads a plain decimal number at b[i]: an optional sign, digits with an optional point, no
 * exponent, at most 22 digits after the point and a mantissa up to 2^53. Writes its value to
 * out[f] and returns where it ends, or -1 when the bytes are not such a number (the caller scans
 * the field as text then, and parseNumberBytes reads it). The value is the one parseNumberBytes
 * gives for the same bytes: the mantissa divided once by an exact power of ten (Clinger's fast
 * path), so it equals Number() of the text; the tests compare the two on random cells.
 */
function plainNumber(b: Uint8Array, i: number, n: number, out: Float64Array, f: number): number {
  let k = i;
  let c = b[k];
  const negative = c === 0x2d;
  if (negative || c === 0x2b) c = b[++k];
  let mantissa = 0;
  const first = k;
  while (c >= 0x30 && c <= 0x39) {
    mantissa = mantissa * 10 + (c - 0x30);
    c = b[++k];
  }
  let digits = k - first;
  let fraction = 0;
  if (c === 0x2e) {
    const point = ++k;
    c = b[k];
    while (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      c = b[++k];
    }
    fraction = k - point;
    digits += fraction;
  }
  // k >= n: the window ended inside the field (more bytes may follow); e/E: an exponent.
  if (digits === 0 || k >= n || fraction > 22 || mantissa > MAX_EXACT || (c | 0x20) === 0x65) return -1;
  const v = fraction === 0 ? mantissa : mantissa / POW10[fraction];
  out[f] = negative ? -v : v;
  return k;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT = 2 ** 53;

function countLines(b: Uint8Array, from: number, to: number): number {
  let lines = 0;
  for (let i = from; i < to; i++) if (b[i] === LF || (b[i] === CR && b[i + 1] !== LF)) lines++;
  return lines;
}

/** Offset of the first byte that breaks UTF-8 in b[from, to) (which isUtf8 already refused). */
function firstInvalidUtf8(b: Uint8Array, from: number, to: number): number {
  const cont = (k: number, lo = 0x80, hi = 0xbf) => k < to && b[k] >= lo && b[k] <= hi;
  let i = from;
  while (i < to) {
    const c = b[i];
    let ok: boolean;
    let size: number;
    if (c < 0x80) [ok, size] = [true, 1];
    else if (c >= 0xc2 && c <= 0xdf) [ok, size] = [cont(i + 1), 2];
    else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      [ok, size] = [cont(i + 1, lo, hi) && cont(i + 2), 3];
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      [ok, size] = [cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3), 4];
    } else [ok, size] = [false, 1];
    if (!ok) return i;
    i += size;
  }
  return to;
}

export interface ScanProgress {
  /** Bytes of the file read so far, and its size (0 when unknown). */
  bytes: number;
  total: number;
  rows: number;
}

export interface FileScanOptions extends ScanOptions {
  /** Called after each chunk (about every megabyte). */
  onProgress?: (p: ScanProgress) => void;
  /** Awaited after each piece (64 KB) of the file has been scanned, e.g. to write what it gave. */
  afterChunk?: () => Promise<void> | void;
}

export interface ScanResult {
  header: string[];
  /** Data records (empty lines not counted). */
  rows: number;
  delimiter: string;
  bytes: number;
}

/**
 * Streams a CSV file with a header row through `onRecord` (one call per data record, in file
 * order; the record's field count already checked against the header). Errors name the file and
 * the line. Memory is one chunk plus one record, whatever the file size.
 */
export async function scanCsvFile(
  path: string,
  options: FileScanOptions,
  onHeader: (header: string[], scanner: CsvScanner) => void,
  onRecord: (record: CsvScanner, row: number) => void,
): Promise<ScanResult> {
  let total = 0;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error('it is a directory');
    total = st.size;
  } catch (err) {
    throw new DataError(`cannot read CSV file '${path}': ${(err as Error).message}`);
  }
  const driver = new ScanDriver({ source: path, ...options }, onHeader, onRecord);
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  // With a consumer that waits between chunks, records are handed over in smaller pieces, so what
  // it gathers per piece (encoded rows, output) stays small whatever the row width.
  const piece = options.afterChunk ? 1 << 16 : 1 << 20;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += piece) {
        const part = chunk.subarray(at, Math.min(at + piece, chunk.length));
        read += part.length;
        driver.push(part);
        if (options.afterChunk) await options.afterChunk();
      }
      options.onProgress?.({ bytes: read, total, rows: driver.rows });
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot read CSV file '${path}': ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  return driver.finish(read);
}

/** The same over bytes already in memory (parseCsv). */
export function scanCsvBytes(
  bytes: Uint8Array,
  options: ScanOptions,
  onHeader: (header: string[], scanner: CsvScanner) => void,
  onRecord: (record: CsvScanner, row: number) => void,
): ScanResult {
  const driver = new ScanDriver(options, onHeader, onRecord);
  driver.push(bytes);
  return driver.finish(bytes.length);
}

/** Header checks and per-record field counts around a scanner. */
class ScanDriver {
  readonly scanner: CsvScanner;
  header: string[] | null = null;
  rows = 0;
  private readonly where: string;
  private readonly emit: (r: CsvScanner) => void;

  constructor(
    options: ScanOptions,
    private readonly onHeader: (header: string[], scanner: CsvScanner) => void,
    private readonly onRecord: (record: CsvScanner, row: number) => void,
  ) {
    this.scanner = new CsvScanner(options);
    this.where = options.source ? `${options.source}: ` : '';
    this.emit = (r) => this.record(r);
  }

  push(chunk: Uint8Array): void {
    this.scanner.push(chunk, this.emit);
  }

  finish(bytes: number): ScanResult {
    this.scanner.finish(this.emit);
    if (this.header === null) throw new DataError(`${this.where}the file is empty`);
    if (this.rows === 0)
      throw new DataError(`${this.where}the file has a header row but no data rows`, { row: 1 });
    return { header: this.header, rows: this.rows, delimiter: this.scanner.delimiter!, bytes };
  }

  private record(r: CsvScanner): void {
    if (this.header === null) {
      const header: string[] = [];
      for (let i = 0; i < r.count; i++) header.push(r.raw(i).trim());
      checkHeader(header, this.where, r.delimiter!);
      this.header = header;
      this.onHeader(header, r);
      return;
    }
    if (r.count !== this.header.length) {
      throw new DataError(
        `${this.where}row ${r.line} has ${r.count} field${r.count === 1 ? '' : 's'}, ` +
          `the header has ${this.header.length} (delimiter ${describeDelimiter(r.delimiter!)})`,
        { row: r.line },
      );
    }
    this.onRecord(r, this.rows++);
  }
}

export function checkHeader(header: string[], where: string, delimiter: string): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') {
      throw new DataError(
        `${where}header column ${i + 1} has an empty name (delimiter ${describeDelimiter(delimiter)})`,
        { row: 1 },
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DataError(
        `${where}duplicate column name '${name}' in the header (columns ${first + 1} and ${i + 1})`,
        { row: 1, column: name },
      );
    }
    seen.set(name, i);
  });
}
