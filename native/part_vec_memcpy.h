// Partial vectors and packing helpers for the ISAs without masked loads (AVX2, 128-bit vectors): each
// kernel file defines TG_VEC_BYTES (its vector width) and includes this before kernel_impl.h.
#ifndef TG_VEC_BYTES
#error "define TG_VEC_BYTES before including part_vec_memcpy.h"
#endif
namespace {
// Partial vectors through a zeroed temporary: only cnt elements are read or written.
template <class T>
struct PartVec {
  typedef T V __attribute__((vector_size(TG_VEC_BYTES)));
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
// Without a vectorized transpose from the ISA's file (TG_HAVE_TRANSPOSE), packing falls back to
// plain loops.
#ifndef TG_HAVE_TRANSPOSE
template <class T>
inline bool tg_transpose_rows(const T*, size_t, size_t, size_t, T*, size_t, size_t) {
  return false;
}
#endif
}  // namespace
