// N-API bindings. Every argument is checked here, before any memory is touched, because the addon
// can be called directly (bypassing the TypeScript checks): bad input must throw, never crash.
//
// Each kernel has two entries: a checked one (argument by argument, throwing a precise error) and
// a fast one for the TypeScript provider (see "Fast entries" below), which never throws and leaves
// anything it cannot take to the checked one.
#include <napi.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "args.h"
#include "driver.h"
#include "elementwise.h"
#include "recurrent.h"
#include "training.h"
#include "quant_binding.h"
#include "vulkan/binding.h"

namespace {

using namespace tg::args;

// Calls body(T()) with T = float or double, as the element type says.
template <class Body>
void by_dtype(bool is_f32, Body&& body) {
  if (is_f32)
    body(float());
  else
    body(double());
}

// ---- Checked entries

template <class T>
void run_gemm(bool ta, bool tb, size_t m, size_t n, size_t k, double alpha, const View& a, const View& b, double beta,
              const View& c, const void* bias, tg::Act act) {
  tg::gemm<T>(tg::GemmCall<T>{ta, tb, m, n, k, static_cast<T>(alpha), a.as<const T>(), b.as<const T>(),
                              static_cast<T>(beta), c.as<T>(), static_cast<const T*>(bias), act});
}

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c): dtype follows c.
void GemmBody(Args& A) {
  const bool ta = get_bool(A, 0, "transA");
  const bool tb = get_bool(A, 1, "transB");
  const size_t m = get_size(A, 2, "m");
  const size_t n = get_size(A, 3, "n");
  const size_t k = get_size(A, 4, "k");
  const double alpha = get_number(A, 5, "alpha");
  const double beta = get_number(A, 8, "beta");
  const View a = get_array(A, 6, "a");
  const View b = get_array(A, 7, "b");
  const View c = get_array(A, 9, "c");
  check_product(A, a, b, c, {"a", "b", "c"}, m, n, k, ta, tb);
  by_dtype(c.f32(), [&](auto t) {
    run_gemm<decltype(t)>(ta, tb, m, n, k, alpha, a, b, beta, c, nullptr, tg::Act::Linear);
  });
}

// denseForward(m, n, k, x, w, bias | null, act, out): out = act(x w + bias), act 0..3.
void DenseBody(Args& A) {
  const size_t m = get_size(A, 0, "m");
  const size_t n = get_size(A, 1, "n");
  const size_t k = get_size(A, 2, "k");
  const View x = get_array(A, 3, "x");
  const View w = get_array(A, 4, "w");
  const double actv = get_number(A, 6, "activation");
  if (!(actv == 0 || actv == 1 || actv == 2 || actv == 3))
    range_error("denseForward: activation must be 0 (linear), 1 (relu), 2 (sigmoid) or 3 (tanh), got " + num(actv));
  const View out = get_array(A, 7, "out");
  check_product(A, x, w, out, {"x", "w", "out"}, m, n, k, false, false);
  const void* bias = nullptr;
  napi_valuetype bt;
  napi_typeof(A.env, A.argv[5], &bt);
  if (bt != napi_null && bt != napi_undefined) {
    const View bv = get_array(A, 5, "bias");
    check_view(A, bv, out, "bias", "out", n);
    bias = bv.data;
  }
  const auto act = static_cast<tg::Act>(static_cast<int>(actv));
  by_dtype(out.f32(), [&](auto t) { run_gemm<decltype(t)>(false, false, m, n, k, 1.0, x, w, 0.0, out, bias, act); });
}

// An elementwise derivative from the layer's output: out = f(dy, y), each of len elements.
template <class T>
using ElementwiseBackward = void (*)(size_t len, const T* dy, const T* y, T* out);

// reluBackward / sigmoidBackward(len, dy, y, out); dtype follows out.
template <ElementwiseBackward<float> F32, ElementwiseBackward<double> F64>
void ElementwiseBackwardBody(Args& A) {
  const size_t len = get_size(A, 0, "len");
  const auto [dy, y, out] = get_vectors(A, 1, {"dy", "y", "out"}, 2, len);
  if (len == 0) return;
  if (out.f32())
    F32(len, dy.as<const float>(), y.as<const float>(), out.as<float>());
  else
    F64(len, dy.as<const double>(), y.as<const double>(), out.as<double>());
}

