// Elementwise work on the GEMM's thread pool: a range [0, len) cut into fixed chunks that the
// caller and the pool's workers take in turn. Chunks are cut the same way whatever the thread
// count, and every kernel run through here is elementwise (or per column), so results do not
// depend on how many threads joined.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>

#include "driver.h"
#include "pool.h"

namespace tg {

// Below this many elements a call runs on the caller alone: waking a worker costs a few
// microseconds, about what one thread needs for this much streaming work.
constexpr size_t kParallelMinElements = 1 << 16;

template <class F>
struct RangeJob {
  const F* fn;
  size_t len, chunk;
  std::atomic<size_t> next{0};
};

template <class F>
void range_work(void* ctx, int) {
  RangeJob<F>& J = *static_cast<RangeJob<F>*>(ctx);
  for (size_t start; (start = J.next.fetch_add(J.chunk, std::memory_order_relaxed)) < J.len;)
    (*J.fn)(start, std::min(J.len, start + J.chunk));
}

// Calls fn(begin, end) on each chunk of `chunk` elements of [0, len) (never a longer range), on up to the addon's thread
// count when the call touches at least kParallelMinElements elements (`work`, by default len). If
// another thread holds the pool (a product running elsewhere), the caller does it all.
template <class F>
void parallel_for(size_t len, size_t chunk, const F& fn, size_t work = 0) {
  if (len == 0) return;
  chunk = std::max<size_t>(chunk, 1);
  if (work == 0) work = len;
  const size_t chunks = (len + chunk - 1) / chunk;
  const int want = work < kParallelMinElements ? 1 : static_cast<int>(std::min<size_t>(get_threads(), chunks));
  std::unique_lock<std::mutex> lock(pool_mutex(), std::defer_lock);
  if (want <= 1 || !lock.try_lock()) {
    for (size_t start = 0; start < len; start += chunk) fn(start, std::min(len, start + chunk));
    return;
  }
  RangeJob<F> job;
  job.fn = &fn;
  job.len = len;
  job.chunk = chunk;
  pool().run(std::min(want, pool().size()), &range_work<F>, &job);
}

}  // namespace tg
