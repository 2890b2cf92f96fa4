/**
 * Cells read straight from the bytes of a CSV record, without making a string per cell: trimming,
 * the missing-value tokens, and decimal numbers. Each function gives exactly what its string twin in
 * columns.ts gives for the same text (`isMissing`, `parseNumber`); the tests hold them together.
 */

const SPACE = 0x20;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/** Exact powers of ten: every 10^k up to 10^22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT = 2 ** 53;

/** ASCII white space as String.prototype.trim sees it (tab, LF, VT, FF, CR, space). */
export function isAsciiSpace(b: number): boolean {
  return b === SPACE || (b >= 0x09 && b <= 0x0d);
}

/**
 * Trimmed bounds of bytes[start, end), written to `out` as [start, end] so the hot loops allocate
 * nothing. Returns false when an edge byte is not ASCII: String.trim may remove more there (a
 * no-break space, say), so the caller takes the string path.
 */
export function trimBytes(bytes: Uint8Array, start: number, end: number, out: Int32Array): boolean {
  while (start < end && isAsciiSpace(bytes[start])) start++;
  while (end > start && isAsciiSpace(bytes[end - 1])) end--;
  out[0] = start;
  out[1] = end;
  return start === end || (bytes[start] < 0x80 && bytes[end - 1] < 0x80);
}

/** The missing-value tokens of columns.ts ('', na, n/a, nan, null, none, ?), any case, on trimmed bytes. */
export function isMissingBytes(b: Uint8Array, s: number, e: number): boolean {
  const n = e - s;
  if (n === 0) return true;
  if (n > 4) return false;
  const c0 = b[s] | 0x20;
  if (n === 1) return b[s] === 0x3f; // ?
  if (c0 !== 0x6e) return false; // every other token starts with n
  const c1 = b[s + 1] | 0x20;
  if (n === 2) return c1 === 0x61; // na
  const c2 = b[s + 2] | 0x20;
  if (n === 3) return (c1 === 0x61 && c2 === 0x6e) || (b[s + 1] === 0x2f && c2 === 0x61); // nan, n/a
  const c3 = b[s + 3] | 0x20;
  return (c1 === 0x75 && c2 === 0x6c && c3 === 0x6c) || (c1 === 0x6f && c2 === 0x6e && c3 === 0x65); // null, none
}

/**
 * The number that trimmed bytes[s, e) spell, or NaN when they are not a plain decimal number
 * (columns.ts's pattern: optional sign, digits with an optional point, optional exponent; no hex,
 * no Infinity, no thousands separators) or when it overflows to infinity. With `decimalComma` the
 * first comma is the point in a cell that has no '.'. Mantissas up to 2^53 with a power of ten up
 * to 22 are computed exactly in one rounding (Clinger's fast path, so the result equals Number() of
 * the text); anything longer goes through Number() itself.
 */
export function parseNumberBytes(b: Uint8Array, s: number, e: number, decimalComma: boolean): number {
  // Most cells are short whole numbers (counts, codes): digits alone, read in one loop.
  if (e - s <= 15) {
    let whole = 0;
    let k = s;
    while (k < e) {
      const d = b[k] - ZERO;
      if (d < 0 || d > 9) break;
      whole = whole * 10 + d;
      k++;
    }
    if (k === e && e > s) return whole;
  }
  let i = s;
  let negative = false;
  if (i < e && (b[i] === PLUS || b[i] === MINUS)) {
    negative = b[i] === MINUS;
    i++;
  }
  let mantissa = 0;
  let exact = true;
  let intDigits = 0;
  let fracDigits = 0;
  while (i < e && b[i] >= ZERO && b[i] <= NINE) {
    mantissa = mantissa * 10 + (b[i] - ZERO);
    intDigits++;
    i++;
  }
  if (i < e && (b[i] === DOT || (decimalComma && b[i] === COMMA && !hasDot(b, i + 1, e)))) {
    i++;
    while (i < e && b[i] >= ZERO && b[i] <= NINE) {
      mantissa = mantissa * 10 + (b[i] - ZERO);
      fracDigits++;
      i++;
    }
  }
  if (intDigits + fracDigits === 0) return Number.NaN;
  if (mantissa > MAX_EXACT) exact = false;
  let exponent = 0;
  if (i < e && (b[i] | 0x20) === 0x65) {
    i++;
    let expNegative = false;
    if (i < e && (b[i] === PLUS || b[i] === MINUS)) {
      expNegative = b[i] === MINUS;
      i++;
    }
    const first = i;
    while (i < e && b[i] >= ZERO && b[i] <= NINE) {
      if (exponent < 100000) exponent = exponent * 10 + (b[i] - ZERO);
      i++;
    }
    if (i === first) return Number.NaN;
    if (expNegative) exponent = -exponent;
  }
  if (i !== e) return Number.NaN;
  const scale = exponent - fracDigits;
  let v: number;
  if (mantissa === 0 && exact) v = 0;
  else if (exact && scale >= 0 && scale <= 22) v = mantissa * POW10[scale];
  else if (exact && scale < 0 && scale >= -22) v = mantissa / POW10[-scale];
  else return slowNumber(b, s, e, decimalComma);
  return negative ? -v : v;
}

function hasDot(b: Uint8Array, from: number, e: number): boolean {
  for (let i = from; i < e; i++) if (b[i] === DOT) return true;
  return false;
}

/** Number() of the (ASCII, already validated) text, as columns.ts does it. */
function slowNumber(b: Uint8Array, s: number, e: number, decimalComma: boolean): number {
  let text = '';
  for (let i = s; i < e; i++) text += String.fromCharCode(b[i]);
  if (decimalComma && !text.includes('.')) text = text.replace(',', '.');
  const v = Number(text);
  return Number.isFinite(v) ? v : Number.NaN;
}
