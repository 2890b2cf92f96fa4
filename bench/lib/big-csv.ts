/**
 * Large, realistic CSV files for the data benchmarks and the scale tests: a bootstrap of a real
 * table (rows drawn with replacement) with noise on the numbers, so values repeat as little as in
 * real logs while every column keeps its kind, range and relation to the label.
 *
 * Noise, decided per numeric column from the source rows (no column names are special):
 * - few distinct values (10 or fewer: flags, codes, levels such as SpecialDay): kept as they are;
 * - integers (counts): moved by -1, 0 or +1 with probabilities 0.15 / 0.7 / 0.15, kept >= the
 *   column's minimum;
 * - other numbers: scaled by (1 + 0.05 z), z standard normal, kept within the column's range,
 *   written with 6 significant digits.
 * Text and boolean cells, and the label, are copied.
 */
import { createWriteStream } from 'node:fs';
import { writeTo } from '../../src/cli/output.js';
import { parseNumber } from '../../src/data/columns.js';
import { readCsv } from '../../src/data/csv.js';
import { Generator } from '../../src/random.js';

export interface BigCsvOptions {
  rows: number;
  out: string;
  /** The table to bootstrap (default: the bundled Online Shoppers data). */
  source?: string;
  seed?: number;
  onProgress?: (rows: number) => void;
}

type Noise = { kind: 'copy' } | { kind: 'count'; min: number } | { kind: 'scale'; min: number; max: number };

function noiseOf(cells: string[]): Noise {
  const values = cells.map((c) => parseNumber(c));
  if (values.some((v) => v === null)) return { kind: 'copy' };
  const numbers = values as number[];
  if (new Set(numbers).size <= 10) return { kind: 'copy' };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of numbers) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return numbers.every(Number.isInteger) ? { kind: 'count', min } : { kind: 'scale', min, max };
}

/** Writes `rows` data rows plus the header to `out`; resolves with the bytes written. */
export async function writeBigCsv(options: BigCsvOptions): Promise<number> {
  const table = readCsv(
    options.source ?? new URL('../../data/online_shoppers_intention.csv', import.meta.url).pathname,
  );
  const rng = new Generator(options.seed ?? 1);
  const noise = table.header.map((_, c) => noiseOf(table.rows.map((r) => r[c])));
  const d = table.delimiter;
  const quote = (cell: string) =>
    /["\r\n]/.test(cell) || cell.includes(d) ? `"${cell.replaceAll('"', '""')}"` : cell;
  const stream = createWriteStream(options.out);
  const write = (text: string) => writeTo(stream, Buffer.from(text));
  let bytes = 0;
  const header = `${table.header.map(quote).join(d)}\n`;
  bytes += Buffer.byteLength(header);
  await write(header);
  const block: string[] = [];
  for (let r = 0; r < options.rows; r++) {
    const row = table.rows[rng.int(table.rows.length)];
    const cells = row.map((cell, c) => {
      const n = noise[c];
      if (n.kind === 'copy') return quote(cell);
      const v = Number(cell);
      if (n.kind === 'count') {
        const u = rng.random();
        return String(Math.max(n.min, v + (u < 0.15 ? -1 : u > 0.85 ? 1 : 0)));
      }
      const scaled = Math.min(n.max, Math.max(n.min, v * (1 + 0.05 * rng.normal())));
      return String(Number(scaled.toPrecision(6)));
    });
    block.push(cells.join(d));
    if (block.length === 10_000 || r === options.rows - 1) {
      const text = `${block.join('\n')}\n`;
      bytes += Buffer.byteLength(text);
      await write(text);
      block.length = 0;
      options.onProgress?.(r + 1);
    }
  }
  await new Promise<void>((resolve, reject) => {
    stream.end(() => resolve());
    stream.once('error', reject);
  });
  return bytes;
}
