#include "kernels.h"

#include <algorithm>
#include <cstdint>

namespace tg::vk {

namespace {

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }
uint32_t u32(size_t v) { return static_cast<uint32_t>(v); }

HostSpan span(const float* p, size_t elements, uint8_t access, const char* name) {
  return HostSpan{const_cast<float*>(p), elements * sizeof(float), access, name};
}

// Push constants of pack.comp and gemm.comp.
struct PackPush {
  uint32_t rows, cols, rows_p, cols_p, row0, col0;
};
static_assert(sizeof(PackPush) == 24, "pack.comp's push block");
struct GemmPush {
  uint32_t m, n, kq, nq, row0, colq0, epilogue, act, has_bias;
  float alpha, beta;
  uint32_t unused;
};
static_assert(sizeof(GemmPush) == 48, "gemm.comp's push block");

// Dispatches a grid of gx x gy groups in as many dispatches as the device's group counts allow;
// at(x0, y0) sets the push constants of the dispatch starting at group (x0, y0).
template <class Push, class At>
void dispatch_grid(Recorder& r, const Limits& l, size_t gx, size_t gy, At&& at) {
  const size_t max_x = l.max_count[0], max_y = l.max_count[1];
  for (size_t y0 = 0; y0 < gy; y0 += max_y)
    for (size_t x0 = 0; x0 < gx; x0 += max_x) {
      const Push p = at(x0, y0);
      r.dispatch(&p, sizeof p, u32(std::min(max_x, gx - x0)), u32(std::min(max_y, gy - y0)));
    }
}

// op(X) (rows x cols; X stored cols x rows when trans) into the zero-padded rows_p x cols_p panel.
Step pack_step(const Context& ctx, uint32_t source, uint32_t panel, bool trans, size_t rows, size_t cols,
               size_t rows_p, size_t cols_p) {
  const Limits& l = ctx.device().limits;
  return Step{Shader::Pack,
              {trans ? 1u : 0u},
              {Ref::span(source, VK_FORMAT_R32_SFLOAT), Ref::scratch(panel)},
              [&l, rows, cols, rows_p, cols_p](Recorder& r) {
                dispatch_grid<PackPush>(r, l, ceil_div(cols_p, 32), ceil_div(rows_p, 4), [&](size_t x0, size_t y0) {
                  return PackPush{u32(rows), u32(cols), u32(rows_p), u32(cols_p), u32(y0 * 4), u32(x0 * 32)};
                });
              }};
}

// The packs and the main loop of gemm.comp; spans: a, b, c, bias.
void run_product(Context& ctx, const char* kernel, bool ta, bool tb, size_t m, size_t n, size_t k, GemmPush push,
                 HostSpan (&spans)[4]) {
  const GemmTile& t = ctx.gemm_tile();
  const size_t mp = round_up(m, t.bm), np = round_up(n, t.bn), kp = round_up(k, t.bk);
  // A product with k = 0 reads no panel: the main loop runs no step and writes alpha * 0 + beta * C.
  const std::vector<size_t> scratch{k ? mp * kp * sizeof(float) : 0, k ? kp * np * sizeof(float) : 0};
  std::vector<Step> steps;
  if (k > 0) {
    steps.push_back(pack_step(ctx, 0, 0, ta, m, k, mp, kp));
    steps.push_back(pack_step(ctx, 1, 1, tb, k, n, kp, np));
  }
  push.kq = u32(kp / 4);
  push.nq = u32(np / 4);
  const Limits& l = ctx.device().limits;
  steps.push_back(Step{ctx.gemm_shared() ? Shader::GemmShared : Shader::GemmDirect,
                       {t.tx, t.ty},
                       {Ref::scratch(0, VK_FORMAT_R32G32B32A32_SFLOAT), Ref::scratch(1, VK_FORMAT_R32G32B32A32_SFLOAT),
                        Ref::span(2), Ref::span(3)},
                       [&](Recorder& r) {
                         dispatch_grid<GemmPush>(r, l, np / t.bn, mp / t.bm, [&](size_t x0, size_t y0) {
                           GemmPush p = push;
                           p.row0 = u32(y0 * t.bm);
                           p.colq0 = u32(x0 * t.bn / 4);
                           return p;
                         });
                       }});
  ctx.run(kernel, spans, 4, scratch, steps);
}

// Groups for a grid-stride loop over len elements, 128 per group.
uint32_t stride_groups(const Context& ctx, size_t len) {
  return u32(std::min<size_t>(ceil_div(len, 128), std::min<uint32_t>(ctx.device().limits.max_count[0], 65535)));
}

}  // namespace

