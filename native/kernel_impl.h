// Micro-kernel and small-product templates, written once with GCC vector extensions and compiled
// per ISA: each kernels_*.cc sets its `#pragma GCC target` before including this file, so the same
// source becomes SSE2, AVX2+FMA or AVX-512 code. Everything here has internal linkage, so no AVX
// instruction can leak into code the linker shares with other translation units.
#pragma once
#include "gemm.h"

namespace {

// Micro-kernel steps of A and of B prefetched ahead.
constexpr int kPrefetchA = 8;
constexpr int kPrefetchB = 8;

// One SIMD vector of VB bytes of T, with whole and partial (cnt <= L leading lanes; the rest read
// as zero and are not written) loads and stores. Partial ones come from the ISA's translation unit.
template <class T, int VB>
struct Vec {
  typedef T V __attribute__((vector_size(VB)));
  static constexpr int L = VB / static_cast<int>(sizeof(T));

  static inline V load(const T* p) {
    V v;
    __builtin_memcpy(&v, p, sizeof(V));
    return v;
  }
  static inline void store(T* p, V v) { __builtin_memcpy(p, &v, sizeof(V)); }
  static inline V load_n(const T* p, int cnt) {
    if (cnt == L) return load(p);
    return tg_load_part(p, cnt);
  }
  static inline void store_n(T* p, V v, int cnt) {
    if (cnt == L)
      store(p, v);
    else
      tg_store_part(p, v, cnt);
  }
};

template <class T, int VB, int MR, int NV>
struct Tile {
  using S = Vec<T, VB>;
  typedef typename S::V V;
  static constexpr int L = S::L;
  static constexpr int NR = NV * L;

  static void kernel(size_t kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c,
                     size_t ldc, T alpha, T beta, size_t mr, size_t nr, const T* __restrict bias, bool relu) {
    V acc[MR][NV];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = V{};
    // Start fetching the C tile now; it is needed only after the k loop.
    {
      T* cp = c;
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i, cp += ldc) {
        __builtin_prefetch(cp, 1);
        __builtin_prefetch(cp + NR - 1, 1);
      }
    }
    // Hide c's value from the optimizer: otherwise GCC keeps all MR row addresses live across the
    // k loop (parked in vector registers), and the accumulators no longer fit in the 32 registers.
    __asm__("" : "+r"(c));
    // One k step per iteration, as tuned (the body is already MR x NV independent FMAs).
#pragma GCC unroll 1
    for (size_t p = 0; p < kc; ++p) {
      // A streams from L2 (a new line every few steps); ask for it early. Prefetching past the
      // panel's end is harmless.
      __builtin_prefetch(ap + kPrefetchA * MR);
      // The B panel is reused by every row panel of the tile: it comes from L1 or L2 (a 512-deep fp32
      // panel is 64 KB), and from L3 or memory on the first row panel of each pass.
#pragma GCC unroll 8
      for (int v = 0; v < NV * int(sizeof(V)) / 64; ++v)
        __builtin_prefetch(bp + kPrefetchB * NR + v * (64 / sizeof(T)));
      V b[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) b[v] = S::load(bp + v * L);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        V a = (V)tg_bcast(ap + i);  // provided by the ISA's translation unit
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] += a * b[v];
      }
      ap += MR;
      bp += NR;
    }
    // A copy goes to finish: handing it acc itself would make GCC keep acc in memory, stores and all,
    // through the k loop.
    V out[MR][NV];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) out[i][v] = acc[i][v];
    finish(out, c, ldc, alpha, beta, mr, nr, bias, relu);
  }

  // C = alpha * acc + beta * C (+ bias, ReLU); edge tiles use partial vectors for the last columns
  // and skip missing rows, with the same arithmetic as full tiles. Out of line: inlined, its many
  // live values make GCC keep one accumulator on the stack through the k loop.
  __attribute__((noinline)) static void finish(const V (&acc)[MR][NV], T* __restrict c, size_t ldc, T alpha,
                                               T beta, size_t mr, size_t nr, const T* __restrict bias, bool relu) {
    const bool full = mr == size_t(MR) && nr == size_t(NR);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      if (!full && size_t(i) >= mr) break;
      T* crow = c + i * ldc;
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        const long left = static_cast<long>(nr) - v * L;
        const int cnt = full ? L : (left >= L ? L : static_cast<int>(left));
        if (cnt <= 0) break;
        V t = alpha * acc[i][v];
        if (beta != T(0)) t = t + beta * S::load_n(crow + v * L, cnt);
        if (bias) t = t + S::load_n(bias + v * L, cnt);
        if (relu) t = t > V{} ? t : V{};
        S::store_n(crow + v * L, t, cnt);
      }
    }
  }
};