// columnSums(m, n, x, out): out[j] = sum_i x[i*n + j]; dtype follows out.
void ColumnSumsBody(Args& A) {
  const size_t m = get_size(A, 0, "m");
  const size_t n = get_size(A, 1, "n");
  const View x = get_array(A, 2, "x");
  const View out = get_array(A, 3, "out");
  check_view(A, out, out, "out", "out", n);
  check_matrix(A, x, out, "x", "out", m, n, false, "m*n");
  if (n == 0) return;
  by_dtype(out.f32(), [&](auto t) {
    using T = decltype(t);
    tg::column_sums(m, n, x.as<const T>(), out.as<T>());
  });
}

// adamUpdate(len, param, grad, m, v, stepSize, beta1, beta2, epsilon): one Adam step in place;
// stepSize is lr with the bias corrections folded in (adamStepSize); dtype follows param.
void AdamUpdateBody(Args& A) {
  const size_t len = get_size(A, 0, "len");
  // Named references, not a structured binding: C++17 lambdas cannot capture those.
  const std::array<View, 4> arrays = get_vectors(A, 1, {"param", "grad", "m", "v"}, 0, len);
  const View &param = arrays[0], &grad = arrays[1], &m = arrays[2], &v = arrays[3];
  const double step_size = get_number(A, 5, "stepSize");
  const double beta1 = get_number(A, 6, "beta1");
  const double beta2 = get_number(A, 7, "beta2");
  const double epsilon = get_number(A, 8, "epsilon");
  if (len == 0) return;
  by_dtype(param.f32(), [&](auto t) {
    using T = decltype(t);
    tg::adam_update(len, param.as<T>(), grad.as<const T>(), m.as<T>(), v.as<T>(), step_size, beta1, beta2, epsilon);
  });
}

// gatherRows(rows, cols, srcRows, src, index, dst): dst row r = src row index[r]; index an
// Int32Array whose first rows entries are all in [0, srcRows) (checked before any copy); src and
// dst of one float type, dtype follows dst.
void GatherRowsBody(Args& A) {
  const size_t rows = get_size(A, 0, "rows");
  const size_t cols = get_size(A, 1, "cols");
  const size_t src_rows = get_size(A, 2, "srcRows");
  const View src = get_array(A, 3, "src");
  const View dst = get_array(A, 5, "dst");
  napi_typedarray_type itype;
  size_t ilen = 0;
  void* idata = nullptr;
  if (napi_get_typedarray_info(A.env, A.argv[4], &itype, &ilen, &idata, nullptr, nullptr) != napi_ok ||
      itype != napi_int32_array)
    type_error(A.pre("index") + " must be an Int32Array, got " + A.what(A.argv[4]));
  check_matrix(A, dst, dst, "dst", "dst", rows, cols, false, "rows*cols");
  check_matrix(A, src, dst, "src", "dst", src_rows, cols, false, "srcRows*cols");
  if (ilen < rows)
    range_error(A.pre("index") + " has " + std::to_string(ilen) + " elements, needs " + std::to_string(rows));
  if (rows > 0 && idata == nullptr) type_error(A.pre("index") + " has no memory (detached buffer?)");
  const int32_t* index = static_cast<const int32_t*>(idata);
  for (size_t r = 0; r < rows; ++r)
    if (index[r] < 0 || static_cast<size_t>(index[r]) >= src_rows)
      range_error(std::string(A.fn) + ": index[" + std::to_string(r) + "] is " + std::to_string(index[r]) +
                  ", outside the " + std::to_string(src_rows) + " rows of src");
  if (rows == 0 || cols == 0) return;
  by_dtype(dst.f32(), [&](auto t) {
    using T = decltype(t);
    tg::gather_rows(rows, cols, src.as<const T>(), index, dst.as<T>());
  });
}

// Wraps a checked entry: C++ errors become JS exceptions, nothing escapes into V8.

