import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type CsvTable, parseCsv } from '../../src/data/csv.js';
import { DataError } from '../../src/data/errors.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Online Shoppers CSV: the repo's `data/` copy first, then the shared folder next to the clone.
 * Returns null (and says why) when neither exists, so the tests that need it skip visibly.
 */
export function onlineShoppersPath(): string | null {
  const candidates = [
    resolve(repoRoot, 'data/online_shoppers_intention.csv'),
    resolve(repoRoot, '../shared/data/online_shoppers_intention.csv'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) console.warn(`skipping real-data tests: no CSV at ${candidates.join(' or ')}`);
  return found ?? null;
}

/** CSV text from lines, CRLF or LF. */
export function csvText(lines: string[], eol = '\n'): string {
  return lines.join(eol) + eol;
}

/** Parses inline CSV lines (comma unless told). */
export function table(lines: string[], delimiter?: string): CsvTable {
  return parseCsv(csvText(lines), { delimiter });
}

/** Asserts `fn` throws a DataError whose message matches every pattern and whose place is `where`. */
export function expectDataError(
  fn: () => unknown,
  patterns: Array<string | RegExp>,
  where: { row?: number; column?: string; value?: string } = {},
): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError to be thrown').toBeInstanceOf(DataError);
  const err = caught as DataError;
  for (const p of patterns) {
    if (typeof p === 'string') expect(err.message).toContain(p);
    else expect(err.message).toMatch(p);
  }
  for (const key of ['row', 'column', 'value'] as const) {
    if (where[key] !== undefined) expect(err[key], `DataError.${key}`).toBe(where[key]);
  }
  return err;
}
