// A small fork-join thread pool for the GEMM driver. Workers spin briefly after a job (back-to-back
// products are common) and then sleep on a condition variable.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tg {

// A pause hint for spin loops: lets the sibling hyperthread run and saves power while spinning.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Waits until done() holds: a few hundred pauses first (the wait is usually a few microseconds),
// then yielding the core, since on a busy machine the thread being waited for may need it.
template <class Done>
inline void spin_until(Done done) {
  constexpr int kSpinsBeforeYield = 512;
  for (int spins = 0; !done(); ++spins) {
    if (spins < kSpinsBeforeYield)
      cpu_relax();
    else
      std::this_thread::yield();
  }
}

class Pool {
 public:
  explicit Pool(int threads);
  ~Pool();
  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(ctx, tid) on the caller (tid 0) and on up to nt - 1 workers that join in time; nt <= size().
  // fn must share its work dynamically: a worker that is descheduled when the job is posted may
  // never join it, and run() returns once the caller and the workers that did join are done.
  void run(int nt, void (*fn)(void*, int), void* ctx);

 private:
  void loop(int tid);
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> done_{0};
  std::atomic<int> slots_{0};  // workers that may still join the posted job
  std::atomic<bool> stop_{false};
  void (*job_fn_)(void*, int) = nullptr;
  void* job_ctx_ = nullptr;
};

// The process-wide pool and its lock: a caller that cannot take the lock (another thread is
// mid-product) runs single-threaded instead of waiting.
Pool& pool();
std::mutex& pool_mutex();
void set_pool_threads(int n);
int default_threads();

}  // namespace tg
