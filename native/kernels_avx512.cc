// AVX-512 kernels: 12x32 (fp32) and 12x16 (fp64) tiles, 24 zmm accumulators of the 32.
#if defined(__x86_64__)
#include <immintrin.h>
// GCC 12 flags the deliberately undefined vectors inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
namespace {
inline __m512 tg_bcast(const float* p) { return _mm512_set1_ps(*p); }
inline __m512d tg_bcast(const double* p) { return _mm512_set1_pd(*p); }
// Masked partial vectors: lanes past cnt are neither read nor written, so no access past the end.
typedef float f32x16 __attribute__((vector_size(64)));
typedef double f64x8 __attribute__((vector_size(64)));
inline f32x16 tg_load_part(const float* p, int cnt) {
  return (f32x16)_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << cnt) - 1), p);
}
inline f64x8 tg_load_part(const double* p, int cnt) {
  return (f64x8)_mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << cnt) - 1), p);
}
inline void tg_store_part(float* p, f32x16 v, int cnt) {
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << cnt) - 1), (__m512)v);
}
inline void tg_store_part(double* p, f64x8 v, int cnt) {
  _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << cnt) - 1), (__m512d)v);
}
// 16x16 transpose of r (rows) in place: afterwards r[t] holds column t.
static inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0x88);
      t[8 * i + 4 + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0xdd);
    }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
  }
}

// Transposing packs (see kernel_impl.h) for fp32, 16x16 blocks at a time: masked loads read only
// the rows x cols block, masked stores write only `lanes` lanes (zeros past `rows`).
inline bool tg_transpose_rows(const float* src, size_t ld, size_t rows, size_t cols, float* dst, size_t ldd,
                              size_t lanes) {
  for (size_t r0 = 0; r0 < lanes; r0 += 16) {
    const size_t nrow = rows > r0 ? (rows - r0 < 16 ? rows - r0 : 16) : 0;
    const size_t nlane = lanes - r0 < 16 ? lanes - r0 : 16;
    const __mmask16 out_mask = static_cast<__mmask16>((1u << nlane) - 1);
    for (size_t p0 = 0; p0 < cols; p0 += 16) {
      const size_t np = cols - p0 < 16 ? cols - p0 : 16;
      const __mmask16 in_mask = static_cast<__mmask16>((1u << np) - 1);
      __m512 r[16];
      for (size_t i = 0; i < 16; ++i)
        r[i] = i < nrow ? _mm512_maskz_loadu_ps(in_mask, src + (r0 + i) * ld + p0) : _mm512_setzero_ps();
      transpose16(r);
      for (size_t t = 0; t < np; ++t) _mm512_mask_storeu_ps(dst + (p0 + t) * ldd + r0, out_mask, r[t]);
    }
  }
  return true;
}
inline bool tg_transpose_rows(const double*, size_t, size_t, size_t, double*, size_t, size_t) { return false; }
}  // namespace
#include "kernel_impl.h"

namespace tg {
// fp32 kc = 512: each kc block rewrites the C tile, and halving those passes against kc = 256 gained
// 3-6 % at 1536-2048 on one thread (same-process A/B against OpenBLAS), with the 64 KB B panel
// then read from L2 rather than L1; 1024 and below were unchanged within the noise.
KernelSet<float> kernels_f32_avx512() { return make_set<float, 64, 12, 2>("avx512", 384, 512, 1024); }
KernelSet<double> kernels_f64_avx512() { return make_set<double, 64, 12, 2>("avx512", 192, 256, 512); }
}  // namespace tg
#endif
