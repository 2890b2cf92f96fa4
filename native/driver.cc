// The GEMM driver, after the BLIS framework: a product goes to the unpacked kernels when it is small
// (or a matrix-vector product), else through the blocked loops, one function per loop level:
//   loop 5 (jc)  blocked      columns of op(B) in chunks, each packed once
//   loop 4 (pc)  pack_b_chunk packs the chunk's kc blocks; run_tile packs A's kc blocks
//   loop 3 (ic)  work         C tiles of mc rows, handed to whichever thread is free
//   loop 2 (jr)  macro_kernel the NR-wide panels of B in a tile
//   loop 1 (ir)  micro_tiles  the MR-row panels of A against one panel of B (the micro-kernel)
// One-thread products with few rows take panel_at_a_time instead: A's kc block packed once, B
// packed a few panels at a time just before every row of A runs against them.
// Products whose op(A) is mostly zeros (a layer's input or gradient after ReLU and dropout) take
// sparse_product: op(A) indexed once, then only its nonzeros multiplied.
#include "driver.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>

#include "pool.h"
#include "training.h"  // TG_CLONES

namespace tg {

namespace {

bool cpu_has_avx512() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}

bool cpu_has_avx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

struct Tables {
  KernelSet<float> f32;
  KernelSet<double> f64;
};

// The kernel tables of an ISA this CPU runs ("avx512", "avx2", "vec128"), else null. Each is built
// once and never changes, so a product can hold on to one while setIsa picks another.
const Tables* tables_for(const char* isa) {
  if (std::strcmp(isa, "vec128") == 0) {
    static const Tables vec128{kernels_f32_vec128(), kernels_f64_vec128()};
    return &vec128;
  }
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx2") == 0 && cpu_has_avx2()) {
    static const Tables avx2{kernels_f32_avx2(), kernels_f64_avx2()};
    return &avx2;
  }
  if (std::strcmp(isa, "avx512") == 0 && cpu_has_avx512()) {
    static const Tables avx512{kernels_f32_avx512(), kernels_f64_avx512()};
    return &avx512;
  }
#endif
  return nullptr;
}

// The widest ISA this CPU runs, unless TENSORGRAD_NATIVE_ISA names another one it runs.
const Tables* default_tables() {
  const char* forced = std::getenv("TENSORGRAD_NATIVE_ISA");
  if (forced)
    if (const Tables* t = tables_for(forced)) return t;
  for (const char* isa : {"avx512", "avx2"})
    if (const Tables* t = tables_for(isa)) return t;
  return tables_for("vec128");
}

// The current choice. A product reads it once (gemm below) and uses that table throughout: its
// register tile and cache blocks size the packed buffers, so they must not change mid-product.
std::atomic<const Tables*> g_tables{default_tables()};
int g_threads = 0;  // 0 = not yet chosen

template <class T>
const KernelSet<T>& kernels_in(const Tables& t);
template <>
const KernelSet<float>& kernels_in<float>(const Tables& t) {
  return t.f32;
}
template <>
const KernelSet<double>& kernels_in<double>(const Tables& t) {
  return t.f64;
}

// Grow-only, 64-byte aligned scratch owned by one thread: reallocating per call would fault in
// fresh pages on every product.
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(p); }
  template <class T>
  T* get(size_t count) {
    size_t need = (count * sizeof(T) + 63) & ~size_t(63);
    if (need > bytes) {
      std::free(p);
      p = std::aligned_alloc(64, need);
      if (!p) {
        bytes = 0;
        return nullptr;
      }
      bytes = need;
    }
    return static_cast<T*>(p);
  }
};
thread_local Scratch t_pack_a;
thread_local Scratch t_pack_b;
thread_local Scratch t_small;

template <class T>
T activate(T v, Act act) {
  switch (act) {
    case Act::Relu:
      return v > T(0) ? v : T(0);
    case Act::Sigmoid:
      return T(1) / (T(1) + std::exp(-v));
    case Act::Tanh:
      return std::tanh(v);
    default:
      return v;
  }
}

