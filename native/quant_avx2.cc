// AVX2 int8 dot products: vpmaddubsw (u8 x s8, adjacent pairs summed to int16; never saturating on
// 7-bit codes), vpmaddwd by ones (int16 pairs to int32), vpaddd into 2x4 tiles of accumulators.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "quant.h"
#pragma GCC target("avx2")
#include "quant_groups.h"

namespace tg::q8 {
namespace {

inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// acc[0..3] = the sums of a, b, c, d's lanes.
inline void hsum4(__m256i a, __m256i b, __m256i c, __m256i d, int32_t* acc) {
  const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  const __m128i r = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(acc), r);
}

// The tile's sums, into acc, plus the products of k's tail past p.
template <int R, int C>
inline void finish(const __m256i (&a)[R][C], const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t p,
                   size_t k, int32_t* acc, size_t ldacc) {
  for (int r = 0; r < R; ++r) {
    if constexpr (C == 4)
      hsum4(a[r][0], a[r][1], a[r][2], a[r][3], acc + r * ldacc);
    else
      for (int c = 0; c < C; ++c) acc[r * ldacc + c] = hsum(a[r][c]);
    if (p < k)
      for (int c = 0; c < C; ++c) {
        int32_t s = 0;
        for (size_t q = p; q < k; ++q) s += int32_t(x[r * ldx + q]) * int32_t(w[c * ldw + q]);
        acc[r * ldacc + c] += s;
      }
  }
}

template <int R, int C>
inline void tile(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, int32_t* acc, size_t ldacc) {
  __m256i a[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) a[r][c] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  size_t p = 0;
  for (; p + 32 <= k; p += 32) {
    __m256i xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * ldx + p));
    for (int c = 0; c < C; ++c) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c * ldw + p));
      for (int r = 0; r < R; ++r)
        a[r][c] = _mm256_add_epi32(a[r][c], _mm256_madd_epi16(_mm256_maddubs_epi16(xv[r], wv), ones));
    }
  }
  finish<R, C>(a, x, ldx, w, ldw, p, k, acc, ldacc);
}

// Weights within [-64, 64]: a vpmaddubsw pair is then at most 2 * 127 * 64 = 16256 in magnitude, so
// two of them add in int16 (vpaddw) without overflow and one vpmaddwd widens both: three
// multiply-unit instructions per 64 bytes of k instead of four.
template <int R, int C>
inline void tile_w7(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, int32_t* acc,
                    size_t ldacc) {
  __m256i a[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) a[r][c] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  size_t p = 0;
  for (; p + 64 <= k; p += 64) {
    __m256i x0[R], x1[R];
    for (int r = 0; r < R; ++r) {
      x0[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * ldx + p));
      x1[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * ldx + p + 32));
    }
    for (int c = 0; c < C; ++c) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c * ldw + p));
      __m256i t[R];
      for (int r = 0; r < R; ++r) t[r] = _mm256_maddubs_epi16(x0[r], w0);
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c * ldw + p + 32));
      for (int r = 0; r < R; ++r) {
        t[r] = _mm256_add_epi16(t[r], _mm256_maddubs_epi16(x1[r], w1));
        a[r][c] = _mm256_add_epi32(a[r][c], _mm256_madd_epi16(t[r], ones));
      }
    }
  }
  for (; p + 32 <= k; p += 32) {
    for (int c = 0; c < C; ++c) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c * ldw + p));
      for (int r = 0; r < R; ++r) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * ldx + p));
        a[r][c] = _mm256_add_epi32(a[r][c], _mm256_madd_epi16(_mm256_maddubs_epi16(xv, wv), ones));
      }
    }
  }
  finish<R, C>(a, x, ldx, w, ldw, p, k, acc, ldacc);
}

template <int R>
inline void row_panel_w7(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t cols,
                         int32_t* acc, size_t ldacc) {
  size_t c = 0;
  for (; c + 4 <= cols; c += 4) tile_w7<R, 4>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
  for (; c < cols; ++c) tile_w7<R, 1>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
}

template <int R>
inline void row_panel(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t cols, int32_t* acc,
                      size_t ldacc) {
  size_t c = 0;
  for (; c + 4 <= cols; c += 4) tile<R, 4>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
  for (; c < cols; ++c) tile<R, 1>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
}

}  // namespace

void dots_avx2(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
               int32_t* acc, size_t ldacc) {
  size_t r = 0;
  for (; r + 2 <= rows; r += 2) row_panel<2>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
  if (r < rows) row_panel<1>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
}

void dots_avx2_w7(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                  int32_t* acc, size_t ldacc) {
  size_t r = 0;
  for (; r + 2 <= rows; r += 2) row_panel_w7<2>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
  if (r < rows) row_panel_w7<1>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
}