void gemm(Context& ctx, bool ta, bool tb, size_t m, size_t n, size_t k, double alpha, const float* a, const float* b,
          double beta, float* c) {
  if (m == 0 || n == 0) return;
  HostSpan spans[4] = {span(a, m * k, kRead, "a"), span(b, k * n, kRead, "b"),
                       span(c, m * n, beta == 0 ? kWrite : kReadWrite, "c"), span(nullptr, 0, kRead, "bias")};
  // Sizes past 32 bits cannot pass the device's binding limits; run() refuses them before use.
  GemmPush push{u32(m), u32(n), 0, 0, 0, 0, 0, 0, 0, static_cast<float>(alpha), static_cast<float>(beta), 0};
  run_product(ctx, "gemm", ta, tb, m, n, k, push, spans);
}

void dense_forward(Context& ctx, size_t m, size_t n, size_t k, const float* x, const float* w, const float* bias,
                   int act, float* out) {
  if (m == 0 || n == 0) return;
  HostSpan spans[4] = {span(x, m * k, kRead, "x"), span(w, k * n, kRead, "w"), span(out, m * n, kWrite, "out"),
                       span(bias, bias ? n : 0, kRead, "bias")};
  GemmPush push{u32(m), u32(n), 0, 0, 0, 0, 1, static_cast<uint32_t>(act), bias ? 1u : 0u, 1.0f, 0.0f, 0};
  run_product(ctx, "denseForward", false, false, m, n, k, push, spans);
}

void activation_backward(Context& ctx, int op, size_t len, const float* dy, const float* y, float* out) {
  if (len == 0) return;
  HostSpan spans[3] = {span(dy, len, kRead, "dy"), span(y, len, kRead, "y"), span(out, len, kWrite, "out")};
  const uint32_t groups = stride_groups(ctx, len);
  ctx.run(op == 0 ? "reluBackward" : "sigmoidBackward", spans, 3, {},
          {Step{Shader::Elementwise,
                {static_cast<uint32_t>(op)},
                {Ref::span(0), Ref::span(1), Ref::span(2)},
                [&](Recorder& r) {
                  const uint32_t push = u32(len);
                  r.dispatch(&push, sizeof push, groups, 1);
                }}});
}

void column_sums(Context& ctx, size_t m, size_t n, const float* x, float* out) {
  if (n == 0) return;
  HostSpan spans[2] = {span(x, m * n, kRead, "x"), span(out, n, kWrite, "out")};
  const Limits& l = ctx.device().limits;
  ctx.run("columnSums", spans, 2, {},
          {Step{Shader::ColumnSums, {}, {Ref::span(0), Ref::span(1)}, [&](Recorder& r) {
                  const size_t groups = ceil_div(n, 32);
                  for (size_t g0 = 0; g0 < groups; g0 += l.max_count[0]) {
                    const uint32_t push[3] = {u32(m), u32(n), u32(g0 * 32)};
                    r.dispatch(push, sizeof push, u32(std::min<size_t>(l.max_count[0], groups - g0)), 1);
                  }
                }}});
}

void adam_update(Context& ctx, size_t len, float* param, const float* grad, float* m, float* v, double step_size,
                 double beta1, double beta2, double epsilon) {
  if (len == 0) return;
  HostSpan spans[4] = {span(param, len, kReadWrite, "param"), span(grad, len, kRead, "grad"),
                       span(m, len, kReadWrite, "m"), span(v, len, kReadWrite, "v")};
  struct {
    uint32_t len;
    float step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, epsilon;
  } push{u32(len),
         static_cast<float>(step_size),
         static_cast<float>(beta1),
         static_cast<float>(1 - beta1),
         static_cast<float>(beta2),
         static_cast<float>(1 - beta2),
         static_cast<float>(epsilon)};
  static_assert(sizeof push == 28, "adam.comp's push block");
  const uint32_t groups = stride_groups(ctx, len);
  ctx.run("adamUpdate", spans, 4, {},
          {Step{Shader::Adam, {}, {Ref::span(0), Ref::span(1), Ref::span(2), Ref::span(3)},
                [&](Recorder& r) { r.dispatch(&push, sizeof push, groups, 1); }}});
}

}  // namespace tg::vk