napi_value Gemm(napi_env env, napi_callback_info info) { return checked_entry<GemmBody, 10>(env, info, "gemm"); }
napi_value DenseForward(napi_env env, napi_callback_info info) {
  return checked_entry<DenseBody, 8>(env, info, "denseForward");
}
napi_value ReluBackward(napi_env env, napi_callback_info info) {
  return checked_entry<ElementwiseBackwardBody<tg::relu_backward<float>, tg::relu_backward<double>>, 4>(
      env, info, "reluBackward");
}
napi_value SigmoidBackward(napi_env env, napi_callback_info info) {
  return checked_entry<ElementwiseBackwardBody<tg::sigmoid_backward<float>, tg::sigmoid_backward<double>>, 4>(
      env, info, "sigmoidBackward");
}
napi_value ColumnSums(napi_env env, napi_callback_info info) {
  return checked_entry<ColumnSumsBody, 4>(env, info, "columnSums");
}
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  return checked_entry<AdamUpdateBody, 9>(env, info, "adamUpdate");
}
napi_value GatherRows(napi_env env, napi_callback_info info) {
  return checked_entry<GatherRowsBody, 6>(env, info, "gatherRows");
}

// ---- Fast entries
//
// For the TypeScript provider: scalars arrive in a Float64Array the caller fills (slot 0 status,
// slot 1 the element size, then the kernel's own slots below), and each array's memory is read
// with napi_get_buffer_info, which takes any ArrayBufferView and returns its data and byte length.
// napi_get_typedarray_info costs about 700 instructions per array here (its element-type probe
// walks V8's Is*Array chain), so three of them outweigh a 32x10x64 product; the element type comes
// from the caller instead, and memory safety does not depend on it: every access is bounded by the
// view's own byte length (empty or detached views report 0).
// A fast entry never throws: it writes 0 to the status slot once the work is done and otherwise
// leaves the caller's non-zero value there; the caller then repeats the call through the checked
// entry, which validates argument by argument and throws the precise error.
enum FastSlot { kStatus, kDtypeBytes };

// gemmFast(params, a, b, c, bias or c)
enum GemmSlot { kTransA = 2, kTransB, kM, kN, kK, kAlpha, kBeta, kHasBias, kActivation, kGemmSlots };
// reluBackwardFast / sigmoidBackwardFast(params, dy, y, out), columnSumsFast(params, x, out),
// adamUpdateFast(params, param, grad, m, v)
enum TrainSlot { kLen = 2, kCols, kStepSize, kBeta1, kBeta2, kEpsilon, kTrainSlots };

struct Bytes {
  void* data;
  size_t length;
};

// `need` elements of T at the start of the view, or null if they do not fit or are misaligned.
template <class T>
inline T* elements(const Bytes& v, size_t need) {
  size_t span;
  if (__builtin_mul_overflow(need, sizeof(T), &span) || span > v.length) return nullptr;
  if (v.data == nullptr || reinterpret_cast<uintptr_t>(v.data) % alignof(T) != 0) return nullptr;
  return static_cast<T*>(v.data);
}

// A kernel's fast body: reads its slots of P and its N views; false if it cannot take the call.
template <size_t N>
using FastBody = bool (*)(const double* P, const Bytes (&views)[N]);

// Reads the parameter block (at least Slots doubles) and N array views, runs the body for the
// element size in slot kDtypeBytes, and reports success in the status slot.
template <size_t N, size_t Slots, FastBody<N> F32, FastBody<N> F64>
napi_value fast_entry(napi_env env, napi_callback_info info) {
  napi_value argv[N + 1];
  size_t argc = N + 1;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != N + 1) return nullptr;
  Bytes params;
  if (napi_get_buffer_info(env, argv[0], &params.data, &params.length) != napi_ok ||
      params.length < Slots * sizeof(double) || params.data == nullptr ||
      reinterpret_cast<uintptr_t>(params.data) % alignof(double) != 0)
    return nullptr;
  double* P = static_cast<double*>(params.data);
  Bytes views[N];
  for (size_t i = 0; i < N; ++i)
    if (napi_get_buffer_info(env, argv[i + 1], &views[i].data, &views[i].length) != napi_ok) return nullptr;
  try {
    bool ok = false;
    if (P[kDtypeBytes] == 4)
      ok = F32(P, views);
    else if (P[kDtypeBytes] == 8)
      ok = F64(P, views);
    if (ok) P[kStatus] = 0;
  } catch (...) {
    // Left non-zero: the checked path repeats the call and reports the error.
  }
  return nullptr;
}

