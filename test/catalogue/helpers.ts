import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Generator } from '../../src/random.js';
import { cli } from '../cli/helpers.js';

/**
 * The bad-input catalogue's vocabulary: a small clean shop table to start from, edits that break
 * it in one way each, and the two verdicts a case may have: a clear error (the message must say
 * what and where) or accepted, with the result checked.
 */
export const HEADER = ['age', 'spend', 'visits', 'city', 'member', 'bought'];
export const CITIES = ['Oslo', 'Rome', 'Paris', 'Lyon'];

/** The clean table's cells: `rows` rows with a learnable rule (big spenders who visit often buy). */
export function cleanRows(rows = 240, seed = 1): string[][] {
  const rng = new Generator(seed);
  return Array.from({ length: rows }, () => {
    const age = 18 + rng.int(50);
    const spend = Math.round(rng.random() * 50000) / 100;
    const visits = rng.int(40);
    const buys = (spend > 200 && visits > 12) !== rng.random() < 0.05;
    return [
      String(age),
      String(spend),
      String(visits),
      CITIES[rng.int(4)],
      rng.random() < 0.5 ? 'yes' : 'no',
      buys ? 'yes' : 'no',
    ];
  });
}

export function csvOf(
  header: readonly string[],
  rows: readonly string[][],
  delimiter = ',',
  eol = '\n',
): string {
  return [header, ...rows].map((r) => r.join(delimiter)).join(eol) + eol;
}

/** The clean table as CSV text, with `edit` applied to the cells of each row (row 0 is file line 2). */
export function cleanCsv(edit?: (cells: string[], row: number) => string[] | null, rows = 240): string {
  const out: string[][] = [];
  cleanRows(rows).forEach((cells, r) => {
    const e = edit ? edit([...cells], r) : cells;
    if (e) out.push(e);
  });
  return csvOf(HEADER, out);
}

export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'tensorgrad-catalogue-'));
  private n = 0;

  file(content: string | Uint8Array, name?: string): string {
    const path = join(this.dir, name ?? `case-${this.n++}.csv`);
    writeFileSync(path, content);
    return path;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }
}

/** A catalogue verdict: the command fails with a message matching every pattern, or succeeds. */
export type Verdict =
  | { error: Array<string | RegExp> }
  | { accepted: (output: string) => void | Promise<void> };

export async function judge(args: string[], verdict: Verdict): Promise<void> {
  let output = '';
  let failure: unknown = null;
  try {
    output = await cli(...args);
  } catch (err) {
    failure = err;
  }
  if ('error' in verdict) {
    expect(failure, `expected an error from: tensorgrad ${args.join(' ')}`).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    for (const p of verdict.error) {
      if (typeof p === 'string') expect(message).toContain(p);
      else expect(message).toMatch(p);
    }
  } else {
    if (failure) throw failure;
    await verdict.accepted(output);
  }
}
