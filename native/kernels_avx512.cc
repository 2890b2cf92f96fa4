// AVX-512 kernels: 12x32 (fp32) and 12x16 (fp64) tiles, 24 zmm accumulators of the 32.
#if defined(__x86_64__)
#include <immintrin.h>
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
}  // namespace
#include "kernel_impl.h"

namespace tg {
KernelSet<float> kernels_f32_avx512() { return make_set<float, 64, 12, 2>("avx512", 384, 256, 4096); }
KernelSet<double> kernels_f64_avx512() { return make_set<double, 64, 12, 2>("avx512", 192, 256, 4096); }
}  // namespace tg
#endif