// Small products skip packing and keep C in registers: a block of R rows by up to NV vectors of
// columns accumulates in R*NV registers while each step p broadcasts A(i, p) and loads one row of
// op(B) from memory (it stays in L1 for the shapes that take this path). A transposed B is first
// copied into k x n order in scratch. Every element's sum runs over p in order from zero, then
// alpha, beta, bias and ReLU are applied in registers before the single store.
template <class T, int VB>
struct Small {
  using S = Vec<T, VB>;
  typedef typename S::V V;
  static constexpr int L = S::L;

  // Rows [i0, i0+R) by columns [j0, j0 + (NV-1)*L + last) of C.
  template <int R, int NV>
  static inline void block(const tg::GemmCall<T>& g, const T* __restrict b, size_t i0, size_t j0, int last,
                           bool relu) {
    const size_t m = g.m, n = g.n, k = g.k;
    V acc[R][NV];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = V{};
    const T* __restrict a = g.a;
    // A(i, p) sits at a[i*k + p], or at a[p*m + i] when A is transposed.
    const size_t as_i = g.ta ? 1 : k, as_p = g.ta ? m : 1;
    const T* brow = b + j0;
    const T* arow = a + i0 * as_i;
    for (size_t p = 0; p < k; ++p) {
      V bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = v == NV - 1 ? S::load_n(brow + v * L, last) : S::load(brow + v * L);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        V av = (V)tg_bcast(arow + r * as_i);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
      }
      brow += n;
      arow += as_p;
    }
    // The epilogue in passes over the registers, one branch per pass rather than per vector.
    const T alpha = g.alpha, beta = g.beta;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = alpha * acc[r][v];
    T* crow0 = g.c + i0 * n + j0;
    if (beta != T(0)) {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
          acc[r][v] = acc[r][v] + beta * S::load_n(crow0 + r * n + v * L, v == NV - 1 ? last : L);
    }
    if (g.bias) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const V bv = S::load_n(g.bias + j0 + v * L, v == NV - 1 ? last : L);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) acc[r][v] = acc[r][v] + bv;
      }
    }
    if (relu) {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = acc[r][v] > V{} ? acc[r][v] : V{};
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) S::store_n(crow0 + r * n + v * L, acc[r][v], v == NV - 1 ? last : L);
  }

  // Rows [i0, i1) for one chunk of columns, R rows at a time, then the leftover rows one by one.
  template <int R, int NV>
  static void rows(const tg::GemmCall<T>& g, const T* b, size_t j0, int last, bool relu, size_t i0, size_t i1) {
    size_t i = i0;
    for (; i + R <= i1; i += R) block<R, NV>(g, b, i, j0, last, relu);
    for (; i < i1; ++i) block<1, NV>(g, b, i, j0, last, relu);
  }

  template <int R, int NV>
  static void columns(const tg::GemmCall<T>& g, const T* b, size_t j0, int last, bool relu) {
    rows<R, NV>(g, b, j0, last, relu, 0, g.m);
  }

  // Row bands (below) when op(B) is at most kRowOrderBBytes, so it stays in L1 while every band
  // reads it whole, and C is over kRowOrderCBytes: a smaller C stays in cache either way.
  static constexpr size_t kRowOrderBBytes = 16 * 1024;
  static constexpr size_t kRowOrderCBytes = 256 * 1024;

  static void run(const tg::GemmCall<T>& g, T* scratch) {
    const size_t n = g.n, k = g.k;
    const T* b = g.b;
    if (g.tb && n > 1 && k > 1) {
      T* __restrict bt = scratch;
      if (!tg_transpose_rows(g.b, k, n, k, bt, n, n)) {
        // Tiled so both the reads and the writes stay within a few cache lines.
        for (size_t j0 = 0; j0 < n; j0 += 16)
          for (size_t p0 = 0; p0 < k; p0 += 16) {
            const size_t j1 = j0 + 16 < n ? j0 + 16 : n, p1 = p0 + 16 < k ? p0 + 16 : k;
            for (size_t j = j0; j < j1; ++j)
              for (size_t p = p0; p < p1; ++p) bt[p * n + j] = g.b[j * k + p];
          }
      }
      b = bt;
    }
    const bool relu = g.act == tg::Act::Relu;
    if (k * n * sizeof(T) <= kRowOrderBBytes && g.m * n * sizeof(T) > kRowOrderCBytes) {
      // A shallow product with a wide C (a 1-unit output layer's input gradient is 256 x 1024 x 1):
      // bands of 4 rows across every column, so C is written as 4 streams of whole rows rather than
      // one 4 KB-strided piece per row and column chunk; out of cache that was 3-4x slower than a
      // store of the same bytes. Each element's sum is the same in either order.
      const size_t full = n / (4 * L) * (4 * L);
      const size_t rest = n - full;
      const int nv = static_cast<int>((rest + L - 1) / L);
      const int last = static_cast<int>(rest - (nv > 0 ? nv - 1 : 0) * L);
      for (size_t i0 = 0; i0 < g.m; i0 += 4) {
        const size_t i1 = i0 + 4 < g.m ? i0 + 4 : g.m;
        for (size_t j = 0; j < full; j += 4 * L) rows<4, 4>(g, b, j, L, relu, i0, i1);
        switch (nv) {
          case 0: break;
          case 1: rows<4, 1>(g, b, full, last, relu, i0, i1); break;
          case 2: rows<4, 2>(g, b, full, last, relu, i0, i1); break;
          case 3: rows<4, 3>(g, b, full, last, relu, i0, i1); break;
          default: rows<4, 4>(g, b, full, last, relu, i0, i1); break;
        }
      }
      return;
    }
    // Columns in chunks of 4 vectors; the last chunk may be narrower and end in a partial vector.
    size_t j = 0;
    for (; j + 4 * L <= n; j += 4 * L) columns<4, 4>(g, b, j, L, relu);
    const size_t rest = n - j;
    if (rest == 0) return;
    const int nv = static_cast<int>((rest + L - 1) / L);
    const int last = static_cast<int>(rest - (nv - 1) * L);
    // Fewer column vectors leave registers for more rows (more independent FMA chains).
    switch (nv) {
      case 1: columns<8, 1>(g, b, j, last, relu); break;
      case 2: columns<8, 2>(g, b, j, last, relu); break;
      case 3: columns<6, 3>(g, b, j, last, relu); break;
      default: columns<4, 4>(g, b, j, last, relu); break;
    }
  }
};

