// Prints the characteristic polynomial of xoshiro128**'s state transition over GF(2), the constant
// native/xoshiro.h uses to jump the generator ahead by any number of steps (so the dropout mask
// can be drawn in SIMD lanes and on threads while giving the same stream as one serial loop).
//
// The state update is linear over GF(2) (xors, shifts and a rotation of 128 bits), so each state
// bit is a linear recurring sequence. Berlekamp-Massey on one bit's sequence gives its minimal
// polynomial; xoshiro128 has period 2^128 - 1, so that polynomial has degree 128 and is the
// characteristic polynomial P of the transition matrix M. By Cayley-Hamilton P(M) = 0, hence
// M^n = (x^n mod P)(M): a jump of n steps is a sum of at most 128 consecutive states.
//
// Usage: node scripts/xoshiro-charpoly.mjs   (checks a few jumps against serial steps, then prints)

function step(s) {
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
}

/** Minimal polynomial (coefficients c[0..L], c[0] = 1 for the recurrence form) of bits a. */
function berlekampMassey(a) {
  const n = a.length;
  const c = new Uint8Array(n + 1);
  let b = new Uint8Array(n + 1);
  c[0] = 1;
  b[0] = 1;
  let L = 0;
  let m = 1;
  for (let i = 0; i < n; i++) {
    let d = a[i];
    for (let j = 1; j <= L; j++) d ^= c[j] & a[i - j];
    if (d === 0) {
      m++;
      continue;
    }
    const t = c.slice();
    for (let j = 0; j + m <= n; j++) c[j + m] ^= b[j];
    if (2 * L <= i) {
      L = i + 1 - L;
      b = t;
      m = 1;
    } else m++;
  }
  return { c: c.slice(0, L + 1), L };
}

const s = new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x7f4a7c15]);
const bits = [];
for (let i = 0; i < 512; i++) {
  bits.push(s[0] & 1);
  step(s);
}
const { c, L } = berlekampMassey(bits);
if (L !== 128) throw new Error(`expected degree 128, got ${L}`);
// Recurrence a[i] = sum_{j=1..L} c[j] a[i-j]  <=>  P(x) = x^L + sum_j c[j] x^(L-j).
// P's coefficients of x^0..x^127 (x^128's is implied) as a 128-bit BigInt.
let P = 0n;
for (let j = 1; j <= L; j++) if (c[j]) P |= 1n << BigInt(L - j);

const MASK = (1n << 128n) - 1n;
/** a * b mod (x^128 + P) over GF(2). */
function mulmod(a, b) {
  let r = 0n;
  for (let i = 0n; i < 128n; i++) {
    if ((a >> i) & 1n) r ^= b;
    const top = (b >> 127n) & 1n;
    b = (b << 1n) & MASK;
    if (top) b ^= P;
  }
  return r;
}
function xPowMod(n) {
  let result = 1n;
  let base = 2n; // x
  while (n > 0n) {
    if (n & 1n) result = mulmod(result, base);
    base = mulmod(base, base);
    n >>= 1n;
  }
  return result;
}
function jump(state, n) {
  const q = xPowMod(BigInt(n));
  const cur = Uint32Array.from(state);
  const acc = new Uint32Array(4);
  for (let i = 0n; i < 128n; i++) {
    if ((q >> i) & 1n) for (let w = 0; w < 4; w++) acc[w] ^= cur[w];
    step(cur);
  }
  return acc;
}

for (const n of [0, 1, 2, 127, 128, 129, 1000, 65537, 262144]) {
  const start = new Uint32Array([0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321]);
  const serial = Uint32Array.from(start);
  for (let i = 0; i < n; i++) step(serial);
  const j = jump(start, n);
  if (j.some((v, w) => v !== serial[w])) throw new Error(`jump of ${n} steps disagrees with serial steps`);
}

const words = [];
for (let w = 0n; w < 4n; w++)
  words.push(`0x${((P >> (32n * w)) & 0xffffffffn).toString(16).padStart(8, '0')}u`);
console.log(`// x^0..x^127 of P, 32 bits per word, lowest first (x^128 implied): ${words.join(', ')}`);
