// The int8 inference entries: quantizedDense (exact int32 dot products of activation codes and
// weights, then the float epilogue), quantizedDensePacked (the same over weights the caller packed
// once) and quantizeActivations, with their ISA picked at run time from
// the float kernels' choice (setIsa): avx512 -> AVX-512 VNNI when the CPU has it, else AVX2;
// avx2 -> AVX2; vec128 -> the portable scalar loops. The epilogue runs here, in code built for the
// baseline x86-64 (no FMA), so float32(acc) * scale + offset rounds twice on every ISA, as the
// TypeScript reference does.
#include "quant.h"
#include "quant_binding.h"

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "args.h"
#include "driver.h"
#include "parallel.h"
#include "pool.h"

namespace tg::q8 {

void dots_scalar(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                 int32_t* acc, size_t ldacc) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      const uint8_t* xr = x + r * ldx;
      const int8_t* wc = w + c * ldw;
      int32_t s = 0;
      for (size_t p = 0; p < k; ++p) s += int32_t(xr[p]) * int32_t(wc[p]);
      acc[r * ldacc + c] = s;
    }
}

void quantize_scalar(const float* x, size_t len, float scale, float zero_point, uint8_t* out) {
  for (size_t i = 0; i < len; ++i) {
    float q = std::nearbyint(x[i] / scale) + zero_point;
    q = q > 0.0f ? q : 0.0f;  // NaN fails the test: 0
    q = q < 127.0f ? q : 127.0f;
    out[i] = static_cast<uint8_t>(q);
  }
}

void pack_panels(const int8_t* w, size_t n, size_t k, size_t panel0, size_t panel1, int8_t* packed) {
  const size_t groups = k_groups(k);
  for (size_t p = panel0; p < panel1; ++p) {
    int8_t* dst = packed + p * groups * 64;
    const size_t c_end = std::min(kPanel, n - p * kPanel);
    const size_t full = k / 4;
    // Zeros only where no weight lands: the channels past n, and the last group's padding.
    if (c_end < kPanel)
      for (size_t g = 0; g < groups; ++g) std::memset(dst + g * 64 + c_end * 4, 0, (kPanel - c_end) * 4);
    if (groups > full) std::memset(dst + full * 64, 0, 64);
    for (size_t c = 0; c < c_end; ++c) {
      const int8_t* src = w + (p * kPanel + c) * k;
      for (size_t g = 0; g < full; ++g) std::memcpy(dst + g * 64 + c * 4, src + 4 * g, 4);
      for (size_t q = 4 * full; q < k; ++q) dst[full * 64 + c * 4 + (q - 4 * full)] = src[q];
    }
  }
}

// One output of the epilogue: float32(acc) * scale + offset, the multiply and the add rounded
// separately (this file is built for the baseline x86-64: no FMA to contract them into), then relu.
inline float epilogue(int32_t acc, float scale, float offset, bool relu) {
  const float prod = static_cast<float>(acc) * scale;
  const float v = prod + offset;
  return relu ? (v > 0.0f ? v : 0.0f) : v;
}

void panel_scalar(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                  const float* offset, bool relu, float* out, size_t ldo, bool /*w7*/) {
  const size_t full = k / 4;
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* xr = x + r * k;
    int32_t acc[kPanel] = {};
    // A group's 64 bytes are 16 channels x 4 weights: the inner loops run over contiguous bytes.
    auto group = [&](size_t g, const uint8_t (&xb)[4]) {
      const int8_t* wg = panel + g * 64;
      for (size_t c = 0; c < kPanel; ++c)
        for (size_t b = 0; b < 4; ++b) acc[c] += int32_t(xb[b]) * int32_t(wg[c * 4 + b]);
    };
    for (size_t g = 0; g < full; ++g) {
      uint8_t xb[4];
      std::memcpy(xb, xr + 4 * g, 4);
      group(g, xb);
    }
    if (k > 4 * full) {  // the row's last 1-3 bytes, zero-padded (never read past the row)
      uint8_t xb[4] = {0, 0, 0, 0};
      std::memcpy(xb, xr + 4 * full, k - 4 * full);
      group(full, xb);
    }
    for (size_t c = 0; c < cols; ++c) out[r * ldo + c] = epilogue(acc[c], scale[c], offset[c], relu);
  }
}

