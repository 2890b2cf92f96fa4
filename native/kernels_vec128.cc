// 128-bit vector kernels for any CPU: SSE2 on x86-64 (part of its baseline), GCC's generic
// 16-byte vectors elsewhere (NEON on ARM). Nothing beyond the baseline ISA.
#if defined(__SSE2__)
#include <emmintrin.h>
namespace {
inline __m128 tg_bcast(const float* p) { return _mm_set1_ps(*p); }
inline __m128d tg_bcast(const double* p) { return _mm_set1_pd(*p); }
}  // namespace
#else
namespace {
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));
inline f32x4 tg_bcast(const float* p) { return f32x4{*p, *p, *p, *p}; }
inline f64x2 tg_bcast(const double* p) { return f64x2{*p, *p}; }
}  // namespace
#endif
#define TG_VEC_BYTES 16
#include "part_vec_memcpy.h"
#include "kernel_impl.h"

namespace tg {
KernelSet<float> kernels_f32_vec128() { return make_set<float, 16, 4, 2>("vec128", 256, 256, 1024); }
KernelSet<double> kernels_f64_vec128() { return make_set<double, 16, 4, 2>("vec128", 128, 256, 512); }
}  // namespace tg