// Row segment `row` (w elements) times (keep ? scale : 0), the product in double rounded once:
// dropout applied with decisions drawn earlier (elementwise.h's dropout_keep), as dropout_apply
// applies them. The selects are bit masks so the loop vectorizes without a branch per element.
template <class T>
TG_CLONES void keep_row(size_t w, const unsigned char* __restrict keep, double scale, T* __restrict row) {
  if constexpr (std::is_same_v<T, float>) {
    // A scale that is a float (rate 0.5, 0.75, ...): the double product of two floats is exact,
    // so the float product rounds to the same value.
    const float sf = static_cast<float>(scale);
    if (static_cast<double>(sf) == scale) {
      uint32_t sbits;
      std::memcpy(&sbits, &sf, sizeof sbits);
      for (size_t j = 0; j < w; ++j) {
        const uint32_t bits = sbits & (0u - static_cast<uint32_t>(keep[j]));
        float m;
        std::memcpy(&m, &bits, sizeof m);
        row[j] = row[j] * m;
      }
      return;
    }
  }
  uint64_t sbits;
  std::memcpy(&sbits, &scale, sizeof sbits);
  for (size_t j = 0; j < w; ++j) {
    const uint64_t bits = sbits & (uint64_t{0} - static_cast<uint64_t>(keep[j]));
    double m;
    std::memcpy(&m, &bits, sizeof m);
    row[j] = static_cast<T>(static_cast<double>(row[j]) * m);
  }
}

// What the kernels leave to be done over rows [r0, r1) and columns [c0, c1) of C, once their sums,
// the bias and ReLU are in: sigmoid or tanh (the blocked and unpacked kernels apply ReLU
// themselves), then dropout when the call carries its decisions. Called on each finished tile while
// it is in cache. With `all_acts` (after scale_only) every activation, ReLU included.
template <class T>
void finish_block(const GemmCall<T>& g, size_t r0, size_t r1, size_t c0, size_t c1, bool all_acts = false) {
  const bool act = g.act == Act::Sigmoid || g.act == Act::Tanh || (all_acts && g.act != Act::Linear);
  if (!act && !g.keep) return;
  for (size_t i = r0; i < r1; ++i) {
    T* row = g.c + i * g.n;
    if (act)
      for (size_t j = c0; j < c1; ++j) row[j] = activate(row[j], g.act);
    if (g.keep) keep_row<T>(c1 - c0, g.keep + i * g.n + c0, g.keep_scale, row + c0);
  }
}

// Largest packed op(B) chunk, in elements: all of k by as many columns as fit (32 MB of fp32).
constexpr size_t kPackBElems = size_t(8) << 20;
// Products up to this many multiply-adds, whose op(B) fits in L1, run without packing.
constexpr size_t kSmallMnk = 64 * 64 * 64;
constexpr size_t kSmallBBytes = 32 * 1024;
// Below this many multiply-adds a product runs on one thread: waking a worker on a busy 2-core
// box costs more than it saves.
constexpr size_t kThreadMnk = 160 * 160 * 160;

// C = beta * C, then the bias and the activation, for a product with nothing to add (k = 0 or
// alpha = 0). beta = 0 writes zeros without reading C.
template <class T>
void scale_only(const GemmCall<T>& g) {
  const size_t mn = g.m * g.n;
  for (size_t i = 0; i < mn; ++i) g.c[i] = g.beta == T(0) ? T(0) : g.beta * g.c[i];
  if (g.bias)
    for (size_t i = 0; i < g.m; ++i)
      for (size_t j = 0; j < g.n; ++j) g.c[i * g.n + j] += g.bias[j];
  finish_block(g, 0, g.m, 0, g.n, true);
}