namespace {

bool cpu_has_vnni() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

using PanelFn = void (*)(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols,
                         const float* scale, const float* offset, bool relu, float* out, size_t ldo, bool w7);

struct Isa {
  const char* name;
  DotsFn dots;
  QuantizeFn quantize;
  // For weights within [-64, 64], or null (dots serves every weight).
  DotsFn dots_w7;
  // Whether weights are within [-64, 64], for the ISA with dots_w7 (null otherwise).
  bool (*within_64)(const int8_t* w, size_t len);
  // The broadcast kernel over packed panels, or null (the scalar ISA: panel_scalar).
  PanelFn panel;
  // Consecutive panels it takes per call (cols up to span * kPanel, panels groups * 64 bytes apart).
  size_t span;
};

// Follows the float kernels' ISA (driver.cc), which setIsa and TENSORGRAD_NATIVE_ISA choose.
Isa current_isa() {
#if defined(__x86_64__)
  const char* f = tg::isa_name();
  if (std::strncmp(f, "avx512", 6) == 0 && cpu_has_vnni())
    return {"avx512vnni", dots_avx512vnni, quantize_avx2, nullptr, nullptr, panel_avx512vnni, 2};
  if (std::strncmp(f, "avx512", 6) == 0 || std::strncmp(f, "avx2", 4) == 0)
    return {"avx2", dots_avx2, quantize_avx2, dots_avx2_w7, within_64_avx2, panel_avx2, 1};
#endif
  return {"scalar", dots_scalar, quantize_scalar, nullptr, nullptr, nullptr, 1};
}

// Rows and output channels per task: a 32 x 64 int32 block of sums (8 KB) on the stack, the
// channels' weights (64 x k bytes) reused by every row of the block.
constexpr size_t kRowBlock = 16;
constexpr size_t kColBlock = 64;
// Below this many multiply-adds the pool's hand-off costs more than it saves.
constexpr size_t kThreadMnk = size_t(1) << 20;

struct Job {
  size_t m, n, k;
  const uint8_t* x;
  const int8_t* w;
  const float* scale;
  const float* offset;
  bool relu;
  float* out;
  DotsFn dots;
  // The packed path: weights packed into panels first (a job of its own), then the panel kernel.
  PanelFn panel = nullptr;
  size_t span = 1;
  // With the AVX2 kernel: per panel, whether its weights are within [-64, 64] (0 not known yet, 1
  // yes, 2 no), found by the first task that runs the panel, on its own thread and just before its
  // micro-kernels read the same bytes. Both forms give the same exact sums, so panels may differ.
  std::atomic<uint8_t>* narrow = nullptr;
  bool (*within_64)(const int8_t* w, size_t len) = nullptr;
  int8_t* packed = nullptr;
  size_t panels = 0;
  std::atomic<size_t> next_pack{0};
  std::atomic<size_t> packed_done{0};
  size_t row_blocks, col_blocks;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
};

constexpr size_t kPanelsPerBlock = kColBlock / kPanel;

void run_packed_block(const Job& J, size_t t) {
  const size_t i0 = (t / J.col_blocks) * kRowBlock, p0 = (t % J.col_blocks) * kPanelsPerBlock;
  const size_t rows = std::min(kRowBlock, J.m - i0), p1 = std::min(J.panels, p0 + kPanelsPerBlock);
  const size_t groups = k_groups(J.k);
  for (size_t p = p0; p < p1; p += J.span) {
    const size_t j0 = p * kPanel, cols = std::min(std::min(p1 - p, J.span) * kPanel, J.n - j0);
    const int8_t* panel = J.packed + p * groups * 64;
    bool w7 = false;
    if (J.narrow) {  // span 1 here (the AVX2 kernel): one flag per panel
      uint8_t state = J.narrow[p].load(std::memory_order_relaxed);
      if (state == 0) {
        state = J.within_64(panel, groups * 64) ? 1 : 2;
        J.narrow[p].store(state, std::memory_order_relaxed);
      }
      w7 = state == 1;
    }
    J.panel(J.x + i0 * J.k, J.k, rows, panel, cols, J.scale + j0, J.offset + j0, J.relu, J.out + i0 * J.n + j0, J.n,
            w7);
  }
}

void pack_work(void* ctx, int) {
  Job& J = *static_cast<Job*>(ctx);
  for (size_t p; (p = J.next_pack.fetch_add(1, std::memory_order_relaxed)) < J.panels;) {
    pack_panels(J.w, J.n, J.k, p, p + 1, J.packed);
    J.packed_done.fetch_add(1, std::memory_order_relaxed);
  }
}

// Grow-only, 64-byte aligned scratch of the calling thread for the packed weights.
struct PackScratch {
  void* p = nullptr;
  size_t bytes = 0;
  ~PackScratch() { std::free(p); }
  int8_t* get(size_t need) {
    need = (need + 63) & ~size_t(63);
    if (need > bytes) {
      std::free(p);
      p = std::aligned_alloc(64, need);
      bytes = p ? need : 0;
    }
    return static_cast<int8_t*>(p);
  }
};
thread_local PackScratch t_packed;

void run_block(const Job& J, size_t t) {
  const size_t i0 = (t / J.col_blocks) * kRowBlock, j0 = (t % J.col_blocks) * kColBlock;
  const size_t rows = std::min(kRowBlock, J.m - i0), cols = std::min(kColBlock, J.n - j0);
  int32_t acc[kRowBlock * kColBlock];
  J.dots(J.x + i0 * J.k, J.k, J.w + j0 * J.k, J.k, J.k, rows, cols, acc, kColBlock);
  for (size_t r = 0; r < rows; ++r) {
    float* o = J.out + (i0 + r) * J.n + j0;
    const int32_t* a = acc + r * kColBlock;
    for (size_t c = 0; c < cols; ++c) o[c] = epilogue(a[c], J.scale[j0 + c], J.offset[j0 + c], J.relu);
  }
}

void work(void* ctx, int) {
  Job& J = *static_cast<Job*>(ctx);
  const size_t tasks = J.row_blocks * J.col_blocks;
  for (size_t t; (t = J.next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
    if (J.panel)
      run_packed_block(J, t);
    else
      run_block(J, t);
    J.done.fetch_add(1, std::memory_order_relaxed);
  }
}

using tg::args::Args;
using tg::args::range_error;
using tg::args::type_error;

struct IntView {
  size_t length;
  void* data;
};

IntView get_int_array(const Args& A, size_t i, const char* name, napi_typedarray_type want, const char* want_name,
                      size_t need) {
  napi_typedarray_type type;
  IntView v{};
  if (napi_get_typedarray_info(A.env, A.argv[i], &type, &v.length, &v.data, nullptr, nullptr) != napi_ok ||
      type != want)
    type_error(A.pre(name) + " must be an " + want_name + ", got " + A.what(A.argv[i]));
  if (v.length < need)
    range_error(A.pre(name) + " has " + std::to_string(v.length) + " elements, needs " + std::to_string(need));
  if (need > 0 && v.data == nullptr) type_error(A.pre(name) + " has no memory (detached buffer?)");
  return v;
}

tg::args::View get_f32(const Args& A, size_t i, const char* name, size_t need) {
  const tg::args::View v = tg::args::get_array(A, i, name);
  if (!v.f32()) type_error(A.pre(name) + " must be a Float32Array, got Float64Array");
  tg::args::check_view(A, v, v, name, name, need);
  return v;
}

// The first code above 127 (bit 7 set), or len if none; 8 bytes at a time.
size_t first_bad_code(const uint8_t* x, size_t len) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t word;
    std::memcpy(&word, x + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  for (; i < len; ++i)
    if (x[i] & 0x80) return i;
  return len;
}

// The arguments both dense entries share: (m, n, k, x, <weights>, scale, offset, relu, out), the
// weights (argument 4) left to the caller; read_epilogue_args then reads the rest and checks x's codes.
void read_dense_args(Args& A, Job& J, size_t& mk) {
  const size_t m = tg::args::get_size(A, 0, "m"), n = tg::args::get_size(A, 1, "n"), k = tg::args::get_size(A, 2, "k");
  mk = tg::args::checked_mul(A, m, k, "m*k");
  tg::args::checked_mul(A, n, k, "n*k");
  const size_t mn = tg::args::checked_mul(A, m, n, "m*n");
  tg::args::checked_mul(A, mn, k, "m*n*k");
  const IntView x = get_int_array(A, 3, "x", napi_uint8_array, "Uint8Array", mk);
  J.m = m, J.n = n, J.k = k;
  J.x = static_cast<const uint8_t*>(x.data);
}

void read_epilogue_args(Args& A, Job& J, size_t mk) {
  const tg::args::View scale = get_f32(A, 5, "scale", J.n), offset = get_f32(A, 6, "offset", J.n);
  J.relu = tg::args::get_bool(A, 7, "relu");
  const tg::args::View out = get_f32(A, 8, "out", J.m * J.n);
  const size_t bad = first_bad_code(J.x, mk);
  if (bad < mk)
    range_error(std::string(A.fn) + ": x[" + std::to_string(bad) + "] is " + std::to_string(J.x[bad]) +
                "; activation codes must be in [0, 127]");
  J.scale = scale.as<float>(), J.offset = offset.as<float>();
  J.out = out.as<float>();
}

// Grow-only per-panel flags of the calling thread (Job::narrow).
struct NarrowFlags {
  std::unique_ptr<std::atomic<uint8_t>[]> p;
  size_t n = 0;
  std::atomic<uint8_t>* get(size_t need) {
    if (need > n) {
      p.reset(new std::atomic<uint8_t>[need]);
      n = need;
    }
    for (size_t i = 0; i < need; ++i) p[i].store(0, std::memory_order_relaxed);
    return p.get();
  }
};
thread_local NarrowFlags t_narrow;

// Sets J up for the panel kernel over J.packed (filled by the pack phase when pack_first). Only the
// AVX2 kernel has a faster form for weights within [-64, 64] (VNNI has no int16 step): its panels
// are scanned for it, each by the task that first runs it; no other kernel scans.
void plan_packed(Job& J, const Isa& isa) {
  J.panel = isa.panel ? isa.panel : panel_scalar;
  J.span = isa.panel ? isa.span : 1;
  J.panels = (J.n + kPanel - 1) / kPanel;
  if (isa.panel != nullptr && isa.within_64 != nullptr) {
    J.within_64 = isa.within_64;
    J.narrow = t_narrow.get(J.panels);
  }
  J.row_blocks = (J.m + kRowBlock - 1) / kRowBlock;
  J.col_blocks = (J.panels + kPanelsPerBlock - 1) / kPanelsPerBlock;
}

// Runs J's blocks on the pool (the caller alone below kThreadMnk or while the pool is busy), after
// packing the weights into J.packed when pack_first.
void run_job(Args& A, Job& J, bool pack_first) {
  const size_t tasks = J.row_blocks * J.col_blocks;
  int nt = 1;
  const int wanted = J.m * J.n * J.k >= kThreadMnk ? tg::get_threads() : 1;
  std::unique_lock<std::mutex> pool_lock(tg::pool_mutex(), std::defer_lock);
  if (wanted > 1 && pool_lock.try_lock()) nt = static_cast<int>(std::min<size_t>({size_t(wanted), tasks, size_t(tg::pool().size())}));
  if (pack_first) {
    if (nt > 1)
      tg::pool().run(static_cast<int>(std::min<size_t>(nt, J.panels)), &pack_work, &J);
    else
      pack_work(&J, 0);
    if (J.packed_done.load() != J.panels) range_error(std::string(A.fn) + ": not every panel was packed (a bug)");
  }
  if (nt > 1)
    tg::pool().run(nt, &work, &J);
  else
    work(&J, 0);
  if (J.done.load() != tasks) range_error(std::string(A.fn) + ": not every block ran (a bug)");
}

// quantizedDense(m, n, k, x: Uint8Array m*k, w: Int8Array n*k, scale: Float32Array n,
//                offset: Float32Array n, relu: boolean, out: Float32Array m*n)
void quantized_dense_body(Args& A) {
  Job J;
  size_t mk;
  read_dense_args(A, J, mk);
  const size_t nk = J.n * J.k;
  const IntView w = get_int_array(A, 4, "w", napi_int8_array, "Int8Array", nk);
  J.w = static_cast<const int8_t*>(w.data);
  read_epilogue_args(A, J, mk);
  if (J.m * J.n == 0) return;
  const Isa isa = current_isa();
  // The packed kernel pays a repacking of the weights per call: worth it once rows share them.
  const bool packed = isa.panel != nullptr && J.m >= 8;
  if (packed) {
    plan_packed(J, isa);
    J.packed = t_packed.get(J.panels * k_groups(J.k) * 64);
    if (!J.packed) throw std::bad_alloc();
  } else {
    J.dots = isa.within_64 != nullptr && isa.within_64(J.w, nk) ? isa.dots_w7 : isa.dots;
    J.row_blocks = (J.m + kRowBlock - 1) / kRowBlock;
    J.col_blocks = (J.n + kColBlock - 1) / kColBlock;
  }
  run_job(A, J, packed);
}

// quantizedDensePacked(m, n, k, x: Uint8Array m*k, packed: Int8Array (the weights in pack_panels'
//                      layout: ceil(n/16)*16 x ceil(k/4)*4 bytes), scale, offset, relu, out): the
// panel kernel straight over weights the caller packed once (a layer's, reused by every call).
void quantized_dense_packed_body(Args& A) {
  Job J;
  size_t mk;
  read_dense_args(A, J, mk);
  const size_t panels = (J.n + kPanel - 1) / kPanel;
  const size_t bytes = tg::args::checked_mul(A, tg::args::checked_mul(A, panels, k_groups(J.k), "packed size"), 64,
                                             "packed size");
  const IntView packed = get_int_array(A, 4, "packed", napi_int8_array, "Int8Array", bytes);
  read_epilogue_args(A, J, mk);
  if (J.m * J.n == 0) return;
  const Isa isa = current_isa();
  J.packed = static_cast<int8_t*>(packed.data);
  // Padding bytes count only against zero codes past k or in outputs never written past n, so the
  // AVX2 kernel's scan of a whole panel, padding included, keeps its sums exact.
  plan_packed(J, isa);
  run_job(A, J, false);
}

// Elements per chunk of quantizeActivations on the pool: a multiple of every ISA's vector width,
// so each chunk's vector loop covers it all and only the array's own tail runs scalar, as on one
// thread.
constexpr size_t kQuantizeChunk = size_t(1) << 14;

// quantizeActivations(len, x: Float32Array len, scale, zeroPoint, out: Uint8Array len)
void quantize_body(Args& A) {
  const size_t len = tg::args::get_size(A, 0, "len");
  const tg::args::View x = get_f32(A, 1, "x", len);
  const double scale = tg::args::get_number(A, 2, "scale");
  const double zp = tg::args::get_number(A, 3, "zeroPoint");
  const float s32 = static_cast<float>(scale);
  if (!(s32 > 0.0f) || !std::isfinite(s32))
    range_error(A.pre("scale") + " must be a positive finite float32, got " + tg::args::num(scale));
  if (!(zp >= 0 && zp <= 127 && zp == std::floor(zp)))
    range_error(A.pre("zeroPoint") + " must be an integer in [0, 127], got " + tg::args::num(zp));
  const IntView out = get_int_array(A, 4, "out", napi_uint8_array, "Uint8Array", len);
  if (len == 0) return;
  // Elementwise: on the pool in chunks, the same codes for any thread count (1.3 % of an int8
  // predict of the wide model on 2 threads was this pass on one).
  const Isa isa = current_isa();
  const float* xs = x.as<float>();
  uint8_t* codes = static_cast<uint8_t*>(out.data);
  const float zpf = static_cast<float>(zp);
  tg::parallel_for(len, kQuantizeChunk, [&](size_t a, size_t b) { isa.quantize(xs + a, b - a, s32, zpf, codes + a); });
}

napi_value QuantizedDense(napi_env env, napi_callback_info info) {
  return tg::args::checked_entry<quantized_dense_body, 9>(env, info, "quantizedDense");
}
napi_value QuantizedDensePacked(napi_env env, napi_callback_info info) {
  return tg::args::checked_entry<quantized_dense_packed_body, 9>(env, info, "quantizedDensePacked");
}
napi_value QuantizeActivations(napi_env env, napi_callback_info info) {
  return tg::args::checked_entry<quantize_body, 5>(env, info, "quantizeActivations");
}

}  // namespace

void register_exports(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    napi_callback cb;
  } raw[] = {{"quantizedDense", QuantizedDense},
               {"quantizedDensePacked", QuantizedDensePacked},
               {"quantizeActivations", QuantizeActivations}};
  for (const auto& e : raw) {
    napi_value f;
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &f));
    exports.Set(e.name, f);
  }
  exports.Set("int8Isa", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                return Napi::String::New(info.Env(), current_isa().name);
              }));
}

}  // namespace tg::q8
