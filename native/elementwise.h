// The elementwise kernels of a training step on the thread pool (parallel.h): dropout's mask and
// its backward, and the large calls of the ReLU derivative, the bias-gradient column sums and Adam
// (training.h's loops run on each chunk, so the arithmetic is theirs, bit for bit).
#pragma once

#include <cstddef>
#include <cstdint>

#include "parallel.h"
#include "training.h"

namespace tg {

// Chunks of 16K elements: 64 KB of float32 per array, several chunks per thread on the wide model.
constexpr size_t kElementChunk = 1 << 14;

// Inverted dropout forward with the mask drawn here: element i is dropped when the i-th 32-bit
// output of xoshiro128** (state s, advanced in place, as Generator.fillUint32 does) is below cut
// (rate * 2^32); kept ones are scaled by `scale` (1 / (1 - rate)). Products are taken in double
// and rounded once, as the TypeScript does. The stream is sequential, so this runs on one thread.
template <class T>
void dropout_forward(size_t len, uint32_t* s, double cut, double scale, const T* x, T* out, T* mask) {
  uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  const T kept = static_cast<T>(scale);
  for (size_t i = 0; i < len; ++i) {
    const uint32_t r = s1 * 5u;
    const uint32_t draw = ((r << 7) | (r >> 25)) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >> 21);
    const bool drop = static_cast<double>(draw) < cut;
    mask[i] = drop ? T(0) : kept;
    out[i] = drop ? static_cast<T>(static_cast<double>(x[i]) * 0.0) : static_cast<T>(static_cast<double>(x[i]) * scale);
  }
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
}

// out = dy * mask: the product of two floats of T is exact in double, so rounding it once in T
// gives the TypeScript's (double product, stored) result.
template <class T>
void dropout_backward(size_t len, const T* dy, const T* mask, T* out) {
  parallel_for(len, kElementChunk, [=](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) out[i] = dy[i] * mask[i];
  });
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
