// AVX2 int8 dot products: vpmaddubsw (u8 x s8, adjacent pairs summed to int16; never saturating on
// 7-bit codes), vpmaddwd by ones (int16 pairs to int32), vpaddd into 2x4 tiles of accumulators.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>

#include "quant.h"
#pragma GCC target("avx2")

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
