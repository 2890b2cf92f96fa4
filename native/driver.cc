#include "driver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <thread>

#include "pool.h"

namespace tg {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

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

Tables tables_for(const char* isa) {
#if defined(__x86_64__)
  if (std::strcmp(isa, "avx512") == 0) return {kernels_f32_avx512(), kernels_f64_avx512()};
  if (std::strcmp(isa, "avx2") == 0) return {kernels_f32_avx2(), kernels_f64_avx2()};
#endif
  (void)isa;
  return {kernels_f32_scalar(), kernels_f64_scalar()};
}

Tables pick_default() {
  const char* forced = std::getenv("TENSORGRAD_NATIVE_ISA");
  if (forced && std::strcmp(forced, "portable") == 0) return tables_for("portable");
  if (forced && std::strcmp(forced, "avx2") == 0 && cpu_has_avx2()) return tables_for("avx2");
  if (cpu_has_avx512()) return tables_for("avx512");
  if (cpu_has_avx2()) return tables_for("avx2");
  return tables_for("portable");
}

// TENSORGRAD_NATIVE_BLOCKS="mc,kc,nc" overrides the fp32 cache blocks (for tuning runs).
Tables with_block_override(Tables t) {
  const char* env = std::getenv("TENSORGRAD_NATIVE_BLOCKS");
  unsigned long mc, kc, nc;
  if (env && std::sscanf(env, "%lu,%lu,%lu", &mc, &kc, &nc) == 3 && mc >= t.f32.mr && kc >= 1 && nc >= t.f32.nr) {
    t.f32.mc = mc / t.f32.mr * t.f32.mr;
    t.f32.kc = kc;
    t.f32.nc = nc / t.f32.nr * t.f32.nr;
  }
  return t;
}

Tables g_tables = with_block_override(pick_default());
int g_threads = 0;  // 0 = not yet chosen

template <class T>
const KernelSet<T>& kernels();
template <>
const KernelSet<float>& kernels<float>() {
  return g_tables.f32;
}
template <>
const KernelSet<double>& kernels<double>() {
  return g_tables.f64;
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

// The dense epilogue over rows [r0, r1) and columns [c0, c1) of C.
template <class T>
void epilogue(const GemmCall<T>& g, size_t r0, size_t r1, size_t c0, size_t c1) {
  if (!g.bias && g.act == Act::Linear) return;
  for (size_t i = r0; i < r1; ++i) {
    T* row = g.c + i * g.n;
    if (g.bias)
      for (size_t j = c0; j < c1; ++j) row[j] += g.bias[j];
    if (g.act != Act::Linear)
      for (size_t j = c0; j < c1; ++j) row[j] = activate(row[j], g.act);
  }
}

// Sigmoid or tanh over all of C (the small kernel has already added the bias).
template <class T>
void activation_only(const GemmCall<T>& g) {
  T* c = g.c;
  const size_t mn = g.m * g.n;
  for (size_t i = 0; i < mn; ++i) c[i] = activate(c[i], g.act);
}

// Largest packed op(B) chunk, in elements: all of k by as many columns as fit (32 MB of fp32).
constexpr size_t kPackBElems = size_t(8) << 20;

// One multithreaded product, shared by the threads that run it. Work is handed out through atomic
// counters rather than split in advance: on a shared machine a descheduled thread then delays
// only the piece it holds, and the other threads take the rest. Results stay bit-identical for any
// thread count because every C element belongs to exactly one task and its k reduction always runs
// over the same kc blocks in the same order, through the same micro-kernel.
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

template <class T>
void work(void* ctx, int) {
  Job<T>& J = *static_cast<Job<T>*>(ctx);
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const size_t MR = ks.mr, NR = ks.nr, KC = ks.kc;
  const size_t n = g.n, k = g.k;
  // Phase 1: pack the chunk of B, (kc block, panel) pairs claimed one at a time.
  const size_t units = J.kblocks * J.panels;
  for (size_t u; (u = J.next_pack.fetch_add(1, std::memory_order_relaxed)) < units;) {
    const size_t kb = u / J.panels, q = u % J.panels;
    const size_t pc = kb * KC, kc = std::min(KC, k - pc);
    ks.pack_b(g, pc, kc, J.jc + q * NR, std::min(NR, J.chunk - q * NR), panel_of(J, kb, q));
    J.packed.fetch_add(1, std::memory_order_release);
  }
  // Only units already claimed by a running thread can be outstanding here.
  for (int spins = 0; J.packed.load(std::memory_order_acquire) < units; ++spins) {
    if (spins < 256)
      cpu_relax();
    else
      std::this_thread::yield();
  }
  // Phase 2: C tiles of tile_m x tile_n, each over all of k.
  T* pa = t_pack_a.get<T>(J.tile_m * KC);
  if (!pa) return;  // another thread does the tiles; the caller sees the shortfall if none can
  const size_t tasks = J.row_tiles * J.col_tiles;
  for (size_t t; (t = J.next_task.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
    const size_t ic = (t % J.row_tiles) * J.tile_m, mc = std::min(J.tile_m, g.m - ic);
    const size_t q0 = (t / J.row_tiles) * (J.tile_n / NR);
    const size_t q1 = std::min(J.panels, q0 + J.tile_n / NR);
    for (size_t kb = 0; kb < J.kblocks; ++kb) {
      const size_t pc = kb * KC, kc = std::min(KC, k - pc);
      const T beta = kb == 0 ? g.beta : T(1);
      ks.pack_a(g, ic, mc, pc, kc, pa);
      for (size_t q = q0; q < q1; ++q) {
        const size_t jr = q * NR, nr = std::min(NR, J.chunk - jr);
        const T* bp = panel_of(J, kb, q);
        T* c = g.c + ic * n + J.jc + jr;
        for (size_t ir = 0; ir < mc; ir += MR)
          ks.ukr(kc, pa + ir * kc, bp, c + ir * n, n, g.alpha, beta, std::min(MR, mc - ir), nr);
      }
    }
    epilogue(g, ic, ic + mc, J.jc + q0 * NR, J.jc + std::min(q1 * NR, J.chunk));
    J.done_tasks.fetch_add(1, std::memory_order_relaxed);
  }
}

// Products up to this many multiply-adds, whose op(B) fits in L1, run without packing
// (TENSORGRAD_NATIVE_SMALL=mnk overrides it for tuning runs).
size_t small_mnk_default() {
  const char* env = std::getenv("TENSORGRAD_NATIVE_SMALL");
  unsigned long v;
  if (env && std::sscanf(env, "%lu", &v) == 1) return v;
  return 64 * 64 * 64;
}
const size_t g_small_mnk = small_mnk_default();
constexpr size_t kSmallBBytes = 32 * 1024;
// Below this many multiply-adds a product runs on one thread: waking a worker on a busy 2-core
// box costs more than it saves.
constexpr size_t kThreadMnk = 160 * 160 * 160;


}  // namespace

template <class T>
void gemm(const GemmCall<T>& g) {
  const size_t m = g.m, n = g.n, k = g.k;
  if (m == 0 || n == 0) return;
  if (k == 0 || g.alpha == T(0)) {
    // C = beta * C, without reading C when beta is 0.
    for (size_t i = 0; i < m * n; ++i) g.c[i] = g.beta == T(0) ? T(0) : g.beta * g.c[i];
    epilogue(g, 0, m, 0, n);
    return;
  }
  const KernelSet<T>& ks = kernels<T>();
  if (m == 1 || n == 1) {
    ks.gemv(g);  // applies alpha, beta, bias and ReLU itself
    if (g.act == Act::Sigmoid || g.act == Act::Tanh) activation_only(g);
    return;
  }
  const size_t mnk = m * n * k;  // validated sizes: products of array lengths, no overflow
  if (mnk <= g_small_mnk && k * n * sizeof(T) <= kSmallBBytes) {
    T* scratch = g.tb ? t_small.get<T>(k * n) : nullptr;
    if (scratch || !g.tb) {
      ks.small(g, scratch);  // applies alpha, beta, bias and ReLU itself
      if (g.act == Act::Sigmoid || g.act == Act::Tanh) activation_only(g);
      return;
    }
  }
  const size_t MR = ks.mr, NR = ks.nr;
  // Columns per packed chunk: all of n unless B is huge.
  size_t chunk = std::max(NR, kPackBElems / std::max<size_t>(k, 1) / NR * NR);
  chunk = std::min(chunk, (n + NR - 1) / NR * NR);
  T* pack_b = t_pack_b.get<T>(k * chunk);
  if (!pack_b) throw std::bad_alloc();

  std::unique_lock<std::mutex> lk(pool_mutex(), std::defer_lock);
  int nt = 1;
  if (mnk >= kThreadMnk && lk.try_lock()) {
    if (g_threads == 0) g_threads = pool().size();
    nt = std::min(g_threads, pool().size());
  }
  for (size_t jc = 0; jc < n; jc += chunk) {
    Job<T> job;
    job.g = &g;
    job.ks = &ks;
    job.pack_b = pack_b;
    job.jc = jc;
    job.chunk = std::min(chunk, n - jc);
    job.panels = (job.chunk + NR - 1) / NR;
    job.kblocks = (k + ks.kc - 1) / ks.kc;
    // Tiles: up to mc rows (the packed mc x kc block of A stays in L2) by up to nc columns (the
    // columns whose C rows a tile rewrites once per kc block). With threads, at least 4 tiles per thread, of equal size, so the
    // dynamic hand-out can even out a thread that loses its core for a while.
    const size_t row_units = (g.m + MR - 1) / MR;
    const size_t col_panels = std::max<size_t>(1, ks.nc / NR);
    job.col_tiles = (job.panels + col_panels - 1) / col_panels;
    size_t row_tiles = (row_units * MR + ks.mc - 1) / ks.mc;
    if (nt > 1) {
      const size_t want = 4 * static_cast<size_t>(nt);
      if (row_tiles * job.col_tiles < want) row_tiles = std::min(row_units, (want + job.col_tiles - 1) / job.col_tiles);
    }
    job.tile_m = (row_units + row_tiles - 1) / row_tiles * MR;
    job.row_tiles = (g.m + job.tile_m - 1) / job.tile_m;
    job.tile_n = (job.panels + job.col_tiles - 1) / job.col_tiles * NR;
    job.col_tiles = (job.panels * NR + job.tile_n - 1) / job.tile_n;
    const int run_nt = static_cast<int>(std::min<size_t>(nt, job.row_tiles * job.col_tiles));
    if (run_nt > 1)
      pool().run(run_nt, &work<T>, &job);
    else
      work<T>(&job, 0);
    if (job.done_tasks.load() != job.row_tiles * job.col_tiles) throw std::bad_alloc();
  }
}

template void gemm<float>(const GemmCall<float>&);
template void gemm<double>(const GemmCall<double>&);

bool set_isa(const char* name) {
  if (std::strcmp(name, "avx512") == 0 && !cpu_has_avx512()) return false;
  if (std::strcmp(name, "avx2") == 0 && !cpu_has_avx2()) return false;
  if (std::strcmp(name, "avx512") != 0 && std::strcmp(name, "avx2") != 0 &&
      std::strcmp(name, "portable") != 0)
    return false;
  std::lock_guard<std::mutex> lk(pool_mutex());
  g_tables = tables_for(name);
  return true;
}

const char* isa_name() { return g_tables.f32.isa; }

void set_threads(int n) {
  set_pool_threads(n);
  std::lock_guard<std::mutex> lk(pool_mutex());
  g_threads = n;
}

int get_threads() {
  std::lock_guard<std::mutex> lk(pool_mutex());
  if (g_threads == 0) g_threads = pool().size();
  return g_threads;
}

}  // namespace tg