namespace {

// The broadcast micro-kernel: R rows by 16 channels, 2 x R int32 accumulators whose lanes are
// channels, so no horizontal sums; each step broadcasts 4 bytes of a row against a group of the
// panel (vpmaddubsw then vpmaddwd by ones: 4 products per lane).
template <int R, bool W7>
inline void panel_rows(const uint8_t* x, size_t k, const int8_t* panel, const float* sc, const float* of, bool relu,
                       float* out, size_t ldo, size_t cols) {
  __m256i a0[R], a1[R];
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  const size_t full = k / 4;
  auto step = [&](const int8_t* wg, const int32_t (&xv)[R]) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 32));
    for (int r = 0; r < R; ++r) {
      const __m256i xb = _mm256_set1_epi32(xv[r]);
      a0[r] = _mm256_add_epi32(a0[r], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w0), ones));
      a1[r] = _mm256_add_epi32(a1[r], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w1), ones));
    }
  };
  size_t g = 0;
  if (W7) {
    // Weights within [-64, 64]: two groups' vpmaddubsw results add in int16 (at most 2 * 16256)
    // before one vpmaddwd widens them: three multiply-unit instructions per 8 bytes, not four.
    for (; g + 2 <= full; g += 2) {
      const int8_t* wg = panel + g * 64;
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 32));
      const __m256i w2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 64));
      const __m256i w3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wg + 96));
      for (int r = 0; r < R; ++r) {
        int32_t v0, v1;
        std::memcpy(&v0, x + r * k + 4 * g, 4);
        std::memcpy(&v1, x + r * k + 4 * g + 4, 4);
        const __m256i xb0 = _mm256_set1_epi32(v0), xb1 = _mm256_set1_epi32(v1);
        const __m256i t0 = _mm256_add_epi16(_mm256_maddubs_epi16(xb0, w0), _mm256_maddubs_epi16(xb1, w2));
        const __m256i t1 = _mm256_add_epi16(_mm256_maddubs_epi16(xb0, w1), _mm256_maddubs_epi16(xb1, w3));
        a0[r] = _mm256_add_epi32(a0[r], _mm256_madd_epi16(t0, ones));
        a1[r] = _mm256_add_epi32(a1[r], _mm256_madd_epi16(t1, ones));
      }
    }
  }
  for_each_group<R>(x, k, g, [&](size_t gi, const int32_t (&xv)[R]) { step(panel + gi * 64, xv); });
  const __m256 s0 = _mm256_loadu_ps(sc), s1 = _mm256_loadu_ps(sc + 8);
  const __m256 o0 = _mm256_loadu_ps(of), o1 = _mm256_loadu_ps(of + 8);
  const __m256 zero = _mm256_setzero_ps();
  for (int r = 0; r < R; ++r) {
    // avx2 without fma: mul and add round separately, as the reference does.
    __m256 v0 = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a0[r]), s0), o0);
    __m256 v1 = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a1[r]), s1), o1);
    if (relu) {  // max_ps returns its second operand (+0) for NaN and for -0, as v > 0 ? v : 0 does
      v0 = _mm256_max_ps(v0, zero);
      v1 = _mm256_max_ps(v1, zero);
    }
    float* o = out + r * ldo;
    if (cols == kPanel) {
      _mm256_storeu_ps(o, v0);
      _mm256_storeu_ps(o + 8, v1);
    } else {
      alignas(32) float tmp[kPanel];
      _mm256_store_ps(tmp, v0);
      _mm256_store_ps(tmp + 8, v1);
      std::memcpy(o, tmp, cols * sizeof(float));
    }
  }
}

}  // namespace

void panel_avx2(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                const float* offset, bool relu, float* out, size_t ldo, bool w7) {
  float sc[kPanel] = {}, of[kPanel] = {};
  std::memcpy(sc, scale, cols * sizeof(float));
  std::memcpy(of, offset, cols * sizeof(float));
  size_t r = 0;
  if (w7) {
    for (; r + 4 <= rows; r += 4) panel_rows<4, true>(x + r * k, k, panel, sc, of, relu, out + r * ldo, ldo, cols);
    for (; r < rows; ++r) panel_rows<1, true>(x + r * k, k, panel, sc, of, relu, out + r * ldo, ldo, cols);
  } else {
    for (; r + 4 <= rows; r += 4) panel_rows<4, false>(x + r * k, k, panel, sc, of, relu, out + r * ldo, ldo, cols);
    for (; r < rows; ++r) panel_rows<1, false>(x + r * k, k, panel, sc, of, relu, out + r * ldo, ldo, cols);
  }
}

bool within_64_avx2(const int8_t* w, size_t len) {
  // w + 64 as unsigned bytes: [-64, 64] maps onto [0, 128], every other weight above 128. The
  // running maximum of those bytes says whether any was.
  const __m256i bias = _mm256_set1_epi8(64);
  __m256i hi = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= len; i += 32)
    hi = _mm256_max_epu8(hi, _mm256_add_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i)), bias));
  const __m256i limit = _mm256_set1_epi8(static_cast<char>(128));
  if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(hi, limit), limit)) != -1) return false;
  for (; i < len; ++i)
    if (w[i] < -64 || w[i] > 64) return false;
  return true;
}

void quantize_avx2(const float* x, size_t len, float scale, float zero_point, uint8_t* out) {
  const __m256 s = _mm256_set1_ps(scale), zp = _mm256_set1_ps(zero_point);
  const __m256 lo = _mm256_setzero_ps(), hi = _mm256_set1_ps(127.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  auto codes = [&](const float* p) {
    __m256 v = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(p), s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_max_ps(_mm256_add_ps(v, zp), lo);  // max_ps gives its second operand for NaN: 0
    return _mm256_cvtps_epi32(_mm256_min_ps(v, hi));
  };
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    const __m256i ab = _mm256_packs_epi32(codes(x + i), codes(x + i + 8));
    const __m256i cd = _mm256_packs_epi32(codes(x + i + 16), codes(x + i + 24));
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), bytes);
  }
  if (i < len) quantize_scalar(x + i, len - i, scale, zero_point, out + i);
}

}  // namespace tg::q8
#endif
