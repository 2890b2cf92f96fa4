import { describe, expect, it } from 'vitest';
import { isMissing, parseBoolean, parseNumber, profileColumn } from '../../src/data/columns.js';

describe('cells', () => {
  it.each(['', ' ', 'NA', 'na', 'N/A', 'NaN', 'null', 'None', '?'])('%j is missing', (c) =>
    expect(isMissing(c)).toBe(true),
  );
  it.each(['0', 'x', 'nah'])('%j is not missing', (c) => expect(isMissing(c)).toBe(false));

  it('parses decimal and scientific numbers only', () => {
    expect(parseNumber('9.83E-05')).toBeCloseTo(9.83e-5, 12);
    expect(parseNumber(' -3 ')).toBe(-3);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('7.')).toBe(7);
    for (const bad of ['0x1f', 'Infinity', '1e999', '1,5', 'abc', '']) expect(parseNumber(bad)).toBeNull();
  });

  it('parses boolean tokens in any case', () => {
    expect(parseBoolean('TRUE')).toBe(true);
    expect(parseBoolean('no')).toBe(false);
    expect(parseBoolean('Y')).toBe(true);
    expect(parseBoolean('0')).toBe(false);
    expect(parseBoolean('maybe')).toBeNull();
  });
});

describe('profileColumn', () => {
  it.each([
    [['1', '2.5', '3e2'], 'numeric'],
    [['1', '0', '1'], 'boolean'],
    [['TRUE', 'FALSE'], 'boolean'],
    [['yes', 'No'], 'boolean'],
    [['1', '0', '2'], 'numeric'],
    [['yes', 'TRUE'], 'categorical'],
    [['Feb', 'Mar'], 'categorical'],
    [['a', 'b', '1'], 'categorical'],
  ])('%j is %s', (cells, kind) => expect(profileColumn(cells).kind).toBe(kind));

  it('keeps integer codes numeric unless forced (no guessing from names or counts)', () => {
    expect(profileColumn(['1', '2', '3', '1', '2']).kind).toBe('numeric');
    expect(profileColumn(['1', '2', '3'], true).kind).toBe('categorical');
  });

  it('finds missing cells and stray text in a mostly numeric column', () => {
    const cells = ['1', '2', 'NA', '4', '5', '6', '7', '8', '9', '10', '11', 'abc'];
    const p = profileColumn(cells);
    expect(p.kind).toBe('numeric');
    expect(p.missing).toEqual([2]);
    expect(p.strayText).toEqual([{ index: 11, value: 'abc' }]);
  });
});