// Matrix-vector products, and small products whose op(B) fits in L1, without packing. False when
// the product needs the blocked loops.
template <class T>
bool small_product(const GemmCall<T>& g, const KernelSet<T>& ks) {
  if (g.m == 1 || g.n == 1) {
    ks.gemv(g);
  } else {
    if (g.m * g.n * g.k > kSmallMnk || g.k * g.n * sizeof(T) > kSmallBBytes) return false;
    T* scratch = g.tb ? t_small.get<T>(g.k * g.n) : nullptr;
    if (g.tb && !scratch) return false;
    ks.small(g, scratch);
  }
  // Both apply alpha, beta, bias and ReLU themselves; sigmoid, tanh and dropout are left to this pass.
  finish_block(g, 0, g.m, 0, g.n);
  return true;
}

// One column chunk of a blocked product, shared by the threads that run it. Work is handed out
// through atomic counters rather than split in advance: on a shared machine a descheduled thread
// then delays only the piece it holds, and the other threads take the rest. Results stay
// bit-identical for any thread count because every C element belongs to exactly one task and its
// k reduction always runs over the same kc blocks in the same order, through the same micro-kernel.
template <class T>
struct Job {
  const GemmCall<T>* g;
  const KernelSet<T>* ks;
  T* pack_b;         // op(B)[:, jc:jc+chunk] packed: per kc block, NR-column panels
  size_t jc, chunk;  // current column chunk
  size_t panels;     // NR-wide panels in the chunk
  size_t kblocks;    // kc blocks along k
  size_t tile_m, tile_n, row_tiles, col_tiles;
  std::atomic<size_t> next_pack{0}, packed{0}, next_task{0}, done_tasks{0};
};

template <class T>
inline T* panel_of(const Job<T>& J, size_t kb, size_t q) {
  const size_t KC = J.ks->kc, NR = J.ks->nr;
  const size_t kc = std::min(KC, J.g->k - kb * KC);
  return J.pack_b + kb * KC * J.panels * NR + q * NR * kc;
}

// Sizes the C tiles of a chunk: up to mc rows (the packed mc x kc block of A stays in L2) by up to
// nc columns (the columns whose C rows a tile rewrites once per kc block). With threads, at least 4
// tiles per thread, of equal size, so the dynamic hand-out can even out a thread that loses its
// core for a while.
template <class T>
void plan_chunk(Job<T>& J, size_t jc, size_t cols, int nt) {
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const size_t MR = ks.mr, NR = ks.nr;
  J.jc = jc;
  J.chunk = cols;
  J.panels = (cols + NR - 1) / NR;
  J.kblocks = (g.k + ks.kc - 1) / ks.kc;
  const size_t row_units = (g.m + MR - 1) / MR;
  const size_t col_panels = std::max<size_t>(1, ks.nc / NR);
  J.col_tiles = (J.panels + col_panels - 1) / col_panels;
  size_t row_tiles = (row_units * MR + ks.mc - 1) / ks.mc;
  if (nt > 1) {
    const size_t want = 4 * static_cast<size_t>(nt);
    if (row_tiles * J.col_tiles < want) row_tiles = std::min(row_units, (want + J.col_tiles - 1) / J.col_tiles);
  }
  J.tile_m = (row_units + row_tiles - 1) / row_tiles * MR;
  J.row_tiles = (g.m + J.tile_m - 1) / J.tile_m;
  J.tile_n = (J.panels + J.col_tiles - 1) / J.col_tiles * NR;
  J.col_tiles = (J.panels * NR + J.tile_n - 1) / J.tile_n;
}

// Panels of B packed together: one unit of packing work reads row segments this many panels wide.
constexpr size_t kPackGroup = 8;

template <class T>
inline size_t pack_units(const Job<T>& J) {
  return J.kblocks * ((J.panels + kPackGroup - 1) / kPackGroup);
}

// Loop 4 for B: the chunk's (kc block, group of NR panels) units, claimed one at a time.
template <class T>
void pack_b_chunk(Job<T>& J) {
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const size_t groups = (J.panels + kPackGroup - 1) / kPackGroup, units = pack_units(J);
  for (size_t u; (u = J.next_pack.fetch_add(1, std::memory_order_relaxed)) < units;) {
    const size_t kb = u / groups, q = u % groups * kPackGroup;
    const size_t pc = kb * ks.kc, kc = std::min(ks.kc, g.k - pc);
    ks.pack_b(g, pc, kc, J.jc + q * ks.nr, std::min(kPackGroup * ks.nr, J.chunk - q * ks.nr), panel_of(J, kb, q));
    J.packed.fetch_add(1, std::memory_order_release);
  }
}

