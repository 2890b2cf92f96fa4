// AVX-512 kernels: 12x32 (fp32) and 12x16 (fp64) tiles, 24 zmm accumulators of the 32.
#if defined(__x86_64__)
#include <immintrin.h>
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
namespace {
inline __m512 tg_bcast(const float* p) { return _mm512_set1_ps(*p); }
inline __m512d tg_bcast(const double* p) { return _mm512_set1_pd(*p); }
}  // namespace
#include "kernel_impl.h"

namespace tg {
KernelSet<float> kernels_f32_avx512() { return make_set<float, 64, 12, 2>("avx512", 384, 256, 4096); }
KernelSet<double> kernels_f64_avx512() { return make_set<double, 64, 12, 2>("avx512", 192, 256, 4096); }
}  // namespace tg
#endif