template <class T>
bool gemm_fast(const double* P, const Bytes (&views)[4]) {
  size_t m, n, k, mk, kn, mn, mnk;
  if (!as_size(P[kM], &m) || !as_size(P[kN], &n) || !as_size(P[kK], &k)) return false;
  if (__builtin_mul_overflow(m, k, &mk) || __builtin_mul_overflow(k, n, &kn) || __builtin_mul_overflow(m, n, &mn) ||
      __builtin_mul_overflow(mn, k, &mnk))
    return false;
  const double ta = P[kTransA], tb = P[kTransB], act = P[kActivation], has_bias = P[kHasBias];
  if (!((ta == 0 || ta == 1) && (tb == 0 || tb == 1) && (act == 0 || act == 1 || act == 2 || act == 3) &&
        (has_bias == 0 || has_bias == 1)))
    return false;
  if (mn == 0) return true;  // nothing to read or write
  const T* a = elements<const T>(views[0], mk);
  const T* b = elements<const T>(views[1], kn);
  T* c = elements<T>(views[2], mn);
  const T* bias = has_bias == 1 ? elements<const T>(views[3], n) : nullptr;
  if ((!a && mk) || (!b && kn) || !c || (has_bias == 1 && !bias)) return false;
  tg::gemm<T>(tg::GemmCall<T>{ta == 1, tb == 1, m, n, k, static_cast<T>(P[kAlpha]), a, b, static_cast<T>(P[kBeta]), c,
                              bias, static_cast<tg::Act>(static_cast<int>(act))});
  return true;
}

template <class T, ElementwiseBackward<T> F>
bool elementwise_backward_fast(const double* P, const Bytes (&views)[3]) {
  size_t len;
  if (!as_size(P[kLen], &len)) return false;
  if (len == 0) return true;
  const T* dy = elements<const T>(views[0], len);
  const T* y = elements<const T>(views[1], len);
  T* out = elements<T>(views[2], len);
  if (!dy || !y || !out) return false;
  F(len, dy, y, out);
  return true;
}
template <class T>
constexpr FastBody<3> relu_backward_fast = elementwise_backward_fast<T, tg::relu_backward_parallel<T>>;
template <class T>
constexpr FastBody<3> sigmoid_backward_fast = elementwise_backward_fast<T, tg::sigmoid_backward<T>>;

template <class T>
bool column_sums_fast(const double* P, const Bytes (&views)[2]) {
  size_t m, n, mn;
  if (!as_size(P[kLen], &m) || !as_size(P[kCols], &n) || __builtin_mul_overflow(m, n, &mn)) return false;
  if (n == 0) return true;
  const T* x = elements<const T>(views[0], mn);
  T* out = elements<T>(views[1], n);
  if ((!x && mn) || !out) return false;
  tg::column_sums_parallel(m, n, x, out);
  return true;
}

template <class T>
bool adam_update_fast(const double* P, const Bytes (&views)[4]) {
  size_t len;
  if (!as_size(P[kLen], &len)) return false;
  if (len == 0) return true;
  T* param = elements<T>(views[0], len);
  const T* grad = elements<const T>(views[1], len);
  T* m = elements<T>(views[2], len);
  T* v = elements<T>(views[3], len);
  if (!param || !grad || !m || !v) return false;
  tg::adam_update_parallel(len, param, grad, m, v, P[kStepSize], P[kBeta1], P[kBeta2], P[kEpsilon]);
  return true;
}

// dropoutForwardFast(params, state, x, out, mask): state is a Uint32Array of 4 (xoshiro128**),
// advanced in place. dropoutBackwardFast(params, dy, mask, out). No checked entries: a call these
// refuse runs the kernel's TypeScript reference, which is correct for anything the dispatcher lets
// through.
enum DropoutSlot { kDropLen = 2, kDropCut, kDropScale, kDropoutSlots };

template <class T>
bool dropout_forward_fast(const double* P, const Bytes (&views)[4]) {
  size_t len;
  if (!as_size(P[kDropLen], &len)) return false;
  uint32_t* state = elements<uint32_t>(views[0], 4);
  if (!state) return false;
  if (len == 0) return true;
  const T* x = elements<const T>(views[1], len);
  T* out = elements<T>(views[2], len);
  T* mask = elements<T>(views[3], len);
  if (!x || !out || !mask) return false;
  tg::dropout_forward<T>(len, state, P[kDropCut], P[kDropScale], x, out, mask);
  return true;
}

