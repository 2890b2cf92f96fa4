/**
 * A whole CSV file as a table of strings, for data that fits in memory (tests, examples, the API
 * on small tables). Parsing is the streaming reader's (csv-scan.ts) over the text's bytes, so both
 * paths accept and refuse the same files; the command line streams files instead (dataset.ts).
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { type CsvEncoding, detectDelimiterBytes, scanCsvBytes } from './csv-scan.js';
import { closestName, DataError, quoteList } from './errors.js';
import { checkOptions, DATA_OPTIONS } from './options.js';

/** A parsed CSV: the header and the data rows, all cells as strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** For each data row, the 1-based file line it starts on (the header is line 1). Used in errors. */
  lines: number[];
  delimiter: string;
}

export interface ParseCsvOptions {
  /** One character; detected from the header line among comma, semicolon and tab when omitted. */
  delimiter?: string;
  /** Named in error messages, e.g. the file path. */
  source?: string;
  /** How the bytes of a file are read: 'utf8' (default, invalid bytes refused) or 'latin1'. */
  encoding?: CsvEncoding;
}

/**
 * The candidate delimiter that occurs most often outside quotes on the first non-empty line. Ties and
 * no occurrence at all (a one-column file) fall back to comma.
 */
export function detectDelimiter(text: string): string {
  return detectDelimiterBytes(Buffer.from(text.replace(/^\ufeff/, ''), 'utf8'), 0, true)!;
}

/** Parses CSV text with a header row. Throws DataError on empty input, a header alone, duplicate or
 * empty header names, and rows whose field count differs from the header's. */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  checkOptions('parseCsv', options, DATA_OPTIONS.parseCsv);
  return parseCsvBytes(Buffer.from(text, 'utf8'), options);
}

function parseCsvBytes(bytes: Uint8Array, options: ParseCsvOptions): CsvTable {
  const rows: string[][] = [];
  const lines: number[] = [];
  const result = scanCsvBytes(
    bytes,
    options,
    () => {},
    (r) => {
      const row: string[] = new Array(r.count);
      for (let i = 0; i < r.count; i++) row[i] = r.raw(i);
      rows.push(row);
      lines.push(r.line);
    },
  );
  return { header: result.header, rows, lines, delimiter: result.delimiter };
}

/** Reads and parses a whole CSV file into memory (UTF-8 unless told). */
export function readCsv(path: string, options: Omit<ParseCsvOptions, 'source'> = {}): CsvTable {
  checkOptions('readCsv', options, DATA_OPTIONS.parseCsv);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`cannot read CSV file '${path}': ${(err as Error).message}`);
  }
  return parseCsvBytes(bytes, { ...options, source: path });
}

/** Writes a header and rows as CSV text (quoting where needed, LF line endings). */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  delimiter = ',',
): string {
  return stringify([header as string[], ...(rows as unknown[][])], { delimiter });
}

/** The rows at `indices`, keeping their file lines so later errors still point into the file. */
export function selectRows(table: CsvTable, indices: ArrayLike<number>): CsvTable {
  const rows: string[][] = new Array(indices.length);
  const lines: number[] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!(r >= 0 && r < table.rows.length)) {
      throw new DataError(`selectRows: index ${r} out of range for a table of ${table.rows.length} rows`);
    }
    rows[i] = table.rows[r];
    lines[i] = table.lines[r];
  }
  return { header: table.header, rows, lines, delimiter: table.delimiter };
}

/** The index of a column by name, or a DataError listing the columns and the closest name. */
export function columnIndex(table: Pick<CsvTable, 'header'>, name: string, role = 'column'): number {
  const i = table.header.indexOf(name);
  if (i >= 0) return i;
  throw new DataError(missingColumnMessage(name, table.header, role), { column: name });
}

export function missingColumnMessage(name: string, header: readonly string[], role = 'column'): string {
  return `${role} '${name}' not found; columns are: ${quoteList(header)}${hint(name, header)}`;
}

function hint(name: string, header: readonly string[]): string {
  const close = closestName(name, header);
  return close ? ` (did you mean '${close}'?)` : '';
}
