import { describe, expect, it } from 'vitest';
import { isMissingBytes, parseNumberBytes } from '../../src/data/cells.js';
import { isMissing, MISSING_TOKENS, parseNumber } from '../../src/data/columns.js';
import { ABSENT, Dictionary, OVERFLOW } from '../../src/data/dictionary.js';
import { Generator } from '../../src/random.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const fromBytes = (s: string, decimalComma = false) => parseNumberBytes(bytes(s), 0, s.length, decimalComma);
const fromText = (s: string, decimalComma = false) => parseNumber(s, decimalComma) ?? Number.NaN;

describe('parseNumberBytes gives what parseNumber gives', () => {
  it.each([
    '0',
    '-0',
    '+7',
    '007',
    '1.',
    '.5',
    '-.25',
    '9.83E-05',
    '1e22',
    '1e23',
    '123456789012345678901234567890',
    '0.1',
    '0.30000000000000004',
    '4.9e-324',
    '2.2250738585072014e-308',
    '1.7976931348623157e308',
    '1e999',
    '-1e999',
    '0e999',
    '1e',
    'e5',
    '.',
    '+',
    '1.2.3',
    '0x1f',
    'Infinity',
    '1,5',
    '1,234.5',
    '12,5',
    '-0,25',
    ',5',
    '1,2,3',
    '9007199254740993',
    '9007199254740993e-5',
  ])('%j', (s) => {
    expect(Object.is(fromBytes(s), fromText(s))).toBe(true);
    expect(Object.is(fromBytes(s, true), fromText(s, true))).toBe(true);
  });

  it.each([1, 2, 3])('on 20,000 random strings of number characters (seed %i)', (seed) => {
    const rng = new Generator(seed);
    const alphabet = '0123456789012345678901234567890123456789..,eE+-';
    for (let k = 0; k < 20_000; k++) {
      let s = '';
      const n = 1 + rng.int(24);
      for (let j = 0; j < n; j++) s += alphabet[rng.int(alphabet.length)];
      for (const comma of [false, true]) {
        const a = fromBytes(s, comma);
        const b = fromText(s, comma);
        if (!Object.is(a, b)) expect({ s, comma, a }).toEqual({ s, comma, a: b });
      }
    }
  });
});

describe('isMissingBytes', () => {
  it('matches isMissing on every token in every case, and on near misses', () => {
    const cases = [
      ...MISSING_TOKENS,
      ...MISSING_TOKENS.map((t) => t.toUpperCase()),
      'Nan',
      'nA',
      'n/b',
      'nul',
      'nonE',
      'no',
      'n',
      '??',
      'x',
    ];
    for (const c of cases) expect(isMissingBytes(bytes(c), 0, c.length), c).toBe(isMissing(c));
  });
});

describe('Dictionary', () => {
  it('gives dense codes in order of first appearance, by bytes or by string', () => {
    const d = new Dictionary();
    const word = (w: string) => {
      const b = Buffer.from(`  ${w}  `);
      return d.add(b, 2, b.length - 2, w);
    };
    expect(['Feb', 'Mar', 'Feb', 'Oslo', 'Mar'].map(word)).toEqual([0, 1, 0, 2, 1]);
    expect(d.lookupString('Oslo', false)).toBe(2);
    expect(d.lookupString('Rome', false)).toBe(ABSENT);
    expect(d.values).toEqual(['Feb', 'Mar', 'Oslo']);
  });

  it('keeps thousands of values through rehashing', () => {
    const d = new Dictionary();
    for (let i = 0; i < 5000; i++) expect(d.lookupString(`v${i}`, true)).toBe(i);
    for (let i = 0; i < 5000; i++) expect(d.lookupString(`v${i}`, false)).toBe(i);
    expect(d.lookupString('v5000', false)).toBe(ABSENT);
  });

  it('stops growing at its capacity and says so', () => {
    const d = new Dictionary(2);
    expect(d.lookupString('a', true)).toBe(0);
    expect(d.lookupString('b', true)).toBe(1);
    expect(d.overflowed).toBe(false);
    expect(d.lookupString('c', true)).toBe(OVERFLOW);
    expect(d.overflowed).toBe(true);
    expect(d.lookupString('a', true)).toBe(0);
  });
});
