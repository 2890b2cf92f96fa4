/**
 * CSV text to a table of strings. Parsing (quotes, CRLF, BOM) is csv-parse's job; this file adds
 * delimiter detection and the checks that turn a malformed file into an error naming the line.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { closestName, DataError, quoteList } from './errors.js';

/** A parsed CSV: the header and the data rows, all cells as strings. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** For each data row, the 1-based file line it ends on (the header is line 1). Used in errors. */
  lines: number[];
  delimiter: string;
}

export interface ParseCsvOptions {
  /** One character; detected from the header line among comma, semicolon and tab when omitted. */
  delimiter?: string;
  /** Named in error messages, e.g. the file path. */
  source?: string;
}

const CANDIDATES = [',', ';', '\t'] as const;

/**
 * The candidate delimiter that occurs most often outside quotes on the first non-empty line. Ties and
 * no occurrence at all (a one-column file) fall back to comma.
 */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let inQuotes = false;
  let seenContent = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (seenContent) break;
    } else {
      seenContent = true;
      if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
    }
  }
  let best = ',';
  let bestCount = 0;
  for (const [c, n] of counts) {
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  return best;
}

function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

/** Parses CSV text with a header row. Throws DataError on empty input, a header alone, duplicate or
 * empty header names, and rows whose field count differs from the header's. */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  const where = options.source ? `${options.source}: ` : '';
  if (options.delimiter !== undefined && options.delimiter.length !== 1) {
    throw new DataError(
      `${where}delimiter must be one character, got '${options.delimiter}' (use '\\t' for tab)`,
    );
  }
  if (text.replace(/^\ufeff/, '').trim() === '') throw new DataError(`${where}the file is empty`);
  const delimiter = options.delimiter ?? detectDelimiter(text);

  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      // Field counts are checked below so the message can name the header's count.
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const e = err as Error & { lines?: number };
    const line = e.lines !== undefined ? ` (row ${e.lines})` : '';
    throw new DataError(`${where}could not parse CSV${line}: ${e.message}`, { row: e.lines });
  }
  // A file of blank lines parses to nothing.
  if (records.length === 0) throw new DataError(`${where}the file is empty`);

  const header = records[0].record.map((h) => h.trim());
  checkHeader(header, where, delimiter);
  if (records.length === 1) {
    throw new DataError(`${where}the file has a header row but no data rows`, { row: 1 });
  }

  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r];
    if (record.length !== header.length) {
      throw new DataError(
        `${where}row ${info.lines} has ${record.length} field${record.length === 1 ? '' : 's'}, ` +
          `the header has ${header.length} (delimiter ${describeDelimiter(delimiter)})`,
        { row: info.lines },
      );
    }
    rows.push(record);
    lines.push(info.lines);
  }
  return { header, rows, lines, delimiter };
}

function checkHeader(header: string[], where: string, delimiter: string): void {
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

/** Reads and parses a CSV file (UTF-8). */
export function readCsv(path: string, options: Omit<ParseCsvOptions, 'source'> = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read CSV file '${path}': ${(err as Error).message}`);
  }
  return parseCsv(text, { ...options, source: path });
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
