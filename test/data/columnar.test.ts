import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Column, readCsvColumns } from '../../src/data/columnar.js';
import { readCsv } from '../../src/data/csv.js';
import { onlineShoppersPath } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(text: string, options = {}) {
  const path = join(dir, `t${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, text);
  return readCsvColumns(path, options);
}

const byName = (columns: Column[], name: string) => columns.find((c) => c.name === name)!;

describe('readCsvColumns', () => {
  it('reads numbers into Float64Array and text into codes, with missing masks', async () => {
    const t = await read('n;city;flag\n1,5;Oslo;TRUE\nNA;Rome;FALSE\n3;;TRUE\n', { decimalComma: true });
    expect(t.rows).toBe(3);
    expect(t.delimiter).toBe(';');
    const n = byName(t.columns, 'n');
    expect(n.kind).toBe('numeric');
    expect(n.kind === 'numeric' && Array.from(n.values)).toEqual([1.5, Number.NaN, 3]);
    expect(n.missing && Array.from(n.missing)).toEqual([0, 1, 0]);
    const city = byName(t.columns, 'city');
    expect(city.kind === 'categorical' && [Array.from(city.codes), city.categories]).toEqual([
      [0, 1, -1],
      ['Oslo', 'Rome'],
    ]);
    expect(city.missing && Array.from(city.missing)).toEqual([0, 0, 1]);
    expect(byName(t.columns, 'flag').missing).toBeNull();
  });

  it('turns a column categorical at its first text cell, keeping earlier rows', async () => {
    const t = await read('v\n1\n2.50\n\nx\n2.5\n');
    const v = byName(t.columns, 'v');
    expect(v.kind).toBe('categorical');
    expect(v.kind === 'categorical' && v.categories).toEqual(['1', '2.5', 'x']);
    expect(v.kind === 'categorical' && Array.from(v.codes)).toEqual([0, 1, 2, 1]);
  });

  it('keeps the text of a column named categorical', async () => {
    const t = await read('id,v\n007,1\n7,2\n', { categorical: ['id'] });
    const id = byName(t.columns, 'id');
    expect(id.kind === 'categorical' && id.categories).toEqual(['007', '7']);
  });

  const path = onlineShoppersPath();
  it.skipIf(!path)('reads the bundled data as the table reader does', async () => {
    const t = await readCsvColumns(path!);
    const table = readCsv(path!);
    expect(t.rows).toBe(12330);
    const month = byName(t.columns, 'Month');
    expect(month.kind === 'categorical' && month.categories.length).toBe(10);
    const pv = byName(t.columns, 'PageValues');
    const c = table.header.indexOf('PageValues');
    expect(pv.kind === 'numeric' && Array.from(pv.values)).toEqual(table.rows.map((r) => Number(r[c])));
  });
});