// addIntoFast(params, acc, x): params as dropout's, [status, element bytes, len].
template <class T>
bool add_into_fast(const double* P, const Bytes (&views)[2]) {
  size_t len;
  if (!as_size(P[kDropLen], &len)) return false;
  if (len == 0) return true;
  T* acc = elements<T>(views[0], len);
  const T* x = elements<const T>(views[1], len);
  if (!acc || !x) return false;
  tg::add_into<T>(len, acc, x);
  return true;
}

template <class T>
bool dropout_backward_fast(const double* P, const Bytes (&views)[3]) {
  size_t len;
  if (!as_size(P[kDropLen], &len)) return false;
  if (len == 0) return true;
  const T* dy = elements<const T>(views[0], len);
  const T* mask = elements<const T>(views[1], len);
  T* out = elements<T>(views[2], len);
  if (!dy || !mask || !out) return false;
  tg::dropout_backward<T>(len, dy, mask, out);
  return true;
}

// reluDropoutBackwardFast(params, dy, y, out, sums): params [status, element bytes, m, n, scale,
// has sums]; y is the dropout's output; without sums the fourth view is not read. No checked
// entry, as dropout's.
enum ReluDropoutSlot { kRdM = 2, kRdN, kRdScale, kRdHasSums, kReluDropoutSlots };

template <class T>
bool relu_dropout_backward_fast(const double* P, const Bytes (&views)[4]) {
  size_t m, n, mn;
  if (!as_size(P[kRdM], &m) || !as_size(P[kRdN], &n) || __builtin_mul_overflow(m, n, &mn)) return false;
  const double has_sums = P[kRdHasSums];
  if (!(has_sums == 0 || has_sums == 1)) return false;
  if (n == 0) return true;
  const T* dy = elements<const T>(views[0], mn);
  const T* y = elements<const T>(views[1], mn);
  T* out = elements<T>(views[2], mn);
  T* sums = has_sums == 1 ? elements<T>(views[3], n) : nullptr;
  if (((!dy || !y || !out) && mn) || (has_sums == 1 && !sums)) return false;
  tg::relu_dropout_backward<T>(m, n, static_cast<T>(P[kRdScale]), dy, y, out, sums);
  return true;
}

// denseDropoutForwardFast(params, x, w, out, bias, state): the gemm slots (transposes 0, alpha 1,
// beta 0) and then dropout's cut and scale. Dropout's decisions for the m x n output are drawn
// first (state advanced by m * n, as dropoutForward advances it), then the product applies them in
// its epilogue, so the layer's output is written once and no mask is kept. No checked entry: a call
// this refuses runs the kernel's TypeScript reference.
enum DenseDropoutSlot { kDdCut = kGemmSlots, kDdScale, kDenseDropoutSlots };

thread_local std::unique_ptr<unsigned char[]> t_keep;
thread_local size_t t_keep_size = 0;

template <class T>
bool dense_dropout_forward_fast(const double* P, const Bytes (&views)[5]) {
  size_t m, n, k, mk, kn, mn;
  if (!as_size(P[kM], &m) || !as_size(P[kN], &n) || !as_size(P[kK], &k)) return false;
  if (__builtin_mul_overflow(m, k, &mk) || __builtin_mul_overflow(k, n, &kn) || __builtin_mul_overflow(m, n, &mn))
    return false;
  const double act = P[kActivation], has_bias = P[kHasBias], cut = P[kDdCut], scale = P[kDdScale];
  if (!((act == 0 || act == 1 || act == 2 || act == 3) && (has_bias == 0 || has_bias == 1)) ||
      !(cut >= 0 && cut < 4294967296.0) || !(scale >= 1 && std::isfinite(scale)))
    return false;
  uint32_t* state = elements<uint32_t>(views[4], 4);
  if (!state) return false;
  if (mn == 0) return true;
  const T* x = elements<const T>(views[0], mk);
  const T* w = elements<const T>(views[1], kn);
  T* out = elements<T>(views[2], mn);
  const T* bias = has_bias == 1 ? elements<const T>(views[3], n) : nullptr;
  if ((!x && mk) || (!w && kn) || !out || (has_bias == 1 && !bias)) return false;
  if (t_keep_size < mn) {
    t_keep.reset(new unsigned char[mn]);
    t_keep_size = mn;
  }
  // A product that fails (out of memory) leaves the state as it found it, so the reference that
  // then runs draws the same decisions.
  uint32_t saved[4];
  std::memcpy(saved, state, sizeof saved);
  try {
    tg::dropout_keep(mn, state, cut, t_keep.get());
    tg::GemmCall<T> g{false, false, m, n, k, T(1), x, w, T(0), out, bias, static_cast<tg::Act>(static_cast<int>(act))};
    g.keep = t_keep.get();
    g.keep_scale = scale;
    tg::gemm<T>(g);
  } catch (...) {
    std::memcpy(state, saved, sizeof saved);
    throw;
  }
  return true;
}