// Matrix-vector products (n == 1 or m == 1), which the packed path would spend mostly packing
// and the small path would run one lane in L wide. Two forms over a matrix M with leading
// dimension ld and a contiguous vector x of length len:
//   dot:  y[i] = sum_p M[i*ld + p] x[p]   (vectorised along p, the rows of M are contiguous)
//   axpy: y[i] = sum_p M[p*ld + i] x[p]   (vectorised along i, one row of M per step p)
// then y = alpha * sum + beta * y + bias, and ReLU, as the small path does. bias_step is 0 when
// one bias value serves every output (n == 1) and 1 when each output has its own (m == 1).
template <class T, int VB>
struct Gemv {
  using S = Vec<T, VB>;
  typedef typename S::V V;
  static constexpr int L = S::L;

  static inline T finish(T sum, size_t i, const tg::GemmCall<T>& g, T* y, size_t bias_step) {
    T v = g.alpha * sum;
    if (g.beta != T(0)) v = v + g.beta * y[i];
    if (g.bias) v = v + g.bias[i * bias_step];
    if (g.act == tg::Act::Relu) v = v > T(0) ? v : T(0);
    return v;
  }

  template <int R>
  static void dot_block(const tg::GemmCall<T>& g, size_t i0, size_t len, const T* M, size_t ld, const T* x, T* y,
                        size_t bias_step) {
    V acc[R][2];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = V{};
    const T* row = M + i0 * ld;
    size_t p = 0;
    for (; p + 2 * L <= len; p += 2 * L) {
      const V x0 = S::load(x + p), x1 = S::load(x + p + L);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        acc[r][0] += S::load(row + r * ld + p) * x0;
        acc[r][1] += S::load(row + r * ld + p + L) * x1;
      }
    }
    for (; p < len; p += L) {
      const int cnt = len - p < size_t(L) ? static_cast<int>(len - p) : L;
      const V xv = S::load_n(x + p, cnt);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][0] += S::load_n(row + r * ld + p, cnt) * xv;
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const V t = acc[r][0] + acc[r][1];
      T sum = T(0);
      for (int l = 0; l < L; ++l) sum += t[l];
      y[i0 + r] = finish(sum, i0 + r, g, y, bias_step);
    }
  }

  static void dot(const tg::GemmCall<T>& g, size_t rows, size_t len, const T* M, size_t ld, const T* x, T* y,
                  size_t bias_step) {
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) dot_block<4>(g, i, len, M, ld, x, y, bias_step);
    for (; i < rows; ++i) dot_block<1>(g, i, len, M, ld, x, y, bias_step);
  }

  // Outputs [i0, i0 + (NV-1)*L + last).
  template <int NV>
  static void axpy_block(const tg::GemmCall<T>& g, size_t i0, int last, size_t len, const T* M, size_t ld,
                         const T* x, T* y, size_t bias_step) {
    V acc[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[v] = V{};
    const T* col = M + i0;
    for (size_t p = 0; p < len; ++p, col += ld) {
      const V xv = (V)tg_bcast(x + p);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[v] += (v == NV - 1 ? S::load_n(col + v * L, last) : S::load(col + v * L)) * xv;
    }
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const int cnt = v == NV - 1 ? last : L;
      T* out = y + i0 + v * L;
      V t = g.alpha * acc[v];
      if (g.beta != T(0)) t = t + g.beta * S::load_n(out, cnt);
      if (g.bias) t = t + (bias_step ? S::load_n(g.bias + i0 + v * L, cnt) : V{} + g.bias[0]);
      if (g.act == tg::Act::Relu) t = t > V{} ? t : V{};
      S::store_n(out, t, cnt);
    }
  }

  static void axpy(const tg::GemmCall<T>& g, size_t rows, size_t len, const T* M, size_t ld, const T* x, T* y,
                   size_t bias_step) {
    size_t i = 0;
    for (; i + 8 * L <= rows; i += 8 * L) axpy_block<8>(g, i, L, len, M, ld, x, y, bias_step);
    const size_t rest = rows - i;
    if (rest == 0) return;
    const int nv = static_cast<int>((rest + L - 1) / L);
    const int last = static_cast<int>(rest - (nv - 1) * L);
    switch (nv) {
      case 1: axpy_block<1>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 2: axpy_block<2>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 3: axpy_block<3>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 4: axpy_block<4>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 5: axpy_block<5>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 6: axpy_block<6>(g, i, last, len, M, ld, x, y, bias_step); break;
      case 7: axpy_block<7>(g, i, last, len, M, ld, x, y, bias_step); break;
      default: axpy_block<8>(g, i, last, len, M, ld, x, y, bias_step); break;
    }
  }

  // C (m x 1) = op(A) b, or C (1 x n) = a op(B): a vector of length k whichever way it is stored.
  static void run(const tg::GemmCall<T>& g) {
    if (g.n == 1) {
      if (g.ta && g.m > 1)
        axpy(g, g.m, g.k, g.a, g.m, g.b, g.c, 0);
      else  // a 1 x k op(A) is contiguous however it is stored
        dot(g, g.m, g.k, g.a, g.k, g.b, g.c, 0);
    } else if (g.tb) {
      dot(g, g.n, g.k, g.b, g.k, g.a, g.c, 1);
    } else {
      axpy(g, g.n, g.k, g.b, g.n, g.a, g.c, 1);
    }
  }
};

