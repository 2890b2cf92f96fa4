#include "pool.h"

#include <sched.h>

#include <chrono>

namespace tg {

Pool::Pool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { loop(t); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_.store(true);
    gen_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void Pool::loop(int tid) {
  uint64_t seen = 0;
  for (;;) {
    // Spin for ~200 us, then sleep until the next job.
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; gen_.load(std::memory_order_acquire) == seen; ++i) {
      cpu_relax();
      if ((i & 255) == 255 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(200)) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
        break;
      }
    }
    seen = gen_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    // Join by taking a slot; the job's fields were published before the slots (release/acquire).
    int free = slots_.load(std::memory_order_acquire);
    while (free > 0 && !slots_.compare_exchange_weak(free, free - 1, std::memory_order_acq_rel)) {
    }
    if (free <= 0) continue;  // closed (or full) before this worker got here
    job_fn_(job_ctx_, tid);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void Pool::run(int nt, void (*fn)(void*, int), void* ctx) {
  if (nt <= 1 || workers_.empty()) {
    fn(ctx, 0);
    return;
  }
  const int posted = nt - 1;
  job_fn_ = fn;
  job_ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  slots_.store(posted, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lk(mu_);
    gen_.fetch_add(1, std::memory_order_release);
  }
  cv_.notify_all();
  fn(ctx, 0);
  // Close the job: a worker that has not joined by now never will, so the caller does not wait for
  // a thread that lost its core (fn has already done all the work). Wait only for those that joined.
  const int joined = posted - slots_.exchange(0, std::memory_order_acq_rel);
  spin_until([&] { return done_.load(std::memory_order_acquire) >= joined; });
}

int default_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// Leaked on purpose: joining workers from a static destructor at process exit could deadlock.
static Pool* g_pool = nullptr;
static std::mutex* g_mutex = new std::mutex();

std::mutex& pool_mutex() { return *g_mutex; }

Pool& pool() {
  if (!g_pool) g_pool = new Pool(default_threads());
  return *g_pool;
}

void set_pool_threads(int n) {
  std::lock_guard<std::mutex> lk(*g_mutex);
  if (g_pool && g_pool->size() == n) return;
  delete g_pool;
  g_pool = new Pool(n);
}

}  // namespace tg