// ---- Recurrent kernels (fast entries only)
//
// rnnForwardFast(params, xp, u, mask, h0, hs), rnnBackwardFast(params, u, mask, h0, hs, dhs, dxp,
// du, dh0), gruForwardFast(params, xp, u, ub, mask, h0, hs, cache), gruBackwardFast(params, u,
// mask, h0, hs, cache, dhs, dxp, du, dub, dh0), lstmForwardFast(params, xp, u, mask, h0, c0, hs,
// cs, cache), lstmBackwardFast(params, u, mask, h0, c0, hs, cs, cache, dhs, dxp, du, dh0, dc0).
// Slot kPresent says which optional arrays are given (bit i: the i-th optional one, in argument
// order; an absent one's view is not read). These have no checked entry: the dispatcher has
// checked the call, and a call a fast entry refuses (a view too short, misaligned) is run by the
// provider's TypeScript loop instead, which is correct for anything the dispatcher lets through.
enum RecurrentSlot { kBatch = 2, kSteps, kUnits, kResetAfter, kRecAct, kAct, kPresent, kRecurrentSlots };

// The sizes and codes of a recurrent call, checked; n = batch * steps * units.
struct RecurrentCall {
  tg::Seq seq;
  size_t n, bh, hh;
  int rec, act;
  bool reset_after;
  unsigned present;
};

bool read_recurrent(const double* P, RecurrentCall* c) {
  size_t bs;
  if (!as_size(P[kBatch], &c->seq.batch) || !as_size(P[kSteps], &c->seq.steps) || !as_size(P[kUnits], &c->seq.units))
    return false;
  if (__builtin_mul_overflow(c->seq.batch, c->seq.steps, &bs) || __builtin_mul_overflow(bs, c->seq.units, &c->n) ||
      __builtin_mul_overflow(c->seq.batch, c->seq.units, &c->bh) ||
      __builtin_mul_overflow(c->seq.units, c->seq.units, &c->hh))
    return false;
  // Room for the factors (4 gates) without overflow.
  if (c->n > SIZE_MAX / 64 || c->hh > SIZE_MAX / 64) return false;
  const double rec = P[kRecAct], act = P[kAct], ra = P[kResetAfter], present = P[kPresent];
  if (!(act == 0 || act == 1 || act == 2 || act == 3) || !(rec == 2 || rec == 4) || !(ra == 0 || ra == 1) ||
      !(present >= 0 && present < 64 && present == std::floor(present)))
    return false;
  c->rec = static_cast<int>(rec);
  c->act = static_cast<int>(act);
  c->reset_after = ra == 1;
  c->present = static_cast<unsigned>(present);
  return true;
}

// A required view of `need` elements; nothing is read when need is 0.
template <class T>
bool need(const Bytes& v, size_t count, T** out) {
  static T none[1];
  if (count == 0) {
    *out = none;
    return true;
  }
  *out = elements<T>(v, count);
  return *out != nullptr;
}

// An optional view: null when absent (bit clear), else as need.
template <class T>
bool maybe(const Bytes& v, unsigned present, unsigned bit, size_t count, T** out) {
  if (!(present & (1u << bit))) {
    *out = nullptr;
    return true;
  }
  return need(v, count, out);
}