// Rows of a product with a mostly-zero op(A) (tg::SparseRowsFn): for each row, P * NV accumulators
// hold its P * NR columns while each nonzero broadcasts its value against the packed row of op(B)
// at its depth. The packed block is sized to stay in L1, so those loads come from there. Between
// blocks the accumulators rest in a contiguous scratch row (rows of C itself are often a power of
// two apart and would all share a few cache sets); the next row's is prefetched.
template <class T, int VB, int NV, int P>
struct SparseRows {
  using S = Vec<T, VB>;
  typedef typename S::V V;
  static constexpr int L = S::L;
  static constexpr int NR = NV * L;
  static constexpr int W = P * NR;

  static void run(const tg::SparseBlock<T>& sb, size_t r0, size_t r1) {
    const T* __restrict bp = sb.bp;
    const size_t pstride = sb.pstride;
    const T* b1 = bp + pstride;
    const T* b2 = bp + 2 * pstride;
    const T* b3 = bp + 3 * pstride;
    const bool store_c = sb.c != nullptr;
    const bool full = sb.cols == size_t(W);
    for (size_t r = r0; r < r1; ++r) {
      T* __restrict acc_row = sb.acc + r * W;
#pragma GCC unroll 8
      for (int l = 0; l < W * int(sizeof(T)) / 64; ++l)
        __builtin_prefetch(acc_row + W + l * (64 / int(sizeof(T))), 1);
      V acc[P][NV];
#pragma GCC unroll 8
      for (int q = 0; q < P; ++q)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[q][v] = sb.first ? V{} : S::load(acc_row + q * NR + v * L);
      const unsigned lo = sb.ptr[r * sb.ptr_stride], hi = sb.ptr[r * sb.ptr_stride + 1];
      const unsigned* __restrict idx = sb.idx;
      const T* __restrict val = sb.val;
#pragma GCC unroll 1
      for (unsigned t = lo; t < hi; ++t) {
        const V a = (V)tg_bcast(val + t);
        const size_t off = size_t(idx[t]) * NR;
#pragma GCC unroll 8
        for (int q = 0; q < P; ++q) {
          const T* b = (q == 0 ? bp : q == 1 ? b1 : q == 2 ? b2 : b3 + (q - 3) * pstride) + off;
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[q][v] += a * S::load(b + v * L);
        }
      }
      if (!store_c) {
#pragma GCC unroll 8
        for (int q = 0; q < P; ++q)
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) S::store(acc_row + q * NR + v * L, acc[q][v]);
        continue;
      }
      T* __restrict c = sb.c + r * sb.ldc;
#pragma GCC unroll 8
      for (int q = 0; q < P; ++q)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          const long left = static_cast<long>(sb.cols) - (q * NR + v * L);
          const int cnt = full ? L : (left >= L ? L : (left > 0 ? static_cast<int>(left) : 0));
          if (cnt == 0) continue;
          V t = acc[q][v];
          if (sb.beta != T(0)) t = t + sb.beta * S::load_n(c + q * NR + v * L, cnt);
          if (sb.bias) t = t + S::load_n(sb.bias + q * NR + v * L, cnt);
          if (sb.relu) t = t > V{} ? t : V{};
          S::store_n(c + q * NR + v * L, t, cnt);
        }
    }
  }
};

