#include "driver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "pool.h"

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

// Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-row panels, k-major, zero-padding the last panel.
template <class T>
void pack_a(const GemmCall<T>& g, size_t ic, size_t mc, size_t pc, size_t kc, size_t MR, T* dst) {
  for (size_t ir = 0; ir < mc; ir += MR) {
    const size_t mr = std::min(MR, mc - ir);
    if (g.ta) {
      // A is stored k x m: each k step reads mr contiguous values.
      for (size_t p = 0; p < kc; ++p) {
        const T* src = g.a + (pc + p) * g.m + ic + ir;
        T* d = dst + p * MR;
        size_t i = 0;
        for (; i < mr; ++i) d[i] = src[i];
        for (; i < MR; ++i) d[i] = T(0);
      }
    } else {
      for (size_t i = 0; i < mr; ++i) {
        const T* src = g.a + (ic + ir + i) * g.k + pc;
        for (size_t p = 0; p < kc; ++p) dst[p * MR + i] = src[p];
      }
      for (size_t i = mr; i < MR; ++i)
        for (size_t p = 0; p < kc; ++p) dst[p * MR + i] = T(0);
    }
    dst += MR * kc;
  }
}

// Packs one NR-column panel of op(B)[pc:pc+kc, jc:jc+nr], k-major, zero-padded to NR.
template <class T>
void pack_b_panel(const GemmCall<T>& g, size_t pc, size_t kc, size_t jc, size_t nr, size_t NR, T* dst) {
  if (g.tb) {
    // B is stored n x k: column j of op(B) is a contiguous row of B.
    for (size_t j = 0; j < nr; ++j) {
      const T* src = g.b + (jc + j) * g.k + pc;
      for (size_t p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
    }
    for (size_t j = nr; j < NR; ++j)
      for (size_t p = 0; p < kc; ++p) dst[p * NR + j] = T(0);
  } else {
    for (size_t p = 0; p < kc; ++p) {
      const T* src = g.b + (pc + p) * g.n + jc;
      T* d = dst + p * NR;
      size_t j = 0;
      for (; j < nr; ++j) d[j] = src[j];
      for (; j < NR; ++j) d[j] = T(0);
    }
  }
}

// Start of part t of `units` units split into nt nearly equal contiguous parts.
inline size_t split(size_t units, int t, int nt) { return units * static_cast<size_t>(t) / static_cast<size_t>(nt); }

template <class T>
struct Job {
  const GemmCall<T>* g;
  const KernelSet<T>* ks;
  int nt;
  bool split_rows;  // else split the column panels
  T* pack_b;
  Barrier* barrier;
  bool failed;
};

// One thread's share. Threads own disjoint blocks of C and every element's k reduction runs in the
// same order whatever the thread count, so results do not depend on it.
template <class T>
void work(void* ctx, int tid) {
  Job<T>& J = *static_cast<Job<T>*>(ctx);
  const GemmCall<T>& g = *J.g;
  const KernelSet<T>& ks = *J.ks;
  const size_t MR = ks.mr, NR = ks.nr, MC = ks.mc, KC = ks.kc, NC = ks.nc;
  const size_t m = g.m, n = g.n, k = g.k;
  size_t r0 = 0, r1 = m;
  if (J.split_rows) {
    const size_t units = (m + MR - 1) / MR;
    r0 = std::min(m, split(units, tid, J.nt) * MR);
    r1 = std::min(m, split(units, tid + 1, J.nt) * MR);
  }
  T* pa = t_pack_a.get<T>(MC * KC);
  if (!pa) J.failed = true;
  for (size_t jc = 0; jc < n; jc += NC) {
    const size_t nc = std::min(NC, n - jc);
    const size_t panels = (nc + NR - 1) / NR;
    size_t q0 = 0, q1 = panels;
    if (!J.split_rows) {
      q0 = split(panels, tid, J.nt);
      q1 = split(panels, tid + 1, J.nt);
    }
    for (size_t pc = 0; pc < k; pc += KC) {
      const size_t kc = std::min(KC, k - pc);
      const T beta = pc == 0 ? g.beta : T(1);
      const bool last = pc + kc == k;
      for (size_t q = static_cast<size_t>(tid); q < panels; q += static_cast<size_t>(J.nt))
        pack_b_panel(g, pc, kc, jc + q * NR, std::min(NR, nc - q * NR), NR, J.pack_b + q * NR * kc);
      J.barrier->wait();
      if (pa && q0 < q1) {
        for (size_t ic = r0; ic < r1; ic += MC) {
          const size_t mc = std::min(MC, r1 - ic);
          pack_a(g, ic, mc, pc, kc, MR, pa);
          for (size_t q = q0; q < q1; ++q) {
            const size_t jr = q * NR;
            const size_t nr = std::min(NR, nc - jr);
            const T* bp = J.pack_b + q * NR * kc;
            for (size_t ir = 0; ir < mc; ir += MR)
              ks.ukr(kc, pa + ir * kc, bp, g.c + (ic + ir) * n + jc + jr, n, g.alpha, beta,
                     std::min(MR, mc - ir), nr);
          }
          if (last) epilogue(g, ic, ic + mc, jc + q0 * NR, jc + std::min(q1 * NR, nc));
        }
      }
      J.barrier->wait();
    }
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

// How well nt threads share `units` units (1 = perfectly).
double balance(size_t units, int nt) {
  const size_t per = (units + nt - 1) / nt;
  return static_cast<double>(units) / static_cast<double>(per * nt);
}

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
  const size_t mnk = m * n * k;  // validated sizes: products of array lengths, no overflow
  if (mnk <= g_small_mnk && k * n * sizeof(T) <= kSmallBBytes) {
    T* scratch = g.tb ? t_small.get<T>(k * n) : nullptr;
    if (scratch || !g.tb) {
      ks.small(g, scratch);  // applies alpha, beta, bias and ReLU itself
      if (g.act == Act::Sigmoid || g.act == Act::Tanh) activation_only(g);
      return;
    }
  }
  T* pack_b = t_pack_b.get<T>(ks.kc * std::min(ks.nc, (n + ks.nr - 1) / ks.nr * ks.nr));
  if (!pack_b) throw std::bad_alloc();

  std::unique_lock<std::mutex> lk(pool_mutex(), std::defer_lock);
  int nt = 1;
  if (mnk >= kThreadMnk && lk.try_lock()) {
    if (g_threads == 0) g_threads = pool().size();
    nt = std::min(g_threads, pool().size());
  }
  const size_t row_units = (m + ks.mr - 1) / ks.mr;
  const size_t col_units = (std::min(n, ks.nc) + ks.nr - 1) / ks.nr;
  nt = static_cast<int>(std::min<size_t>(nt, std::max(row_units, col_units)));
  Barrier barrier(nt);
  Job<T> job{&g, &ks, nt, true, pack_b, &barrier, false};
  // Split rows unless the columns share out clearly better (short, wide products).
  job.split_rows = nt == 1 || balance(col_units, nt) <= balance(row_units, nt) + 0.02;
  if (nt > 1)
    pool().run(nt, &work<T>, &job);
  else
    work<T>(&job, 0);
  if (job.failed) throw std::bad_alloc();
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
