// Micro-kernel and small-product templates, written once with GCC vector extensions and compiled
// per ISA: each kernels_*.cc sets its `#pragma GCC target` before including this file, so the same
// source becomes SSE2, AVX2+FMA or AVX-512 code. Everything here has internal linkage, so no AVX
// instruction can leak into code the linker shares with other translation units.
#pragma once
#include "gemm.h"

namespace {

template <class T, int VB, int MR, int NV>
struct Tile {
  typedef T V __attribute__((vector_size(VB)));
  static constexpr int L = VB / static_cast<int>(sizeof(T));
  static constexpr int NR = NV * L;

  static inline V load(const T* p) {
    V v;
    __builtin_memcpy(&v, p, sizeof(V));
    return v;
  }
  static inline void store(T* p, V v) { __builtin_memcpy(p, &v, sizeof(V)); }

  // C = alpha * acc + beta * C over a full MR x NR tile at c (leading dimension ldc). One code
  // path for full and edge tiles keeps the rounding identical wherever a tile falls.
  static inline void write(V (&acc)[MR][NV], T* c, size_t ldc, T alpha, T beta) {
    if (beta == T(0)) {
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) store(c + i * ldc + v * L, alpha * acc[i][v]);
    } else {
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) {
          V t = alpha * acc[i][v];
          store(c + i * ldc + v * L, t + beta * load(c + i * ldc + v * L));
        }
    }
  }

  static void kernel(size_t kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c,
                     size_t ldc, T alpha, T beta, size_t mr, size_t nr) {
    V acc[MR][NV];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = V{};
    // Start fetching the C tile now; it is needed only after the k loop.
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      __builtin_prefetch(c + i * ldc, 1);
      __builtin_prefetch(c + i * ldc + NR - 1, 1);
    }
    for (size_t p = 0; p < kc; ++p) {
      V b[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) b[v] = load(bp + v * L);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        V a = (V)tg_bcast(ap + i);  // provided by the ISA's translation unit
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] += a * b[v];
      }
      ap += MR;
      bp += NR;
    }
    if (mr == MR && nr == NR) {
      write(acc, c, ldc, alpha, beta);
      return;
    }
    // Edge tile: stage C through a full-size buffer so the arithmetic above is reused as is.
    alignas(64) T tmp[MR * NR];
    if (beta != T(0)) {
      for (size_t i = 0; i < mr; ++i)
        for (size_t j = 0; j < nr; ++j) tmp[i * NR + j] = c[i * ldc + j];
    }
    write(acc, tmp, NR, alpha, beta);
    for (size_t i = 0; i < mr; ++i)
      for (size_t j = 0; j < nr; ++j) c[i * ldc + j] = tmp[i * NR + j];
  }
};

// Small products skip packing: each row of C is accumulated in a contiguous buffer, one row of
// op(B) at a time, so the inner loop is a vectorizable axpy. A transposed B is first copied into
// k x n order (k*n is small here). Rows are done in pairs to reuse each loaded row of B.
template <class T>
void small_gemm(const tg::GemmCall<T>& g, T* scratch) {
  const size_t m = g.m, n = g.n, k = g.k;
  T* __restrict acc0 = scratch;
  T* __restrict acc1 = scratch + n;
  const T* b = g.b;
  if (g.tb) {
    T* __restrict bt = scratch + 2 * n;
    for (size_t j = 0; j < n; ++j)
      for (size_t p = 0; p < k; ++p) bt[p * n + j] = g.b[j * k + p];
    b = bt;
  }
  const T alpha = g.alpha, beta = g.beta;
  auto A = [&](size_t i, size_t p) { return g.ta ? g.a[p * m + i] : g.a[i * k + p]; };
  auto finish = [&](const T* __restrict acc, T* __restrict crow) {
    if (beta == T(0))
      for (size_t j = 0; j < n; ++j) crow[j] = alpha * acc[j];
    else
      for (size_t j = 0; j < n; ++j) {
        T t = alpha * acc[j];
        crow[j] = t + beta * crow[j];
      }
  };
  size_t i = 0;
  for (; i + 2 <= m; i += 2) {
    for (size_t j = 0; j < n; ++j) acc0[j] = acc1[j] = T(0);
    for (size_t p = 0; p < k; ++p) {
      const T a0 = A(i, p), a1 = A(i + 1, p);
      const T* __restrict brow = b + p * n;
      for (size_t j = 0; j < n; ++j) {
        acc0[j] += a0 * brow[j];
        acc1[j] += a1 * brow[j];
      }
    }
    finish(acc0, g.c + i * n);
    finish(acc1, g.c + (i + 1) * n);
  }
  if (i < m) {
    for (size_t j = 0; j < n; ++j) acc0[j] = T(0);
    for (size_t p = 0; p < k; ++p) {
      const T a0 = A(i, p);
      const T* __restrict brow = b + p * n;
      for (size_t j = 0; j < n; ++j) acc0[j] += a0 * brow[j];
    }
    finish(acc0, g.c + i * n);
  }
}

template <class T, int VB, int MR, int NV>
tg::KernelSet<T> make_set(const char* isa, size_t mc, size_t kc, size_t nc) {
  using K = Tile<T, VB, MR, NV>;
  return tg::KernelSet<T>{isa, MR, K::NR, mc, kc, nc, &K::kernel, &small_gemm<T>};
}

}  // namespace
