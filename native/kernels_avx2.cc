// AVX2 + FMA kernels: 6x16 (fp32) and 6x8 (fp64) tiles keep 12 accumulators in the 16 ymm registers.
#if defined(__x86_64__)
#include <immintrin.h>
#pragma GCC target("avx2,fma")
namespace {
inline __m256 tg_bcast(const float* p) { return _mm256_broadcast_ss(p); }
inline __m256d tg_bcast(const double* p) { return _mm256_broadcast_sd(p); }
}  // namespace
#define TG_VEC_BYTES 32
#include "part_vec_memcpy.h"
#include "kernel_impl.h"

namespace tg {
KernelSet<float> kernels_f32_avx2() { return make_set<float, 32, 6, 2>("avx2+fma", 192, 256, 1024); }
KernelSet<double> kernels_f64_avx2() { return make_set<double, 32, 6, 2>("avx2+fma", 96, 256, 512); }
}  // namespace tg
#endif
