// AVX-512 VNNI int8 dot products: vpdpbusd multiplies 4 adjacent u8 x s8 pairs and adds them into
// an int32 lane in one instruction, with no int16 step; 4x4 tiles of zmm accumulators. Chosen only
// on CPUs that report avx512vnni (quant.cc); not run on the development machine (AVX2 only).
#if defined(__x86_64__)
#include <immintrin.h>

#include "quant.h"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")

namespace tg::q8 {
namespace {

template <int R, int C>
inline void tile(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, int32_t* acc, size_t ldacc) {
  __m512i a[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) a[r][c] = _mm512_setzero_si512();
  size_t p = 0;
  for (; p + 64 <= k; p += 64) {
    __m512i xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm512_loadu_si512(x + r * ldx + p);
    for (int c = 0; c < C; ++c) {
      const __m512i wv = _mm512_loadu_si512(w + c * ldw + p);
      for (int r = 0; r < R; ++r) a[r][c] = _mm512_dpbusd_epi32(a[r][c], xv[r], wv);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      int32_t s = _mm512_reduce_add_epi32(a[r][c]);
      for (size_t q = p; q < k; ++q) s += int32_t(x[r * ldx + q]) * int32_t(w[c * ldw + q]);
      acc[r * ldacc + c] = s;
    }
}

template <int R>
inline void row_panel(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t cols, int32_t* acc,
                      size_t ldacc) {
  size_t c = 0;
  for (; c + 4 <= cols; c += 4) tile<R, 4>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
  for (; c < cols; ++c) tile<R, 1>(x, ldx, w + c * ldw, ldw, k, acc + c, ldacc);
}

}  // namespace

void dots_avx512vnni(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                     int32_t* acc, size_t ldacc) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) row_panel<4>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
  for (; r < rows; ++r) row_panel<1>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
}

}  // namespace tg::q8
#endif
