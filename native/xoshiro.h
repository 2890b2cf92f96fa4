// xoshiro128** as the dropout kernel draws it (Generator.fillUint32 in src/random.ts), serially and
// in lanes. The state update is linear over GF(2), so n steps are the matrix power M^n, and M^n
// equals (x^n mod P)(M) where P is M's characteristic polynomial (Cayley-Hamilton): a jump of any
// length is a sum of at most 128 consecutive states. Lanes started at jumped states draw disjoint
// pieces of the one serial stream, so the SIMD and threaded paths give the serial stream's bits.
// P comes from scripts/xoshiro-charpoly.mjs (Berlekamp-Massey on one state bit), which also checks
// jumps against serial steps; the dropout parity tests check the lanes against the TypeScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "training.h"  // TG_CLONES

namespace tg {

// One xoshiro128** step on state words of type W (uint32_t, or a vector of lanes): returns the
// output and advances the state. The serial fill, the jumps and the SIMD lanes all step through it.
template <class W>
inline W xoshiro128ss_next(W& s0, W& s1, W& s2, W& s3) {
  const W r = s1 * 5u;
  const W out = ((r << 7) | (r >> 25)) * 9u;
  const W t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >> 21);
  return out;
}

// One step of the state, the output left unused.
inline void xoshiro128_step(uint32_t* s) { xoshiro128ss_next(s[0], s[1], s[2], s[3]); }

// The next w outputs of xoshiro128** (state s, advanced in place). Kept out of line: inlined into
// the dropout loop, the compiler schedules both worse.
__attribute__((noinline)) inline void xoshiro128ss_fill(uint32_t* s, size_t w, uint32_t* draws) {
  uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  for (size_t i = 0; i < w; ++i) draws[i] = xoshiro128ss_next(s0, s1, s2, s3);
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
}

// A polynomial over GF(2) of degree < 128: bit i of (lo, hi) is the coefficient of x^i.
struct Gf2Poly {
  uint64_t lo = 0, hi = 0;
};

// x^0..x^127 of P (x^128 implied), from scripts/xoshiro-charpoly.mjs.
constexpr Gf2Poly kXoshiro128CharPoly{0x1b489db6de18fc01ull, 0x00fc65a2006254b1ull};

// a * b mod P.
inline Gf2Poly gf2_mulmod(Gf2Poly a, Gf2Poly b) {
  Gf2Poly r;
  for (int i = 0; i < 128; ++i) {
    const uint64_t bit = i < 64 ? (a.lo >> i) & 1u : (a.hi >> (i - 64)) & 1u;
    const uint64_t take = uint64_t{0} - bit;
    r.lo ^= b.lo & take;
    r.hi ^= b.hi & take;
    const uint64_t top = uint64_t{0} - (b.hi >> 63);
    b.hi = (b.hi << 1) | (b.lo >> 63);
    b.lo <<= 1;
    b.lo ^= kXoshiro128CharPoly.lo & top;
    b.hi ^= kXoshiro128CharPoly.hi & top;
  }
  return r;
}

// x^n mod P, from x^(2^i) mod P (i < 64) computed once.
inline Gf2Poly gf2_x_pow(uint64_t n) {
  struct Table {
    Gf2Poly p[64];
    Table() {
      p[0] = Gf2Poly{2, 0};  // x
      for (int i = 1; i < 64; ++i) p[i] = gf2_mulmod(p[i - 1], p[i - 1]);
    }
  };
  static const Table table;
  Gf2Poly r{1, 0};
  for (int i = 0; n != 0; ++i, n >>= 1)
    if (n & 1u) r = gf2_mulmod(r, table.p[i]);
  return r;
}

// s = q(M) s: with q = x^n mod P, the state n steps ahead.
inline void xoshiro128_jump(uint32_t* s, Gf2Poly q) {
  uint32_t cur[4] = {s[0], s[1], s[2], s[3]};
  uint32_t acc[4] = {0, 0, 0, 0};
  for (int i = 0; i < 128; ++i) {
    const uint64_t bit = i < 64 ? (q.lo >> i) & 1u : (q.hi >> (i - 64)) & 1u;
    const uint32_t take = uint32_t{0} - static_cast<uint32_t>(bit);
    for (int w = 0; w < 4; ++w) acc[w] ^= cur[w] & take;
    xoshiro128_step(cur);
  }
  std::memcpy(s, acc, sizeof acc);
}

constexpr size_t kXoshiroLanes = 8;

// Eight generators side by side: st holds the lanes' states word-major (st[word * 8 + lane]),
// advanced in place by w (a multiple of 8); out[lane * ld + i] is lane's i-th output, i < w. The
// lanes step together in one vector each per state word; every 8 steps the 8 x 8 block of outputs
// is transposed in registers so each lane's run is stored contiguously.
TG_CLONES inline void xoshiro128ss_lanes(uint32_t* st, size_t w, uint32_t* out, size_t ld) {
  typedef uint32_t v8u __attribute__((vector_size(32)));
  v8u s0, s1, s2, s3;
  std::memcpy(&s0, st, sizeof s0);
  std::memcpy(&s1, st + 8, sizeof s1);
  std::memcpy(&s2, st + 16, sizeof s2);
  std::memcpy(&s3, st + 24, sizeof s3);
  for (size_t i = 0; i < w; i += 8) {
    v8u r[8];
    for (int t = 0; t < 8; ++t) r[t] = xoshiro128ss_next(s0, s1, s2, s3);
    // r[t][lane] -> lane's outputs i..i+7: 32-bit, then 64-bit interleaves, then 128-bit halves.
    // (__builtin_shufflevector: clang and GCC 12+.)
    v8u a[8], b[8];
    for (int t = 0; t < 8; t += 2) {
      a[t] = __builtin_shufflevector(r[t], r[t + 1], 0, 8, 1, 9, 4, 12, 5, 13);
      a[t + 1] = __builtin_shufflevector(r[t], r[t + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int h = 0; h < 8; h += 4) {
      b[h] = __builtin_shufflevector(a[h], a[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      b[h + 1] = __builtin_shufflevector(a[h], a[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
      b[h + 2] = __builtin_shufflevector(a[h + 1], a[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
      b[h + 3] = __builtin_shufflevector(a[h + 1], a[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int j = 0; j < 4; ++j) {
      const v8u lane_lo = __builtin_shufflevector(b[j], b[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
      const v8u lane_hi = __builtin_shufflevector(b[j], b[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
      std::memcpy(out + j * ld + i, &lane_lo, sizeof lane_lo);
      std::memcpy(out + (j + 4) * ld + i, &lane_hi, sizeof lane_hi);
    }
  }
  std::memcpy(st, &s0, sizeof s0);
  std::memcpy(st + 8, &s1, sizeof s1);
  std::memcpy(st + 16, &s2, sizeof s2);
  std::memcpy(st + 24, &s3, sizeof s3);
}

}  // namespace tg
