// The elementwise and reduction kernels of a training step (ReLU and sigmoid derivatives,
// bias-gradient column sums, Adam). Plain loops the compiler vectorizes for the baseline ISA; they
// must compute exactly what their TypeScript references (src/kernels/declarations) compute, so
// arithmetic is done in double like the TypeScript (float32 values are widened, each store rounds
// once), except float32 Adam, which the reference also writes in float32 (Math.fround per operation). This file is compiled without FMA, so -ffp-contract cannot fuse the multiply-adds and the
// results match V8 bit for bit.
#pragma once

#include <cmath>
#include <cstddef>
#include <memory>
#include <type_traits>

// The loops below are also compiled for AVX2 (not FMA: no contraction) and chosen when the library
// loads: the same IEEE operations on wider vectors, so the results are the same bits.
#if defined(__x86_64__) && defined(__linux__) && !defined(TG_NO_CLONES)
#define TG_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TG_CLONES
#endif

namespace tg {

// out = dy where y > 0, else 0 (NaN y gives 0, as in the TypeScript). out may be dy itself (the
// backward's in-place form): each element is read before it is written, and `ivdep` tells the
// vectorizer so (no runtime overlap check, which would send out == dy to a scalar loop).
template <class T>
TG_CLONES void relu_backward(size_t len, const T* dy, const T* y, T* out) {
  // Both loads unconditional, so the select vectorizes (compare + and).
#pragma GCC ivdep
  for (size_t i = 0; i < len; ++i) {
    const T d = dy[i];
    out[i] = y[i] > 0 ? d : T(0);
  }
}

// out = dy * y * (1 - y): the sigmoid's derivative from its output, in double like the TypeScript
// (the same order of the two products, so float32 results match it bit for bit). out may be dy.
template <class T>
TG_CLONES void sigmoid_backward(size_t len, const T* dy, const T* y, T* out) {
#pragma GCC ivdep
  for (size_t i = 0; i < len; ++i) {
    const double yi = y[i];
    out[i] = static_cast<T>(static_cast<double>(dy[i]) * yi * (1 - yi));
  }
}

// out[j] = sum over rows of x[i*n + j], accumulated in double row by row (storage order), then
// rounded once: the TypeScript fallback's order, so the results are identical.
template <class T>
TG_CLONES void column_sums(size_t m, size_t n, const T* x, T* out) {
  constexpr size_t kStack = 512;
  double stack[kStack];
  std::unique_ptr<double[]> heap;
  double* acc = stack;
  if (n > kStack) {
    heap.reset(new double[n]);
    acc = heap.get();
  }
  for (size_t j = 0; j < n; ++j) acc[j] = 0;
  for (size_t i = 0; i < m; ++i) {
    const T* row = x + i * n;
    for (size_t j = 0; j < n; ++j) acc[j] += static_cast<double>(row[j]);
  }
  for (size_t j = 0; j < n; ++j) out[j] = static_cast<T>(acc[j]);
}

// One Adam step; step_size is lr with the bias corrections folded in, computed by the caller
// (adamStepSize in TypeScript) so every provider uses the same value. float32 parameters are
// updated in float32 arithmetic (as PyTorch and TensorFlow do), each operation rounded once in the
// order the TypeScript reference writes it; float64 ones in double.
template <class T>
TG_CLONES void adam_update(size_t len, T* param, const T* grad, T* m, T* v, double step_size, double beta1,
                           double beta2, double epsilon) {
  if constexpr (std::is_same_v<T, float>) {
    const float b1 = static_cast<float>(beta1), c1 = static_cast<float>(1 - beta1);
    const float b2 = static_cast<float>(beta2), c2 = static_cast<float>(1 - beta2);
    const float s = static_cast<float>(step_size), eps = static_cast<float>(epsilon);
    for (size_t i = 0; i < len; ++i) {
      const float g = grad[i];
      const float mi = b1 * m[i] + c1 * g;
      const float vi = b2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      param[i] = param[i] - (s * mi) / (std::sqrt(vi) + eps);
    }
  } else {
    const double c1 = 1 - beta1, c2 = 1 - beta2;
    for (size_t i = 0; i < len; ++i) {
      const double g = grad[i];
      const double mi = beta1 * static_cast<double>(m[i]) + c1 * g;
      const double vi = beta2 * static_cast<double>(v[i]) + c2 * g * g;
      m[i] = static_cast<T>(mi);
      v[i] = static_cast<T>(vi);
      param[i] = static_cast<T>(static_cast<double>(param[i]) - (step_size * mi) / (std::sqrt(vi) + epsilon));
    }
  }
}

}  // namespace tg
