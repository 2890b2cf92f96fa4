// AVX2 + FMA kernels: 6x16 (fp32) and 6x8 (fp64) tiles keep 12 accumulators in the 16 ymm registers.
#if defined(__x86_64__)
#include <immintrin.h>
#pragma GCC target("avx2,fma")
namespace {
inline __m256 tg_bcast(const float* p) { return _mm256_broadcast_ss(p); }
inline __m256d tg_bcast(const double* p) { return _mm256_broadcast_sd(p); }
}  // namespace
#define TG_VEC_BYTES 32
#define TG_HAVE_TRANSPOSE 1
#include "part_vec_memcpy.h"

namespace {
// 8x8 transpose of r (rows) in place: afterwards r[t] holds column t.
inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
    r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
  }
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x20);
    t[4 + j] = _mm256_permute2f128_ps(r[j], r[4 + j], 0x31);
  }
  for (int j = 0; j < 8; ++j) r[j] = t[j];
}

// 4x4 transpose of r (rows) in place.
inline void transpose4(__m256d (&r)[4]) {
  const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

template <class T, class V>
inline V load_cnt(const T* p, size_t cnt) {
  constexpr size_t L = sizeof(V) / sizeof(T);
  if (cnt == L) {
    V v;
    __builtin_memcpy(&v, p, sizeof(V));
    return v;
  }
  V v{};
  __builtin_memcpy(&v, p, cnt * sizeof(T));
  return v;
}

// Stores the first cnt lanes of v; 6 of 8 floats (the fp32 A panel) as a 16- and an 8-byte move.
template <class T, class V>
inline void store_cnt(T* p, V v, size_t cnt) {
  constexpr size_t L = sizeof(V) / sizeof(T);
  if (cnt == L)
    __builtin_memcpy(p, &v, sizeof(V));
  else
    __builtin_memcpy(p, &v, cnt * sizeof(T));
}

// Transposing packs (see kernel_impl.h) in LxL blocks: rows past `rows` read as zero, only the
// rows x cols block of src is read and only `lanes` lanes of each output row are written.
template <class T, class V, int L, void (*Transpose)(V (&)[L])>
inline bool transpose_rows(const T* src, size_t ld, size_t rows, size_t cols, T* dst, size_t ldd, size_t lanes) {
  for (size_t r0 = 0; r0 < lanes; r0 += L) {
    const size_t nrow = rows > r0 ? (rows - r0 < size_t(L) ? rows - r0 : size_t(L)) : 0;
    const size_t nlane = lanes - r0 < size_t(L) ? lanes - r0 : size_t(L);
    size_t p0 = 0;
    if (nrow == size_t(L) && nlane == size_t(L)) {
      // Whole blocks: plain loads and stores.
      for (; p0 + L <= cols; p0 += L) {
        V r[L];
        for (int i = 0; i < L; ++i) __builtin_memcpy(&r[i], src + (r0 + i) * ld + p0, sizeof(V));
        Transpose(r);
        for (int t = 0; t < L; ++t) __builtin_memcpy(dst + (p0 + t) * ldd + r0, &r[t], sizeof(V));
      }
    }
    for (; p0 < cols; p0 += L) {
      const size_t np = cols - p0 < size_t(L) ? cols - p0 : size_t(L);
      V r[L];
      for (size_t i = 0; i < size_t(L); ++i)
        r[i] = i < nrow ? load_cnt<T, V>(src + (r0 + i) * ld + p0, np) : V{};
      Transpose(r);
      for (size_t t = 0; t < np; ++t) store_cnt<T, V>(dst + (p0 + t) * ldd + r0, r[t], nlane);
    }
  }
  return true;
}

inline bool tg_transpose_rows(const float* src, size_t ld, size_t rows, size_t cols, float* dst, size_t ldd,
                              size_t lanes) {
  return transpose_rows<float, __m256, 8, transpose8>(src, ld, rows, cols, dst, ldd, lanes);
}

// The sparse path's index (tg_compress, see kernel_impl.h; fp64 takes its generic one): for fp32,
// eight elements at a time, a compare gives the mask of nonzeros (NaN included), and a permutation
// from a 256-entry table moves them, and their positions, to the front of one store each.
struct CompressTable {
  unsigned long long perm[256];  // byte t: the lane moved to position t
  CompressTable() {
    for (int mask = 0; mask < 256; ++mask) {
      unsigned long long v = 0;
      int t = 0;
      for (int lane = 0; lane < 8; ++lane)
        if (mask & (1 << lane)) v |= static_cast<unsigned long long>(lane) << (8 * t++);
      perm[mask] = v;
    }
  }
};
const CompressTable g_compress_table;

inline size_t tg_compress(const float* x, size_t len, float alpha, unsigned* idx, float* val) {
  const __m256 zero = _mm256_setzero_ps(), scale = _mm256_set1_ps(alpha);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  size_t n = 0, p = 0;
  for (; p + 8 <= len; p += 8) {
    const __m256 v = _mm256_loadu_ps(x + p);
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ));
    const __m256i perm = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(g_compress_table.perm[mask])));
    _mm256_storeu_ps(val + n, _mm256_mul_ps(_mm256_permutevar8x32_ps(v, perm), scale));
    const __m256i at = _mm256_add_epi32(_mm256_permutevar8x32_epi32(lanes, perm), _mm256_set1_epi32(static_cast<int>(p)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + n), at);
    n += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(mask)));
  }
  for (; p < len; ++p) {
    const float v = x[p];
    idx[n] = static_cast<unsigned>(p);
    val[n] = alpha * v;
    n += v != 0.0f;
  }
  return n;
}

inline bool tg_transpose_rows(const double* src, size_t ld, size_t rows, size_t cols, double* dst, size_t ldd,
                              size_t lanes) {
  return transpose_rows<double, __m256d, 4, transpose4>(src, ld, rows, cols, dst, ldd, lanes);
}
}  // namespace
#include "kernel_impl.h"

namespace tg {
// fp32 kc = 1024: each kc block rewrites the C tile, and with the whole of a 1024-deep product in
// one block the AMD EPYC (Zen 3, 512 KB L2) ran the k = 1024 shapes of the wide model's step 3-7 %
// faster and 1024^3 / 2048^3 4-6 % faster than with kc = 256 (one thread, paired against the same
// addon, medians of 7-9); kc = 512 gained about half of that. The 64 KB B panel is then read from
// L2 and the A block streams from L3, which the prefetches hide.
KernelSet<float> kernels_f32_avx2() { return make_set<float, 32, 6, 2>("avx2+fma", 192, 1024, 1024); }
KernelSet<double> kernels_f64_avx2() { return make_set<double, 32, 6, 2>("avx2+fma", 96, 256, 512); }
}  // namespace tg
#endif