template <class T>
bool rnn_forward_fast(const double* P, const Bytes (&v)[5]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps;
  T *xp, *u, *mask, *h0, *hs;
  if (!need(v[0], c.n, &xp) || !need(v[1], c.hh, &u) || !maybe(v[2], c.present, 0, B * S, &mask) ||
      !maybe(v[3], c.present, 1, c.bh, &h0) || !need(v[4], c.n, &hs))
    return false;
  tg::rnn_forward<T>(c.seq, c.act, xp, u, mask, h0, hs);
  return true;
}

template <class T>
bool rnn_backward_fast(const double* P, const Bytes (&v)[8]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps;
  T *u, *mask, *h0, *hs, *dhs, *dxp, *du, *dh0;
  if (!need(v[0], c.hh, &u) || !maybe(v[1], c.present, 0, B * S, &mask) || !maybe(v[2], c.present, 1, c.bh, &h0) ||
      !need(v[3], c.n, &hs) || !need(v[4], c.n, &dhs) || !need(v[5], c.n, &dxp) || !need(v[6], c.hh, &du) ||
      !maybe(v[7], c.present, 2, c.bh, &dh0))
    return false;
  tg::rnn_backward<T>(c.seq, c.act, u, mask, h0, hs, dhs, dxp, du, dh0);
  return true;
}

template <class T>
bool gru_forward_fast(const double* P, const Bytes (&v)[7]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps, H = c.seq.units;
  T *xp, *u, *ub, *mask, *h0, *hs, *cache;
  if (!need(v[0], 3 * c.n, &xp) || !need(v[1], 3 * c.hh, &u) || !maybe(v[2], c.present, 0, 3 * H, &ub) ||
      !maybe(v[3], c.present, 1, B * S, &mask) || !maybe(v[4], c.present, 2, c.bh, &h0) || !need(v[5], c.n, &hs) ||
      !need(v[6], 4 * c.n, &cache))
    return false;
  tg::gru_forward<T>(c.seq, c.reset_after, c.rec, c.act, xp, u, ub, mask, h0, hs, cache);
  return true;
}

template <class T>
bool gru_backward_fast(const double* P, const Bytes (&v)[10]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps, H = c.seq.units;
  T *u, *mask, *h0, *hs, *cache, *dhs, *dxp, *du, *dub, *dh0;
  if (!need(v[0], 3 * c.hh, &u) || !maybe(v[1], c.present, 0, B * S, &mask) ||
      !maybe(v[2], c.present, 1, c.bh, &h0) || !need(v[3], c.n, &hs) || !need(v[4], 4 * c.n, &cache) ||
      !need(v[5], c.n, &dhs) || !need(v[6], 3 * c.n, &dxp) || !need(v[7], 3 * c.hh, &du) ||
      !maybe(v[8], c.present, 2, 3 * H, &dub) || !maybe(v[9], c.present, 3, c.bh, &dh0))
    return false;
  tg::gru_backward<T>(c.seq, c.reset_after, c.rec, c.act, u, mask, h0, hs, cache, dhs, dxp, du, dub, dh0);
  return true;
}

template <class T>
bool lstm_forward_fast(const double* P, const Bytes (&v)[8]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps;
  T *xp, *u, *mask, *h0, *c0, *hs, *cs, *cache;
  if (!need(v[0], 4 * c.n, &xp) || !need(v[1], 4 * c.hh, &u) || !maybe(v[2], c.present, 0, B * S, &mask) ||
      !maybe(v[3], c.present, 1, c.bh, &h0) || !maybe(v[4], c.present, 2, c.bh, &c0) || !need(v[5], c.n, &hs) ||
      !need(v[6], c.n, &cs) || !need(v[7], 4 * c.n, &cache))
    return false;
  tg::lstm_forward<T>(c.seq, c.rec, c.act, xp, u, mask, h0, c0, hs, cs, cache);
  return true;
}