// The sparse path's index of op(A). tg_compress(x, len, alpha, idx, val) writes the nonzeros of
// x[0, len) (NaN included) as alpha * x to val and their positions to idx, in order, and returns
// how many; it may write up to 8 entries past those. An ISA's file may declare a vectorized
// overload for a type (a plain function, which overload resolution prefers to this template);
// this one writes each element and advances the count past nonzeros only, with no branch on the
// data.
template <class T>
inline size_t tg_compress(const T* x, size_t len, T alpha, unsigned* idx, T* val) {
  size_t n = 0;
  for (size_t p = 0; p < len; ++p) {
    const T v = x[p];
    idx[n] = static_cast<unsigned>(p);
    val[n] = alpha * v;
    n += v != T(0);
  }
  return n;
}

template <class T>
size_t sparse_compress(const T* x, size_t len, T alpha, unsigned* idx, T* val) {
  return tg_compress(x, len, alpha, idx, val);
}

// dst[c * rows + r] = src[r * ld + c] for a rows x cols block: a transposed A's columns made rows.
template <class T>
void sparse_transpose(const T* src, size_t ld, size_t rows, size_t cols, T* __restrict dst) {
  if (tg_transpose_rows(src, ld, rows, cols, dst, rows, rows)) return;
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * ld + c];
}

// Packing, compiled per ISA so the copies use the widest vectors. Reading a row-major operand
// "across" (op(A) not transposed, op(B) transposed) is a transpose; an ISA may supply
// tg_transpose_rows(src, ld, rows, cols, dst, ldd, lanes), which writes element (r, p) of the
// rows x cols block at src to dst[p * ldd + r], zero-filling lanes [rows, lanes) of each output
// row, and returns false when it does not handle the case.

// A W-wide panel, k-major, from an operand that already runs along the panel's width: kc steps of
// `cnt` contiguous values, ld apart, zero-padded to W.
template <class T, int W>
void copy_panel(const T* src, size_t ld, size_t cnt, size_t kc, T* __restrict dst) {
  for (size_t p = 0; p < kc; ++p, src += ld, dst += W) {
    if (cnt == size_t(W)) {
      __builtin_memcpy(dst, src, sizeof(T) * W);  // a fixed-size copy: vector moves
    } else {
      size_t i = 0;
      for (; i < cnt; ++i) dst[i] = src[i];
      for (; i < size_t(W); ++i) dst[i] = T(0);
    }
  }
}

