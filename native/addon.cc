// N-API bindings. Every argument is checked here, before any memory is touched, because the addon
// can be called directly (bypassing the TypeScript checks): bad input must throw, never crash.
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "driver.h"

namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string type_name(const Napi::Value& v) {
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "Int8Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_uint8_clamped_array: return "Uint8ClampedArray";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      default: return "a typed array";
    }
  }
  if (v.IsArray()) return "an Array";
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsBuffer() || v.IsArrayBuffer() || v.IsDataView()) return "a buffer";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  return "an object";
}

[[noreturn]] void type_error(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void range_error(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

size_t get_size(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) type_error(info.Env(), std::string(fn) + ": " + name + " must be a number, got " + type_name(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  // 2^53: the largest size a JS number holds exactly; also well inside size_t.
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740992.0)
    range_error(info.Env(), std::string(fn) + ": " + name + " must be a non-negative integer, got " + num(d));
  return static_cast<size_t>(d);
}

bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) type_error(info.Env(), std::string(fn) + ": " + name + " must be a boolean, got " + type_name(v));
  return v.As<Napi::Boolean>().Value();
}

double get_number(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) type_error(info.Env(), std::string(fn) + ": " + name + " must be a number, got " + type_name(v));
  return v.As<Napi::Number>().DoubleValue();
}

size_t checked_mul(Napi::Env env, const char* fn, size_t x, size_t y, const char* what) {
  size_t r;
  if (__builtin_mul_overflow(x, y, &r))
    range_error(env, std::string(fn) + ": " + what + " = " + std::to_string(x) + "x" + std::to_string(y) + " overflows");
  return r;
}

struct View {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

// A Float32Array or Float64Array; `dtype` (if not -1) is the element type it must have.
View get_array(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  const std::string pre = std::string(fn) + ": " + name;
  if (!v.IsTypedArray()) type_error(info.Env(), pre + " must be a Float32Array or Float64Array, got " + type_name(v));
  View view{};
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(info.Env(), v, &view.type, &view.length, &view.data, &ab, &offset) != napi_ok)
    type_error(info.Env(), pre + ": cannot read the typed array");
  if (view.type != napi_float32_array && view.type != napi_float64_array)
    type_error(info.Env(), pre + " must be a Float32Array or Float64Array, got " + type_name(v));
  return view;
}

const char* dtype_name(napi_typedarray_type t) { return t == napi_float64_array ? "float64" : "float32"; }

void check_view(Napi::Env env, const View& v, napi_typedarray_type want, size_t need, const char* fn,
                const char* name, const std::string& dims) {
  const std::string pre = std::string(fn) + ": " + name;
  if (v.type != want) type_error(env, pre + " is " + dtype_name(v.type) + " but c is " + dtype_name(want));
  if (v.length < need)
    range_error(env, pre + " has " + std::to_string(v.length) + " elements, needs " + std::to_string(need) + " (" + dims + ")");
  // A detached buffer reports length 0 and a null pointer; only a 0-element need may pass.
  if (need > 0 && v.data == nullptr) type_error(env, pre + " has no memory (detached buffer?)");
}

std::string dims(size_t r, size_t c, bool t) {
  return t ? std::to_string(c) + "x" + std::to_string(r) + ", transposed" : std::to_string(r) + "x" + std::to_string(c);
}

