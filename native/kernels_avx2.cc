// AVX2 + FMA kernels: 6x16 (fp32) and 6x8 (fp64) tiles keep 12 accumulators in the 16 ymm registers.
#if defined(__x86_64__)
#include <immintrin.h>
#pragma GCC target("avx2,fma")
namespace {
inline __m256 tg_bcast(const float* p) { return _mm256_broadcast_ss(p); }
inline __m256d tg_bcast(const double* p) { return _mm256_broadcast_sd(p); }
}  // namespace
namespace {
// Partial vectors through a zeroed temporary: only cnt elements are read or written.
template <class T>
struct PartVec {
  typedef T V __attribute__((vector_size(32)));
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
KernelSet<float> kernels_f32_avx2() { return make_set<float, 32, 6, 2>("avx2+fma", 192, 256, 1024); }
KernelSet<double> kernels_f64_avx2() { return make_set<double, 32, 6, 2>("avx2+fma", 96, 256, 512); }
}  // namespace tg
#endif