// A W-wide panel, k-major, from `rows` rows of kc contiguous values, ld apart (a transpose),
// zero-padded to W.
template <class T, int W>
void transpose_panel(const T* src, size_t ld, size_t rows, size_t kc, T* __restrict dst) {
  if (tg_transpose_rows(src, ld, rows, kc, dst, W, W)) return;
  for (size_t i = 0; i < rows; ++i)
    for (size_t p = 0; p < kc; ++p) dst[p * W + i] = src[i * ld + p];
  for (size_t i = rows; i < size_t(W); ++i)
    for (size_t p = 0; p < kc; ++p) dst[p * W + i] = T(0);
}

// op(A)[ic:ic+mc, pc:pc+kc] as MR-row panels. A stored k x m (transA) runs along the panel.
template <class T, int MR>
void pack_a(const tg::GemmCall<T>& g, size_t ic, size_t mc, size_t pc, size_t kc, T* __restrict dst) {
  for (size_t ir = 0; ir < mc; ir += MR, dst += MR * kc) {
    const size_t mr = mc - ir < size_t(MR) ? mc - ir : size_t(MR);
    if (g.ta)
      copy_panel<T, MR>(g.a + pc * g.m + ic + ir, g.m, mr, kc, dst);
    else
      transpose_panel<T, MR>(g.a + (ic + ir) * g.k + pc, g.k, mr, kc, dst);
  }
}

// op(B)[pc:pc+kc, jc:jc+cols] as consecutive NR-column panels (NR * kc elements each), the last
// zero-padded. B stored k x n (not transB) runs along the panels: it is read one row segment at a
// time across all the panels, so the reads stream through memory. Reading it one panel at a time
// instead walks down a column of lines whose stride (the row length) is often a power of two,
// which maps them all to a few cache sets and sends every read to L3.
template <class T, int NR>
void pack_b(const tg::GemmCall<T>& g, size_t pc, size_t kc, size_t jc, size_t cols, T* __restrict dst) {
  if (g.tb) {
    for (size_t q = 0; q < cols; q += NR, dst += NR * kc) {
      const size_t nr = cols - q < size_t(NR) ? cols - q : size_t(NR);
      transpose_panel<T, NR>(g.b + (jc + q) * g.k + pc, g.k, nr, kc, dst);
    }
    return;
  }
  const size_t full = cols / NR, rest = cols % NR;
  const T* src = g.b + pc * g.n + jc;
  for (size_t p = 0; p < kc; ++p, src += g.n) {
    T* d = dst + p * NR;
    for (size_t q = 0; q < full; ++q) __builtin_memcpy(d + q * NR * kc, src + q * NR, sizeof(T) * NR);
    if (rest) {
      T* e = d + full * NR * kc;
      const T* s = src + full * NR;
      size_t i = 0;
      for (; i < rest; ++i) e[i] = s[i];
      for (; i < size_t(NR); ++i) e[i] = T(0);
    }
  }
}

// The sparse tile: P panels make 8 accumulators (enough independent FMA chains to cover the FMA
// latency), and its packed block of op(B), P * NR columns by sparse_kc deep, is 32 KB (the L1 data
// cache of the smaller CPUs these tables serve). On the AMD EPYC (Zen 3) at density 0.25, 256 x 1024
// by 1024 x 1024, 32 KB ran 1.60-1.79x the dense path, 16 KB 1.57-1.63x, 8 KB 1.22-1.41x, 48 and
// 64 KB 1.35-1.48x: fewer, longer blocks save each row's accumulator loads and stores.
template <class T, int VB, int MR, int NV>
tg::KernelSet<T> make_set(const char* isa, size_t mc, size_t kc, size_t nc) {
  using K = Tile<T, VB, MR, NV>;
  constexpr int P = NV >= 8 ? 1 : 8 / NV;
  constexpr size_t sparse_kc = 32768 / (P * K::NR * sizeof(T));
  return tg::KernelSet<T>{isa, MR, K::NR, mc, kc, nc, &K::kernel, &Small<T, VB>::run, &Gemv<T, VB>::run,
                          &pack_a<T, MR>, &pack_b<T, K::NR>, &SparseRows<T, VB, NV, P>::run, P,
                          sparse_kc < 16 ? 16 : sparse_kc, &sparse_compress<T>, &sparse_transpose<T>};
}

}  // namespace
