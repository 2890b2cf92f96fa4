// The elementwise kernels of a training step on the thread pool (parallel.h): dropout's mask and
// its backward, and the large calls of the ReLU derivative, the bias-gradient column sums and Adam
// (training.h's loops run on each chunk, so the arithmetic is theirs, bit for bit).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "parallel.h"
#include "training.h"

namespace tg {

// Chunks of 16K elements: 64 KB of float32 per array, several chunks per thread on the wide model.
constexpr size_t kElementChunk = 1 << 14;

// Inverted dropout forward with the mask drawn here: element i is dropped when the i-th 32-bit
// output of xoshiro128** (state s, advanced in place, as Generator.fillUint32 does) is below cut
// (rate * 2^32); kept ones are scaled by `scale` (1 / (1 - rate)). Products are taken in double
// and rounded once, as the TypeScript does. The stream is sequential, so this runs on one thread.
// The next w outputs of xoshiro128** (state s, advanced in place), as Generator.fillUint32 draws.
// Kept out of line: inlined into the loop below, the compiler schedules both worse.
__attribute__((noinline)) inline void xoshiro128ss_fill(uint32_t* s, size_t w, uint32_t* draws) {
  uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  for (size_t i = 0; i < w; ++i) {
    const uint32_t r = s1 * 5u;
    draws[i] = ((r << 7) | (r >> 25)) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >> 21);
  }
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
}

// Element i dropped when draws[i] < cut: m exactly 0 or scale, out = x * m in double, rounded once.
// m is selected with a bit mask: written as a ternary, the compiler makes it a branch, which a
// coin flip per element mispredicts half the time.
template <class T>
TG_CLONES void dropout_apply(size_t w, const uint32_t* __restrict draws, double cut, double scale,
                                             const T* x, T* out, T* mask) {
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

template <class T>
void dropout_forward(size_t len, uint32_t* s, double cut, double scale, const T* x, T* out, T* mask) {
  // The generator's serial recurrence and the compare-and-scale in two passes over blocks; in one
  // loop the compiler turns the coin flip into a branch that mispredicts half the time.
  constexpr size_t kBlock = 2048;
  uint32_t draws[kBlock];
  for (size_t base = 0; base < len; base += kBlock) {
    const size_t w = std::min(kBlock, len - base);
    xoshiro128ss_fill(s, w, draws);
    dropout_apply<T>(w, draws, cut, scale, x + base, out + base, mask + base);
  }
}

// out = dy * mask: the product of two floats of T is exact in double, so rounding it once in T
// gives the TypeScript's (double product, stored) result.
template <class T>
TG_CLONES void multiply(size_t len, const T* dy, const T* mask, T* out) {
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

template <class T>
void adam_update_parallel(size_t len, T* param, const T* grad, T* m, T* v, double step_size, double beta1,
                          double beta2, double epsilon) {
  parallel_for(len, kElementChunk, [=](size_t a, size_t b) {
    adam_update<T>(b - a, param + a, grad + a, m + a, v + a, step_size, beta1, beta2, epsilon);
  });
}

}  // namespace tg
