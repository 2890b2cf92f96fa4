// The Vulkan provider's kernels: each builds its bindings and dispatches and runs them as one
// submission on the context (context.h). Arguments are checked by the caller (binding.cc): sizes
// against the arrays, float32 only. Each computes what its TypeScript reference computes, in float32.
#pragma once
#include <cstddef>

#include "context.h"

namespace tg::vk {

void gemm(Context& ctx, bool ta, bool tb, size_t m, size_t n, size_t k, double alpha, const float* a, const float* b,
          double beta, float* c);
// act: 0 linear, 1 relu, 2 sigmoid, 3 tanh; bias may be null.
void dense_forward(Context& ctx, size_t m, size_t n, size_t k, const float* x, const float* w, const float* bias,
                   int act, float* out);
// op: 0 ReLU's derivative, 1 the sigmoid's.
void activation_backward(Context& ctx, int op, size_t len, const float* dy, const float* y, float* out);
void column_sums(Context& ctx, size_t m, size_t n, const float* x, float* out);
void adam_update(Context& ctx, size_t len, float* param, const float* grad, float* m, float* v, double step_size,
                 double beta1, double beta2, double epsilon);

}  // namespace tg::vk
