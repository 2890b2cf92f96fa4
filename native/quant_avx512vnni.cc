// AVX-512 VNNI int8 dot products: vpdpbusd multiplies 4 adjacent u8 x s8 pairs and adds them into
// an int32 lane in one instruction, with no int16 step. Chosen only on CPUs that report avx512vnni
// (quant.cc): the packed broadcast kernel (panel_avx512vnni) from 8 rows up, 4x4 tiles of dot
// products (dots_avx512vnni) below.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "quant.h"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")
#include "quant_groups.h"

namespace tg::q8 {
namespace {

// acc + the 4 u8 x s8 products per lane (vpdpbusd). Through the intrinsic, GCC 12 gives every result
// a new register and copies it back for the next step: in a loop of 16 accumulators that was 32
// register moves per 16 multiply-adds (and two stack spills). Inline assembly with the accumulator
// as an in-out operand keeps each in one register.
inline __m512i dpbusd(__m512i acc, __m512i u8, __m512i s8) {
  asm("vpdpbusd {%2, %1, %0|%0, %1, %2}" : "+v"(acc) : "v"(u8), "v"(s8));
  return acc;
}

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
      for (int r = 0; r < R; ++r) a[r][c] = dpbusd(a[r][c], xv[r], wv);
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

// The broadcast micro-kernel over packed panels (pack_panels: 16 channels x 4 bytes per group, one
// zmm): R rows by P panels (16 channels each, the panels `pstride` bytes apart), R x P int32
// accumulators whose lanes are the channels (no horizontal sums); each group broadcasts 4 bytes of
// a row and one vpdpbusd per panel adds its 4 products per channel. The epilogue's multiply and add
// use explicit rounding, which the compiler never fuses into an FMA: float32(acc) * scale + offset
// rounds twice, as on every other ISA.
template <int R, int P>
inline void panel_rows(const uint8_t* x, size_t k, const int8_t* panel, size_t pstride, const __m512 (&sc)[2],
                       const __m512 (&of)[2], bool relu, float* out, size_t ldo, const __mmask16 (&cols)[2]) {
  __m512i a[R][P];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < P; ++q) a[r][q] = _mm512_setzero_si512();
  auto step = [&](size_t g, const int32_t (&xv)[R]) {
    __m512i wv[P];
    for (int q = 0; q < P; ++q) wv[q] = _mm512_loadu_si512(panel + q * pstride + g * 64);
    for (int r = 0; r < R; ++r) {
      const __m512i xb = _mm512_set1_epi32(xv[r]);
      for (int q = 0; q < P; ++q) a[r][q] = dpbusd(a[r][q], xb, wv[q]);
    }
  };
  for_each_group<R>(x, k, 0, step);
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512 zero = _mm512_setzero_ps();
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < P; ++q) {
      __m512 v = _mm512_add_round_ps(_mm512_mul_round_ps(_mm512_cvtepi32_ps(a[r][q]), sc[q], kRound), of[q], kRound);
      if (relu) v = _mm512_max_ps(v, zero);  // the second operand (+0) for NaN and -0, as v > 0 ? v : 0
      _mm512_mask_storeu_ps(out + r * ldo + q * 16, cols[q], v);
    }
}

template <int P>
void panel_span(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t pstride, const __m512 (&sc)[2],
                const __m512 (&of)[2], bool relu, float* out, size_t ldo, const __mmask16 (&mask)[2]) {
  size_t r = 0;
  for (; r + 8 <= rows; r += 8) panel_rows<8, P>(x + r * k, k, panel, pstride, sc, of, relu, out + r * ldo, ldo, mask);
  for (; r + 4 <= rows; r += 4) panel_rows<4, P>(x + r * k, k, panel, pstride, sc, of, relu, out + r * ldo, ldo, mask);
  for (; r < rows; ++r) panel_rows<1, P>(x + r * k, k, panel, pstride, sc, of, relu, out + r * ldo, ldo, mask);
}

}  // namespace

// cols <= 32: one panel, or two consecutive ones (quant.cc's span 2).
void panel_avx512vnni(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                      const float* offset, bool relu, float* out, size_t ldo, bool /*w7: no int16 step here*/) {
  const size_t first = cols < 16 ? cols : 16, second = cols - first;
  const __mmask16 mask[2] = {static_cast<__mmask16>((1u << first) - 1), static_cast<__mmask16>((1u << second) - 1)};
  const __m512 sc[2] = {_mm512_maskz_loadu_ps(mask[0], scale), _mm512_maskz_loadu_ps(mask[1], scale + first)};
  const __m512 of[2] = {_mm512_maskz_loadu_ps(mask[0], offset), _mm512_maskz_loadu_ps(mask[1], offset + first)};
  const size_t pstride = k_groups(k) * 64;
  if (second > 0)
    panel_span<2>(x, k, rows, panel, pstride, sc, of, relu, out, ldo, mask);
  else
    panel_span<1>(x, k, rows, panel, pstride, sc, of, relu, out, ldo, mask);
}

void dots_avx512vnni(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                     int32_t* acc, size_t ldacc) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) row_panel<4>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
  for (; r < rows; ++r) row_panel<1>(x + r * ldx, ldx, w, ldw, k, cols, acc + r * ldacc, ldacc);
}

}  // namespace tg::q8
#endif