// Loop 1 (ir): the MR-row panels of packed A (mc rows, kc deep) against one packed panel of B.
template <class T>
inline void micro_tiles(const KernelSet<T>& ks, size_t kc, const T* pa, size_t mc, const T* bp, size_t nr, T* c,
                        size_t ldc, T alpha, T beta, const T* bias, bool relu) {
  const size_t MR = ks.mr;
  for (size_t ir = 0; ir < mc; ir += MR)
    ks.ukr(kc, pa + ir * kc, bp, c + ir * ldc, ldc, alpha, beta, std::min(MR, mc - ir), nr, bias, relu);
}

// Loop 2 (jr): the tile's panels q0..q1 of B for one kc block (kb) of packed A at rows ic. On the
// last kc block (`last`) the micro-kernels also add the bias and apply ReLU.
template <class T>
void macro_kernel(const Job<T>& J, size_t kb, size_t kc, const T* pa, size_t ic, size_t mc, size_t q0, size_t q1,
                  T beta, bool last) {
  const GemmCall<T>& g = *J.g;
  const size_t NR = J.ks->nr;
  const bool relu = last && g.act == Act::Relu;
  for (size_t q = q0; q < q1; ++q) {
    const size_t jr = q * NR;
    T* c = g.c + ic * g.n + J.jc + jr;
    const T* bias = last && g.bias ? g.bias + J.jc + jr : nullptr;
    micro_tiles(*J.ks, kc, pa, mc, panel_of(J, kb, q), std::min(NR, J.chunk - jr), c, g.n, g.alpha, beta, bias,
                relu);
  }
}

// Loop 4 for A: tile t over all of k, one kc block at a time (beta applies on the first only, the
// bias and ReLU on the last), then sigmoid, tanh and dropout over the finished tile while it is in
// cache.
template <class T>
void run_tile(const Job<T>& J, size_t t, T* pa) {
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const size_t NR = ks.nr, KC = ks.kc;
  const size_t ic = (t % J.row_tiles) * J.tile_m, mc = std::min(J.tile_m, g.m - ic);
  const size_t q0 = (t / J.row_tiles) * (J.tile_n / NR);
  const size_t q1 = std::min(J.panels, q0 + J.tile_n / NR);
  for (size_t kb = 0; kb < J.kblocks; ++kb) {
    const size_t pc = kb * KC, kc = std::min(KC, g.k - pc);
    ks.pack_a(g, ic, mc, pc, kc, pa);
    macro_kernel(J, kb, kc, pa, ic, mc, q0, q1, kb == 0 ? g.beta : T(1), kb + 1 == J.kblocks);
  }
  finish_block(g, ic, ic + mc, J.jc + q0 * NR, J.jc + std::min(q1 * NR, J.chunk));
}