template <class T>
void run(bool ta, bool tb, size_t m, size_t n, size_t k, double alpha, const View& a, const View& b, double beta,
         const View& c, const T* bias, tg::Act act) {
  tg::GemmCall<T> g{ta, tb, m, n, k, static_cast<T>(alpha), static_cast<const T*>(a.data),
                    static_cast<const T*>(b.data), static_cast<T>(beta), static_cast<T*>(c.data), bias, act};
  tg::gemm<T>(g);
}

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c): dtype follows c.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gemm";
  if (info.Length() != 10) type_error(env, "gemm: expected 10 arguments, got " + std::to_string(info.Length()));
  const bool ta = get_bool(info, 0, fn, "transA");
  const bool tb = get_bool(info, 1, fn, "transB");
  const size_t m = get_size(info, 2, fn, "m");
  const size_t n = get_size(info, 3, fn, "n");
  const size_t k = get_size(info, 4, fn, "k");
  const double alpha = get_number(info, 5, fn, "alpha");
  const double beta = get_number(info, 8, fn, "beta");
  const View a = get_array(info, 6, fn, "a");
  const View b = get_array(info, 7, fn, "b");
  const View c = get_array(info, 9, fn, "c");
  check_view(env, a, c.type, checked_mul(env, fn, m, k, "m*k"), fn, "a", dims(m, k, ta));
  check_view(env, b, c.type, checked_mul(env, fn, k, n, "k*n"), fn, "b", dims(k, n, tb));
  check_view(env, c, c.type, checked_mul(env, fn, m, n, "m*n"), fn, "c", dims(m, n, false));
  // m*n*k is used for size decisions; keep it representable too.
  checked_mul(env, fn, checked_mul(env, fn, m, n, "m*n"), k, "m*n*k");
  if (c.type == napi_float32_array)
    run<float>(ta, tb, m, n, k, alpha, a, b, beta, c, nullptr, tg::Act::Linear);
  else
    run<double>(ta, tb, m, n, k, alpha, a, b, beta, c, nullptr, tg::Act::Linear);
  return env.Undefined();
}

// denseForward(m, n, k, x, w, bias | null, act, out): out = act(x w + bias), act 0..3.
Napi::Value DenseForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "denseForward";
  if (info.Length() != 8) type_error(env, "denseForward: expected 8 arguments, got " + std::to_string(info.Length()));
  const size_t m = get_size(info, 0, fn, "m");
  const size_t n = get_size(info, 1, fn, "n");
  const size_t k = get_size(info, 2, fn, "k");
  const View x = get_array(info, 3, fn, "x");
  const View w = get_array(info, 4, fn, "w");
  const double actv = get_number(info, 6, fn, "activation");
  if (!(actv == 0 || actv == 1 || actv == 2 || actv == 3))
    range_error(env, "denseForward: activation must be 0 (linear), 1 (relu), 2 (sigmoid) or 3 (tanh), got " + num(actv));
  const View out = get_array(info, 7, fn, "out");
  check_view(env, x, out.type, checked_mul(env, fn, m, k, "m*k"), fn, "x", dims(m, k, false));
  check_view(env, w, out.type, checked_mul(env, fn, k, n, "k*n"), fn, "w", dims(k, n, false));
  check_view(env, out, out.type, checked_mul(env, fn, m, n, "m*n"), fn, "out", dims(m, n, false));
  checked_mul(env, fn, checked_mul(env, fn, m, n, "m*n"), k, "m*n*k");
  const void* bias = nullptr;
  if (!info[5].IsNull() && !info[5].IsUndefined()) {
    const View bv = get_array(info, 5, fn, "bias");
    check_view(env, bv, out.type, n, fn, "bias", std::to_string(n));
    bias = bv.data;
  }
  const auto act = static_cast<tg::Act>(static_cast<int>(actv));
  if (out.type == napi_float32_array)
    run<float>(false, false, m, n, k, 1.0, x, w, 0.0, out, static_cast<const float*>(bias), act);
  else
    run<double>(false, false, m, n, k, 1.0, x, w, 0.0, out, static_cast<const double*>(bias), act);
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) type_error(env, "setThreads: expected 1 argument");
  const size_t n = get_size(info, 0, "setThreads", "n");
  if (n < 1 || n > 256) range_error(env, "setThreads: n must be between 1 and 256, got " + std::to_string(n));
  tg::set_threads(static_cast<int>(n));
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tg::get_threads()); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) type_error(env, "setIsa: expected a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(env, tg::set_isa(name.c_str()));
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), tg::isa_name()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("denseForward", Napi::Function::New(env, DenseForward, "denseForward"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("isa", Napi::Function::New(env, Isa, "isa"));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgrad_native, Init)