template <class T>
bool lstm_backward_fast(const double* P, const Bytes (&v)[12]) {
  RecurrentCall c;
  if (!read_recurrent(P, &c)) return false;
  const size_t B = c.seq.batch, S = c.seq.steps;
  T *u, *mask, *h0, *c0, *hs, *cs, *cache, *dhs, *dxp, *du, *dh0, *dc0;
  if (!need(v[0], 4 * c.hh, &u) || !maybe(v[1], c.present, 0, B * S, &mask) ||
      !maybe(v[2], c.present, 1, c.bh, &h0) || !maybe(v[3], c.present, 2, c.bh, &c0) || !need(v[4], c.n, &hs) ||
      !need(v[5], c.n, &cs) || !need(v[6], 4 * c.n, &cache) || !need(v[7], c.n, &dhs) ||
      !need(v[8], 4 * c.n, &dxp) || !need(v[9], 4 * c.hh, &du) || !maybe(v[10], c.present, 3, c.bh, &dh0) ||
      !maybe(v[11], c.present, 4, c.bh, &dc0))
    return false;
  tg::lstm_backward<T>(c.seq, c.rec, c.act, u, mask, h0, c0, hs, cs, cache, dhs, dxp, du, dh0, dc0);
  return true;
}

// ---- Settings

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setThreads: n must be a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 256 && n == std::floor(n)))
    throw Napi::RangeError::New(env, "setThreads: n must be an integer between 1 and 256, got " + num(n));
  tg::set_threads(static_cast<int>(n));
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tg::get_threads()); }

Napi::Value SparseProducts(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tg::sparse_products());
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "setIsa: expected a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(env, tg::set_isa(name.c_str()));
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), tg::isa_name()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    napi_callback cb;
  } raw[] = {
      {"gemm", Gemm},
      {"denseForward", DenseForward},
      {"reluBackward", ReluBackward},
      {"sigmoidBackward", SigmoidBackward},
      {"columnSums", ColumnSums},
      {"gatherRows", GatherRows},
      {"adamUpdate", AdamUpdate},
      {"gemmFast", fast_entry<4, kGemmSlots, gemm_fast<float>, gemm_fast<double>>},
      {"reluBackwardFast", fast_entry<3, kTrainSlots, relu_backward_fast<float>, relu_backward_fast<double>>},
      {"sigmoidBackwardFast", fast_entry<3, kTrainSlots, sigmoid_backward_fast<float>, sigmoid_backward_fast<double>>},
      {"columnSumsFast", fast_entry<2, kTrainSlots, column_sums_fast<float>, column_sums_fast<double>>},
      {"adamUpdateFast", fast_entry<4, kTrainSlots, adam_update_fast<float>, adam_update_fast<double>>},
      {"dropoutForwardFast",
       fast_entry<4, kDropoutSlots, dropout_forward_fast<float>, dropout_forward_fast<double>>},
      {"addIntoFast", fast_entry<2, kDropoutSlots, add_into_fast<float>, add_into_fast<double>>},
      {"reluDropoutBackwardFast",
       fast_entry<4, kReluDropoutSlots, relu_dropout_backward_fast<float>, relu_dropout_backward_fast<double>>},
      {"denseDropoutForwardFast",
       fast_entry<5, kDenseDropoutSlots, dense_dropout_forward_fast<float>, dense_dropout_forward_fast<double>>},
      {"dropoutBackwardFast",
       fast_entry<3, kDropoutSlots, dropout_backward_fast<float>, dropout_backward_fast<double>>},
      {"rnnForwardFast", fast_entry<5, kRecurrentSlots, rnn_forward_fast<float>, rnn_forward_fast<double>>},
      {"rnnBackwardFast", fast_entry<8, kRecurrentSlots, rnn_backward_fast<float>, rnn_backward_fast<double>>},
      {"gruForwardFast", fast_entry<7, kRecurrentSlots, gru_forward_fast<float>, gru_forward_fast<double>>},
      {"gruBackwardFast", fast_entry<10, kRecurrentSlots, gru_backward_fast<float>, gru_backward_fast<double>>},
      {"lstmForwardFast", fast_entry<8, kRecurrentSlots, lstm_forward_fast<float>, lstm_forward_fast<double>>},
      {"lstmBackwardFast", fast_entry<12, kRecurrentSlots, lstm_backward_fast<float>, lstm_backward_fast<double>>},
  };
  for (const auto& e : raw) {
    napi_value f;
    NAPI_THROW_IF_FAILED(env, napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &f), exports);
    exports.Set(e.name, f);
  }
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("sparseProducts", Napi::Function::New(env, SparseProducts, "sparseProducts"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  tg::vk::register_exports(env, exports);
  tg::q8::register_exports(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgrad_native, Init)