// One thread's share of a chunk: packing units of B until none are left, a wait for the packing
// the other threads claimed, then loop 3 (ic): C tiles until none are left.
template <class T>
void work(void* ctx, int) {
  Job<T>& J = *static_cast<Job<T>*>(ctx);
  pack_b_chunk(J);
  const size_t units = pack_units(J);
  spin_until([&] { return J.packed.load(std::memory_order_acquire) >= units; });
  T* pa = t_pack_a.get<T>(J.tile_m * J.ks->kc);
  if (!pa) return;  // another thread does the tiles; the caller sees the shortfall if none can
  const size_t tasks = J.row_tiles * J.col_tiles;
  for (size_t t; (t = J.next_task.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
    run_tile(J, t, pa);
    J.done_tasks.fetch_add(1, std::memory_order_relaxed);
  }
}

// Threads for a product of mnk multiply-adds: one below kThreadMnk or when another thread holds
// the pool (this caller then runs alone rather than wait); `pool_lock` holds the pool otherwise.
int threads_for(size_t mnk, std::unique_lock<std::mutex>& pool_lock) {
  if (mnk < kThreadMnk || !pool_lock.try_lock()) return 1;
  if (g_threads == 0) g_threads = pool().size();
  return std::min(g_threads, pool().size());
}

// Rows of A up to which a one-thread product takes B one packed group of panels at a time
// (panel_at_a_time): its packed kc block of A (here up to 2 MB of fp32) streams from L3.
constexpr size_t kPanelPathBytes = size_t(2) << 20;
// NR panels of op(B) packed together on that path: 2 x 16 columns x 1024 deep is 128 KB of fp32.
constexpr size_t kPanelGroup = 4;

// One thread, few rows (the training shapes: m = the batch): each kc block of A is packed once,
// then op(B) a group of NR panels at a time, each group packed just before the micro-kernels run
// every row of A against it. Packed B then never leaves L2; the blocked path packs all of B first
// (written out to L3 and beyond) and reads it back once per row tile. Each C element's k sum runs
// over the same kc blocks, in the same order, through the same micro-kernel as in the blocked
// path, so the results are the same bits. False when the scratch cannot be had.
template <class T>
bool panel_at_a_time(const GemmCall<T>& g, const KernelSet<T>& ks) {
  const size_t MR = ks.mr, NR = ks.nr, KC = ks.kc;
  const size_t kc_max = std::min(KC, g.k);
  T* pa = t_pack_a.get<T>((g.m + MR - 1) / MR * MR * kc_max);
  T* pb = t_pack_b.get<T>(kPanelGroup * NR * kc_max);
  if (!pa || !pb) return false;
  const bool has_relu = g.act == Act::Relu;
  for (size_t pc = 0; pc < g.k; pc += KC) {
    const size_t kc = std::min(KC, g.k - pc);
    const bool last = pc + kc == g.k;
    const T beta = pc == 0 ? g.beta : T(1);
    ks.pack_a(g, 0, g.m, pc, kc, pa);
    for (size_t jc = 0; jc < g.n; jc += kPanelGroup * NR) {
      const size_t cols = std::min(kPanelGroup * NR, g.n - jc);
      ks.pack_b(g, pc, kc, jc, cols, pb);
      for (size_t jr = 0; jr < cols; jr += NR) {
        const T* bias = last && g.bias ? g.bias + jc + jr : nullptr;
        micro_tiles(ks, kc, pa, g.m, pb + jr * kc, std::min(NR, cols - jr), g.c + jc + jr, g.n, g.alpha, beta,
                    bias, last && has_relu);
      }
    }
  }
  finish_block(g, 0, g.m, 0, g.n);
  return true;
}

// The sparse path: products whose op(A) is mostly exact zeros, as the activations after ReLU and
// dropout are (a ReLU layer's output and the gradient through it are about half zeros; with dropout
// 0.5 after it about three quarters). op(A) is indexed once (each row's nonzeros, block by block
// of sparse_kc along k), then every tile of P * NR columns of C runs block by block: the block of
// op(B) is packed (32 KB, sized for L1) and each row of C accumulates val * op(B)[idx, :] over its
// nonzeros in the block. Only the nonzeros are multiplied, so at density d the product does d of
// the dense path's multiply-adds. The zeros of op(A) are skipped as reference BLAS skips zeros of
// B: 0 * inf and 0 * NaN in op(B) are never formed there. Each C element belongs to one tile and
// sums its products in the same order for any thread count.

// Largest share of nonzeros in op(A) for which a product takes the sparse path.
constexpr double kSparseDensity = 0.35;
// Smallest product (m * n * k) worth indexing op(A) for.
constexpr size_t kSparseMinMnk = 64 * 64 * 256;
// Elements of op(A) sampled before it is indexed: one per 4096 multiply-adds of the product,
// between 128 and 1024 (the exact count, while indexing, decides).
constexpr size_t kSparseSamplesMin = 128;
constexpr size_t kSparseSamplesMax = 1024;
// Rows of C a sparse task runs (their partial sums, 256 KB of fp32 at the AVX2 tile width, stay
// in L2); more rows repack op(B) per chunk.
constexpr size_t kSparseRowChunk = 1024;
// Largest index of op(A) the path builds (else the product stays dense).
constexpr size_t kSparseIndexBytes = size_t(64) << 20;

std::atomic<unsigned long long> g_sparse_products{0};

thread_local Scratch t_sparse_ptr;
thread_local Scratch t_sparse_tmp;
thread_local Scratch t_sparse_idx;
thread_local Scratch t_sparse_val;

// op(A) indexed by rows and blocks of kcs along k: row i's nonzeros in block b are idx/val[ptr[at],
// ptr[at + 1]) with at = i * row_stride + b * block_stride, idx relative to the block's start, val
// already scaled by alpha. Rows of A are indexed row by row (row_stride kb, block_stride 1), a
// transposed A block by block (row_stride 1, block_stride m).
template <class T>
struct SparseA {
  const unsigned* ptr;
  const unsigned* idx;
  const T* val;
  size_t kb, kcs, row_stride, block_stride;
};

// A quick look at evenly spaced elements of A (an odd stride, so a power-of-two row length does
// not pin the sample to a few columns): whether it is worth indexing. A dense A stops the look
// as soon as its nonzeros pass the share a sparse one could hold: about a third of the samples.
template <class T>
bool looks_sparse(const GemmCall<T>& g) {
  const size_t mk = g.m * g.k;
  const size_t samples = std::clamp<size_t>(g.m * g.n * g.k >> 12, kSparseSamplesMin, kSparseSamplesMax);
  const size_t stride = (mk / samples) | 1;
  const size_t most = static_cast<size_t>(kSparseDensity * static_cast<double>((mk + stride - 1) / stride));
  size_t nonzero = 0;
  for (size_t p = 0; p < mk; p += stride)
    if ((nonzero += g.a[p] != T(0)) > most) return false;
  return true;
}

// Columns of a transposed A turned into rows at a time while indexing.
constexpr size_t kSparseIndexCols = 256;

// Indexes op(A); false when it holds more than kSparseDensity nonzeros (or scratch is short). The
// kernel set's compress writes each row segment's nonzeros; the buffers have room for the writes
// it makes past them.
template <class T>
bool index_a(const GemmCall<T>& g, const KernelSet<T>& ks, SparseA<T>& s) {
  const size_t m = g.m, k = g.k, kcs = ks.sparse_kc, kb = (k + kcs - 1) / kcs;
  const size_t limit = static_cast<size_t>(kSparseDensity * static_cast<double>(m * k));
  const size_t room = limit + kcs + 16;
  if (room * (sizeof(unsigned) + sizeof(T)) + (m * kb + 1) * sizeof(unsigned) > kSparseIndexBytes) return false;
  unsigned* ptr = t_sparse_ptr.get<unsigned>(m * kb + 1);
  unsigned* idx = t_sparse_idx.get<unsigned>(room);
  T* val = t_sparse_val.get<T>(room);
  if (!ptr || !idx || !val) return false;
  size_t n = 0;
  if (!g.ta) {
    // Rows of op(A) are rows of A, indexed row by row.
    for (size_t i = 0; i < m; ++i) {
      const T* row = g.a + i * k;
      for (size_t b = 0; b < kb; ++b) {
        ptr[i * kb + b] = static_cast<unsigned>(n);
        const size_t p0 = b * kcs;
        n += ks.sparse_compress(row + p0, std::min(kcs, k - p0), g.alpha, idx + n, val + n);
      }
      if (n > limit) return false;
    }
  } else {
    // A is stored k x m, so a row of op(A) is a column of A: block by block, columns are turned
    // into rows a few hundred at a time, then indexed like rows.
    T* rows = t_sparse_tmp.get<T>(kSparseIndexCols * kcs);
    if (!rows) return false;
    for (size_t b = 0; b < kb; ++b) {
      const size_t p0 = b * kcs, kc = std::min(kcs, k - p0);
      for (size_t i0 = 0; i0 < m; i0 += kSparseIndexCols) {
        const size_t cols = std::min(kSparseIndexCols, m - i0);
        ks.sparse_transpose(g.a + p0 * m + i0, m, kc, cols, rows);
        for (size_t i = 0; i < cols; ++i) {
          ptr[b * m + i0 + i] = static_cast<unsigned>(n);
          n += ks.sparse_compress(rows + i * kc, kc, g.alpha, idx + n, val + n);
        }
      }
      if (n > limit) return false;
    }
  }
  ptr[m * kb] = static_cast<unsigned>(n);
  s.ptr = ptr;
  s.idx = idx;
  s.val = val;
  s.kb = kb;
  s.kcs = kcs;
  s.row_stride = g.ta ? 1 : kb;
  s.block_stride = g.ta ? m : 1;
  return true;
}

template <class T>
struct SparseJob {
  const GemmCall<T>* g;
  const KernelSet<T>* ks;
  const SparseA<T>* s;
  size_t tiles, width, chunks;  // tasks: row chunks of kSparseRowChunk by tiles of width columns
  std::atomic<size_t> next{0}, done{0};
};

thread_local Scratch t_sparse_acc;

// One thread's share: tasks (a chunk of rows by P * NR columns of C) until none are left.
template <class T>
void sparse_work(void* ctx, int) {
  SparseJob<T>& J = *static_cast<SparseJob<T>*>(ctx);
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const SparseA<T>& s = *J.s;
  const size_t NR = ks.nr, P = ks.sparse_panels, W = J.width;
  const size_t rows_max = std::min(g.m, kSparseRowChunk);
  T* pb = t_pack_b.get<T>(P * NR * s.kcs);
  T* acc = t_sparse_acc.get<T>((rows_max + 1) * W);
  if (!pb || !acc) return;  // another thread does the tasks; the caller sees the shortfall if none can
  const bool relu = g.act == Act::Relu;
  const size_t tasks = J.chunks * J.tiles;
  for (size_t task; (task = J.next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
    const size_t t = task % J.tiles, r0 = task / J.tiles * kSparseRowChunk;
    const size_t rows = std::min(kSparseRowChunk, g.m - r0);
    const size_t jc = t * W, cols = std::min(W, g.n - jc);
    const size_t panels = (cols + NR - 1) / NR;
    for (size_t b = 0; b < s.kb; ++b) {
      const size_t pc = b * s.kcs, kc = std::min(s.kcs, g.k - pc);
      ks.pack_b(g, pc, kc, jc, cols, pb);
      // The kernel reads all P panels; those past the last column only feed lanes never stored.
      if (panels < P) std::memset(pb + panels * NR * kc, 0, (P - panels) * NR * kc * sizeof(T));
      const bool last = b + 1 == s.kb;
      SparseBlock<T> sb{s.ptr + r0 * s.row_stride + b * s.block_stride,
                        s.row_stride,
                        s.idx,
                        s.val,
                        pb,
                        NR * kc,
                        acc,
                        b == 0,
                        last ? g.c + r0 * g.n + jc : nullptr,
                        g.n,
                        cols,
                        g.beta,
                        last && g.bias ? g.bias + jc : nullptr,
                        last && relu};
      ks.sparse_rows(sb, 0, rows);
    }
    finish_block(g, r0, r0 + rows, jc, jc + cols);
    J.done.fetch_add(1, std::memory_order_relaxed);
  }
}

// The sparse path when op(A) is sparse enough; false (nothing written) otherwise.
template <class T>
bool sparse_product(const GemmCall<T>& g, const KernelSet<T>& ks) {
  // Fewer than two tiles of columns: the tile's width would be partly wasted, and indexing op(A)
  // (a few ns per element) would not be paid back by n multiply-adds per element.
  if (!ks.sparse_rows || g.n < 2 * ks.sparse_panels * ks.nr) return false;
  if (g.m * g.n * g.k < kSparseMinMnk || g.m * g.k > 0xffffffffu) return false;
  if (!looks_sparse(g)) return false;
  SparseA<T> s;
  if (!index_a(g, ks, s)) return false;
  SparseJob<T> job;
  job.g = &g;
  job.ks = &ks;
  job.s = &s;
  job.width = ks.sparse_panels * ks.nr;
  job.tiles = (g.n + job.width - 1) / job.width;
  job.chunks = (g.m + kSparseRowChunk - 1) / kSparseRowChunk;
  std::unique_lock<std::mutex> pool_lock(pool_mutex(), std::defer_lock);
  const size_t nnz = s.ptr[g.m * s.kb];  // the last entry, either way round
  const size_t tasks = job.chunks * job.tiles;
  const int nt = static_cast<int>(std::min<size_t>(threads_for(nnz * g.n, pool_lock), tasks));
  if (nt > 1)
    pool().run(nt, &sparse_work<T>, &job);
  else
    sparse_work<T>(&job, 0);
  if (job.done.load() != tasks) throw std::bad_alloc();
  g_sparse_products.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// Loop 5 (jc): op(B) in column chunks (all of n unless B is huge), each packed once and then
// multiplied by every row of A.
template <class T>
void blocked(const GemmCall<T>& g, const KernelSet<T>& ks) {
  const size_t NR = ks.nr;
  size_t chunk = std::max(NR, kPackBElems / std::max<size_t>(g.k, 1) / NR * NR);
  chunk = std::min(chunk, (g.n + NR - 1) / NR * NR);
  std::unique_lock<std::mutex> pool_lock(pool_mutex(), std::defer_lock);
  const int nt = threads_for(g.m * g.n * g.k, pool_lock);  // validated sizes: no overflow
  if (nt == 1 && g.m * std::min(ks.kc, g.k) * sizeof(T) <= kPanelPathBytes && panel_at_a_time(g, ks)) return;
  T* pack_b = t_pack_b.get<T>(g.k * chunk);
  if (!pack_b) throw std::bad_alloc();
  for (size_t jc = 0; jc < g.n; jc += chunk) {
    Job<T> job;
    job.g = &g;
    job.ks = &ks;
    job.pack_b = pack_b;
    plan_chunk(job, jc, std::min(chunk, g.n - jc), nt);
    const size_t tasks = job.row_tiles * job.col_tiles;
    const int run_nt = static_cast<int>(std::min<size_t>(nt, tasks));
    if (run_nt > 1)
      pool().run(run_nt, &work<T>, &job);
    else
      work<T>(&job, 0);
    if (job.done_tasks.load() != tasks) throw std::bad_alloc();
  }
}

}  // namespace

template <class T>
void gemm(const GemmCall<T>& g) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0 || g.alpha == T(0)) return scale_only(g);
  const KernelSet<T>& ks = kernels_in<T>(*g_tables.load(std::memory_order_acquire));
  if (!small_product(g, ks) && !sparse_product(g, ks)) blocked(g, ks);
}

template void gemm<float>(const GemmCall<float>&);
template void gemm<double>(const GemmCall<double>&);

bool set_isa(const char* name) {
  const Tables* t = tables_for(name);
  if (!t) return false;
  g_tables.store(t, std::memory_order_release);
  return true;
}

const char* isa_name() { return g_tables.load(std::memory_order_acquire)->f32.isa; }

void set_threads(int n) {
  set_pool_threads(n);
  std::lock_guard<std::mutex> lk(pool_mutex());
  g_threads = n;
}

double sparse_products() { return static_cast<double>(g_sparse_products.load(std::memory_order_relaxed)); }

int get_threads() {
  std::lock_guard<std::mutex> lk(pool_mutex());
  if (g_threads == 0) g_threads = pool().size();
  return g_threads;
}

}  // namespace tg
