// Shared declarations of the native GEMM: the per-ISA kernel tables and the driver entry points.
// Kept free of standard-library templates so ISA translation units can include it after their
// `#pragma GCC target` without instantiating AVX code that the linker could share with generic code.
#pragma once
#include <cstddef>

namespace tg {

enum class Act : int { Linear = 0, Relu = 1, Sigmoid = 2, Tanh = 3 };

// One gemm call, row-major: C = alpha * op(A) op(B) + beta * C, then (if bias or act is set) the
// dense epilogue C = act(C + bias) over each row, and dropout when keep is set.
template <class T>
struct GemmCall {
  bool ta, tb;
  size_t m, n, k;
  T alpha;
  const T* a;
  const T* b;
  T beta;
  T* c;
  const T* bias;  // n elements or null
  Act act;
  // Dropout fused into the dense epilogue (the dense layer's training forward): with keep set, C's
  // element (i, j), once its activation is applied, is multiplied by keep_scale where
  // keep[i * n + j] is 1 and by 0 where it is 0, the product in double rounded once.
  const unsigned char* keep = nullptr;
  double keep_scale = 0;
};

// Micro-kernel: C[mr x nr] (leading dim ldc) = alpha * Ap * Bp + beta * C, where Ap is an MR-row
// packed panel (k-major) and Bp an NR-column packed panel (k-major), both kc deep. beta == 0 never
// reads C. mr <= MR, nr <= NR handle the edges. With bias (nr values for the tile's columns) each
// row then gets bias added, and with relu max(0, .), in registers before the single store: the
// dense epilogue, passed on a product's last kc block.
template <class T>
using MicroKernel = void (*)(size_t kc, const T* ap, const T* bp, T* c, size_t ldc, T alpha, T beta,
                             size_t mr, size_t nr, const T* bias, bool relu);

// Direct (no packing) product for small shapes, including the bias and ReLU of the dense epilogue
// (sigmoid and tanh are left to the caller); `scratch` holds k*n elements when B is transposed.
template <class T>
using SmallGemm = void (*)(const GemmCall<T>& g, T* scratch);

// Matrix-vector product for m == 1 or n == 1, with the same epilogue as SmallGemm.
template <class T>
using GemvFn = void (*)(const GemmCall<T>& g);

// Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-row panels, k-major, zero-padding the last panel.
template <class T>
using PackA = void (*)(const GemmCall<T>& g, size_t ic, size_t mc, size_t pc, size_t kc, T* dst);
// Packs op(B)[pc:pc+kc, jc:jc+cols] as consecutive NR-column panels (NR * kc elements each),
// k-major, the last zero-padded to NR columns.
template <class T>
using PackB = void (*)(const GemmCall<T>& g, size_t pc, size_t kc, size_t jc, size_t cols, T* dst);

// One kc-deep block of a product whose op(A) is mostly zeros (driver.cc's sparse path), for one
// tile of P * NR columns of C. Row r's nonzeros in the block are val[t] at block-relative depth
// idx[t] for t in [ptr[r * ptr_stride], ptr[r * ptr_stride + 1]); bp holds the block of op(B) as P
// consecutive NR-column panels (pstride elements apart, k-major, the packing of PackB). Each row's
// P * NR accumulators start at zero (first) or from its row of acc (P * NR elements a row); with c
// null they go back there, else (the last block) C = acc + beta * C, plus bias and ReLU, is stored
// to the first `cols` columns of row r of C (ldc apart).
template <class T>
struct SparseBlock {
  const unsigned* ptr;
  size_t ptr_stride;
  const unsigned* idx;
  const T* val;
  const T* bp;
  size_t pstride;
  T* acc;
  bool first;
  T* c;
  size_t ldc, cols;
  T beta;
  const T* bias;
  bool relu;
};

// The sparse kernel over rows [r0, r1) of a SparseBlock.
template <class T>
using SparseRowsFn = void (*)(const SparseBlock<T>& block, size_t r0, size_t r1);

template <class T>
struct KernelSet {
  const char* isa;
  size_t mr, nr;        // register tile
  size_t mc, kc, nc;    // cache blocks (mc multiple of mr, nc multiple of nr)
  MicroKernel<T> ukr;
  SmallGemm<T> small;
  GemvFn<T> gemv;
  PackA<T> pack_a;
  PackB<T> pack_b;
  SparseRowsFn<T> sparse_rows;
  size_t sparse_panels;  // P: NR-column panels per sparse tile
  size_t sparse_kc;      // depth of a sparse tile's packed block of op(B)
  // The index of op(A): the nonzeros of x[0, len) as alpha * x and their positions (returns how
  // many; may write 8 entries past them), and a rows x cols block at src (ld apart) transposed into
  // dst (rows apart).
  size_t (*sparse_compress)(const T* x, size_t len, T alpha, unsigned* idx, T* val);
  void (*sparse_transpose)(const T* src, size_t ld, size_t rows, size_t cols, T* dst);
};

KernelSet<float> kernels_f32_vec128();
KernelSet<double> kernels_f64_vec128();
KernelSet<float> kernels_f32_avx2();
KernelSet<double> kernels_f64_avx2();
KernelSet<float> kernels_f32_avx512();
KernelSet<double> kernels_f64_avx512();

}  // namespace tg
