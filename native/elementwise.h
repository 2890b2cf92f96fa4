// The elementwise kernels of a training step on the thread pool (parallel.h): dropout's mask and
// its backward, and the large calls of the ReLU derivative, the bias-gradient column sums and Adam
// (training.h's loops run on each chunk, so the arithmetic is theirs, bit for bit).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "parallel.h"
#include "training.h"
#include "xoshiro.h"

namespace tg {

// Chunks of 16K elements: 64 KB of float32 per array, several chunks per thread on the wide model.
constexpr size_t kElementChunk = 1 << 14;

// Element i dropped when draws[i] < cut: m exactly 0 or scale, out = x * m in double, rounded once.
// m is selected with a bit mask: written as a ternary, the compiler makes it a branch, which a
// coin flip per element mispredicts half the time.
template <class T>
TG_CLONES void dropout_apply(size_t w, const uint32_t* __restrict draws, double cut, double scale,
                                             const T* x, T* out, T* mask) {
  if constexpr (std::is_same_v<T, float>) {
    // float32 with a scale that is a float (rate 0.5, 0.75, ...): the same results in float
    // arithmetic, eight lanes instead of four. For integer draws, draw < cut is draw < ceil(cut);
    // and x * scale, exact in double for two floats, rounds once either way.
    const float sf = static_cast<float>(scale);
    const double cut_up = std::ceil(cut);
    if (static_cast<double>(sf) == scale && cut_up < 4294967296.0) {
      const uint32_t cu = static_cast<uint32_t>(cut_up);
      uint32_t sbits;
      std::memcpy(&sbits, &sf, sizeof sbits);
      for (size_t i = 0; i < w; ++i) {
        const uint32_t bits = sbits & (0u - static_cast<uint32_t>(draws[i] >= cu));
        float m;
        std::memcpy(&m, &bits, sizeof m);
        mask[i] = m;
        out[i] = x[i] * m;
      }
      return;
    }
  }
  uint64_t scale_bits;
  std::memcpy(&scale_bits, &scale, sizeof scale_bits);
  for (size_t i = 0; i < w; ++i) {
    const uint64_t keep = uint64_t{0} - static_cast<uint64_t>(!(static_cast<double>(draws[i]) < cut));
    const uint64_t bits = scale_bits & keep;
    double m;
    std::memcpy(&m, &bits, sizeof m);
    mask[i] = static_cast<T>(m);
    out[i] = static_cast<T>(static_cast<double>(x[i]) * m);
  }
}

// The xoshiro128** stream of len outputs from state s (advanced in place by len, as
// Generator.fillUint32 does), handed to apply(at, w, draws) in consecutive pieces: draws[i] is
// output at + i. Large streams are drawn in lanes of kDropoutLane outputs, each started at its
// jumped state (xoshiro.h), eight lanes per SIMD group and groups on the pool; smaller ones run
// the serial recurrence. Either way, the same bits.
constexpr size_t kDropoutLane = 8192;
constexpr size_t kDropoutGroup = kXoshiroLanes * kDropoutLane;

template <class F>
void stream_lane_group(const uint32_t* start, size_t base, size_t len, const F& apply) {
  constexpr size_t kSteps = 256;
  uint32_t st[4 * kXoshiroLanes];
  std::memcpy(st, start, sizeof st);
  uint32_t draws[kXoshiroLanes * kSteps];
  for (size_t i0 = 0; i0 < kDropoutLane && base + i0 < len; i0 += kSteps) {
    xoshiro128ss_lanes(st, kSteps, draws, kSteps);
    for (size_t j = 0; j < kXoshiroLanes; ++j) {
      const size_t at = base + j * kDropoutLane + i0;
      if (at >= len) break;
      apply(at, std::min(kSteps, len - at), draws + j * kSteps);
    }
  }
}

template <class F>
void xoshiro_stream(size_t len, uint32_t* s, const F& apply) {
  if (len < 2 * kDropoutGroup) {
    // The generator's serial recurrence and the apply in two passes over blocks; in one loop the
    // compiler turns dropout's coin flip into a branch that mispredicts half the time.
    constexpr size_t kBlock = 2048;
    uint32_t draws[kBlock];
    for (size_t base = 0; base < len; base += kBlock) {
      const size_t w = std::min(kBlock, len - base);
      xoshiro128ss_fill(s, w, draws);
      apply(base, w, draws);
    }
    return;
  }
  static const Gf2Poly lane_jump = gf2_x_pow(kDropoutLane);
  const size_t groups = (len + kDropoutGroup - 1) / kDropoutGroup;
  // Lane l starts l * kDropoutLane outputs into the stream; states word-major within each group.
  std::unique_ptr<uint32_t[]> starts(new uint32_t[groups * 4 * kXoshiroLanes]);
  uint32_t cur[4] = {s[0], s[1], s[2], s[3]};
  const size_t lanes = (len + kDropoutLane - 1) / kDropoutLane;
  for (size_t l = 0; l < groups * kXoshiroLanes; ++l) {
    uint32_t* group = starts.get() + (l / kXoshiroLanes) * 4 * kXoshiroLanes;
    for (size_t w = 0; w < 4; ++w) group[w * kXoshiroLanes + l % kXoshiroLanes] = cur[w];
    if (l + 1 < lanes) xoshiro128_jump(cur, lane_jump);  // lanes past the end draw unused values
  }
  xoshiro128_jump(s, gf2_x_pow(len));
  parallel_for(
      groups, 1,
      [&](size_t a, size_t b) {
        for (size_t g = a; g < b; ++g)
          stream_lane_group(starts.get() + g * 4 * kXoshiroLanes, g * kDropoutGroup, len, apply);
      },
      len);
}

// Inverted dropout forward with the mask drawn here: element i is dropped when the i-th output of
// the stream is below cut (rate * 2^32); kept ones are scaled by `scale` (1 / (1 - rate)).
// Products are taken in double and rounded once, as the TypeScript does.
template <class T>
void dropout_forward(size_t len, uint32_t* s, double cut, double scale, const T* x, T* out, T* mask) {
  xoshiro_stream(len, s, [=](size_t at, size_t w, const uint32_t* draws) {
    dropout_apply<T>(w, draws, cut, scale, x + at, out + at, mask + at);
  });
}

// keep[i] = 1 when draws[i] is not below cut (the element is kept), else 0.
TG_CLONES inline void keep_flags(size_t w, const uint32_t* __restrict draws, double cut,
                                 unsigned char* __restrict keep) {
  // For integer draws, draw < cut is draw < ceil(cut); compared as 32-bit integers, which
  // vectorize eight (sixteen) at a time.
  const double cut_up = std::ceil(cut);
  if (cut_up >= 4294967296.0) {
    std::memset(keep, 0, w);  // every draw is below cut
    return;
  }
  const uint32_t cu = static_cast<uint32_t>(cut_up);
  for (size_t i = 0; i < w; ++i) keep[i] = static_cast<unsigned char>(draws[i] >= cu);
}

// Dropout's decisions alone, as one byte per element (1: kept), for a kernel that applies them
// later (the dense layer's fused dropout, in the GEMM driver): the same stream, the same cut.
inline void dropout_keep(size_t len, uint32_t* s, double cut, unsigned char* keep) {
  xoshiro_stream(len, s, [=](size_t at, size_t w, const uint32_t* draws) { keep_flags(w, draws, cut, keep + at); });
}

// out = dy * mask: the product of two floats of T is exact in double, so rounding it once in T
// gives the TypeScript's (double product, stored) result. out may be dy.
template <class T>
TG_CLONES void multiply(size_t len, const T* dy, const T* mask, T* out) {
#pragma GCC ivdep
  for (size_t i = 0; i < len; ++i) out[i] = dy[i] * mask[i];
}

template <class T>
void dropout_backward(size_t len, const T* dy, const T* mask, T* out) {
  parallel_for(len, kElementChunk, [=](size_t a, size_t b) { multiply<T>(b - a, dy + a, mask + a, out + a); });
}

// acc += x (exact in T: the double sum of two floats rounds to the float sum).
template <class T>
TG_CLONES void accumulate(size_t len, T* acc, const T* x) {
  for (size_t i = 0; i < len; ++i) acc[i] += x[i];
}

template <class T>
void add_into(size_t len, T* acc, const T* x) {
  parallel_for(len, kElementChunk, [=](size_t a, size_t b) { accumulate<T>(b - a, acc + a, x + a); });
}

template <class T>
void relu_backward_parallel(size_t len, const T* dy, const T* y, T* out) {
  parallel_for(len, kElementChunk,
               [=](size_t a, size_t b) { relu_backward<T>(b - a, dy + a, y + a, out + a); });
}

// Column sums by blocks of columns: each column still adds its rows in storage order in double.
template <class T>
void column_sums_parallel(size_t m, size_t n, const T* x, T* out) {
  if (m * n < kParallelMinElements) return column_sums<T>(m, n, x, out);
  constexpr size_t kCols = 256;
  parallel_for(n, kCols, [=](size_t a, size_t b) {
    double acc[kCols];
    const size_t w = b - a;
    for (size_t j = 0; j < w; ++j) acc[j] = 0;
    for (size_t i = 0; i < m; ++i) {
      const T* row = x + i * n + a;
      for (size_t j = 0; j < w; ++j) acc[j] += static_cast<double>(row[j]);
    }
    for (size_t j = 0; j < w; ++j) out[a + j] = static_cast<T>(acc[j]);
  }, m * n);
}

// The backward of dropout after a ReLU layer, from the dropout's output y alone, with the bias
// gradient, in one pass over the m x n gradient: out = dy * scale where y > 0 (the unit was kept
// and its ReLU was positive), else +0, and sums[j] (when sums is given) = column j of out added in
// double row by row, rounded once (as column_sums). scale is the kept units' factor in T, so
// dy * scale is the product dropout's backward takes with its mask. Each call covers columns [a, b),
// reading whole row segments in storage order. out may be dy itself (in place: each element is read
// before it is written, so neither pointer is __restrict and the loop says `ivdep`).
template <class T>
TG_CLONES void relu_dropout_columns(size_t m, size_t n, size_t a, size_t b, T scale, const T* dy,
                                    const T* __restrict y, T* out, T* __restrict sums) {
  // The select as a bit mask on the product: written as a ternary, the compiler keeps the loop
  // scalar with a branch on y (it will not multiply where the source did not), which mispredicts
  // on half the elements.
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr size_t kStack = 1024;
  double stack[kStack];
  const size_t w = b - a;
  std::unique_ptr<double[]> heap(sums && w > kStack ? new double[w] : nullptr);
  double* acc = heap ? heap.get() : stack;
  for (size_t j = 0; j < w && sums; ++j) acc[j] = 0;
  for (size_t i = 0; i < m; ++i) {
    const size_t r = i * n + a;
#pragma GCC ivdep
    for (size_t j = 0; j < w; ++j) {
      const T d = dy[r + j] * scale;
      Bits bits;
      std::memcpy(&bits, &d, sizeof bits);
      bits &= Bits{0} - static_cast<Bits>(y[r + j] > 0);
      T v;
      std::memcpy(&v, &bits, sizeof v);
      out[r + j] = v;
    }
    if (sums)
      for (size_t j = 0; j < w; ++j) acc[j] += static_cast<double>(out[r + j]);
  }
  if (sums)
    for (size_t j = 0; j < w; ++j) sums[a + j] = static_cast<T>(acc[j]);
}

// One column range per thread (a multiple of 16 columns): on one thread the whole rows, so the
// three arrays stream in storage order (blocks of 256 columns read them in 1 KB pieces 4 KB apart,
// which in a training step, out of cache, was no faster than separate passes).
template <class T>
void relu_dropout_backward(size_t m, size_t n, T scale, const T* dy, const T* y, T* out, T* sums) {
  const size_t threads = m * n < kParallelMinElements ? 1 : std::max<size_t>(1, get_threads());
  const size_t cols = std::max<size_t>(16, (n + threads - 1) / threads + 15) / 16 * 16;
  parallel_for(
      n, cols, [=](size_t a, size_t b) { relu_dropout_columns<T>(m, n, a, b, scale, dy, y, out, sums); }, m * n);
}

// dst row r = src row index[r] (rows of cols elements; the caller checked every index): one memcpy
// per row. Software prefetches of the next rows' first lines were tried and made it slower (256
// rows of 1 KB from 64 MB of sources: 47-56 us with them, 28-29 without).
template <class T>
void gather_rows(size_t rows, size_t cols, const T* src, const int32_t* index, T* dst) {
  const size_t bytes = cols * sizeof(T);
  for (size_t r = 0; r < rows; ++r) std::memcpy(dst + r * cols, src + static_cast<size_t>(index[r]) * cols, bytes);
}

template <class T>
void adam_update_parallel(size_t len, T* param, const T* grad, T* m, T* v, double step_size, double beta1,
                          double beta2, double epsilon) {
  parallel_for(len, kElementChunk, [=](size_t a, size_t b) {
    adam_update<T>(b - a, param + a, grad + a, m + a, v + a, step_size, beta1, beta2, epsilon);
  });
}

}  // namespace tg
