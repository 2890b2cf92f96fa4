// Portable kernels: 16-byte vectors (SSE2 on x86-64, NEON or plain code elsewhere), nothing beyond
// the baseline ISA.
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
namespace {
// Partial vectors through a zeroed temporary: only cnt elements are read or written.
template <class T>
struct PartVec {
  typedef T V __attribute__((vector_size(16)));
};
template <class T>
inline typename PartVec<T>::V tg_load_part(const T* p, int cnt) {
  typename PartVec<T>::V v{};
  __builtin_memcpy(&v, p, static_cast<size_t>(cnt) * sizeof(T));
  return v;
}
template <class T>
inline void tg_store_part(T* p, typename PartVec<T>::V v, int cnt) {
  __builtin_memcpy(p, &v, static_cast<size_t>(cnt) * sizeof(T));
}
// No vectorized transpose here: packing falls back to plain loops.
template <class T>
inline bool tg_transpose_rows(const T*, size_t, size_t, size_t, T*, size_t, size_t) {
  return false;
}
}  // namespace
#include "kernel_impl.h"

namespace tg {
KernelSet<float> kernels_f32_scalar() { return make_set<float, 16, 4, 2>("portable", 256, 256, 1024); }
KernelSet<double> kernels_f64_scalar() { return make_set<double, 16, 4, 2>("portable", 128, 256, 512); }
}  // namespace tg
