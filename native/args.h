// The checked-argument helpers of the N-API entries: every argument is read and validated here,
// before any memory is touched, and a bad one throws a message naming it and its value. Shared by
// the CPU kernels' entries (addon.cc) and the Vulkan provider's (vulkan/binding.cc).
#pragma once
#include <napi.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

namespace tg::args {

// A non-negative integer up to 2^53 (the largest a JS number holds exactly; well inside size_t).
inline bool as_size(double d, size_t* out) {
  if (!(d >= 0) || d > 9007199254740992.0 || d != static_cast<double>(static_cast<uint64_t>(d))) return false;
  *out = static_cast<size_t>(d);
  return true;
}

inline std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string type_name(const Napi::Value& v) {
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

// The hot entry points use raw N-API: node-addon-api's CallbackInfo heap-allocates past six
// arguments, and message strings are only built once something is wrong (a tiny product must
// cost well under a microsecond per call).
struct JsError {
  bool range;
  std::string msg;
};
[[noreturn]] inline void type_error(const std::string& msg) { throw JsError{false, msg}; }
[[noreturn]] inline void range_error(const std::string& msg) { throw JsError{true, msg}; }

struct Args {
  napi_env env;
  const char* fn;
  napi_value argv[10];
  size_t argc;
  std::string what(napi_value v) const { return type_name(Napi::Value(env, v)); }
  std::string pre(const char* name) const { return std::string(fn) + ": " + name; }
};

inline double get_number(const Args& A, size_t i, const char* name) {
  double d;
  if (napi_get_value_double(A.env, A.argv[i], &d) != napi_ok)
    type_error(A.pre(name) + " must be a number, got " + A.what(A.argv[i]));
  return d;
}

inline size_t get_size(const Args& A, size_t i, const char* name) {
  const double d = get_number(A, i, name);
  size_t s;
  if (!as_size(d, &s)) range_error(A.pre(name) + " must be a non-negative integer, got " + num(d));
  return s;
}

inline bool get_bool(const Args& A, size_t i, const char* name) {
  bool b;
  if (napi_get_value_bool(A.env, A.argv[i], &b) != napi_ok)
    type_error(A.pre(name) + " must be a boolean, got " + A.what(A.argv[i]));
  return b;
}

inline size_t checked_mul(const Args& A, size_t x, size_t y, const char* what) {
  size_t r;
  if (__builtin_mul_overflow(x, y, &r))
    range_error(std::string(A.fn) + ": " + what + " = " + std::to_string(x) + "x" + std::to_string(y) + " overflows");
  return r;
}

struct View {
  napi_typedarray_type type;
  size_t length;
  void* data;
  bool f32() const { return type == napi_float32_array; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// A Float32Array or Float64Array (anything else throws). napi_get_typedarray_info itself rejects
// non-typed-arrays, so no separate napi_is_typedarray; the buffer and offset outputs are not asked
// for (each costs V8 work on every call).
inline View get_array(const Args& A, size_t i, const char* name) {
  View view{};
  if (napi_get_typedarray_info(A.env, A.argv[i], &view.type, &view.length, &view.data, nullptr, nullptr) != napi_ok ||
      (view.type != napi_float32_array && view.type != napi_float64_array))
    type_error(A.pre(name) + " must be a Float32Array or Float64Array, got " + A.what(A.argv[i]));
  return view;
}

inline const char* dtype_name(napi_typedarray_type t) { return t == napi_float64_array ? "float64" : "float32"; }

// v holds `need` elements of ref's type. Messages say what for: a rows x cols matrix (stored
// cols x rows when transposed), or a vector when cols is 0.
inline void check_view(const Args& A, const View& v, const View& ref, const char* name, const char* ref_name,
                       size_t need, size_t rows = 0, size_t cols = 0, bool transposed = false) {
  if (v.type != ref.type)
    type_error(A.pre(name) + " is " + dtype_name(v.type) + " but " + ref_name + " is " + dtype_name(ref.type));
  if (v.length < need) {
    const std::string r = std::to_string(rows), c = std::to_string(cols);
    const std::string shape = cols == 0 ? "" : transposed ? " (" + c + "x" + r + ", transposed)" : " (" + r + "x" + c + ")";
    range_error(A.pre(name) + " has " + std::to_string(v.length) + " elements, needs " + std::to_string(need) + shape);
  }
  // A detached buffer reports length 0 and a null pointer; only a 0-element need may pass.
  if (need > 0 && v.data == nullptr) type_error(A.pre(name) + " has no memory (detached buffer?)");
}

inline void check_matrix(const Args& A, const View& v, const View& ref, const char* name, const char* ref_name,
                         size_t rows, size_t cols, bool transposed, const char* product) {
  check_view(A, v, ref, name, ref_name, checked_mul(A, rows, cols, product), rows, cols, transposed);
}

// Arguments first .. first+N-1: N arrays of `len` elements each, all of the element type of the
// one at position ref (checked first, so a message names the others against it).
template <size_t N>
std::array<View, N> get_vectors(const Args& A, size_t first, const char* const (&names)[N], size_t ref, size_t len) {
  std::array<View, N> v;
  for (size_t i = 0; i < N; ++i) v[i] = get_array(A, first + i, names[i]);
  check_view(A, v[ref], v[ref], names[ref], names[ref], len);
  for (size_t i = 0; i < N; ++i)
    if (i != ref) check_view(A, v[i], v[ref], names[i], names[ref], len);
  return v;
}

// The operands of a product: a is m x k and b is k x n (each stored transposed when its flag is
// set), c is m x n, all of c's element type; m*n*k, which sizes decisions use, must fit too.
inline void check_product(const Args& A, const View& a, const View& b, const View& c, const char* const (&names)[3],
                          size_t m, size_t n, size_t k, bool ta, bool tb) {
  check_matrix(A, a, c, names[0], names[2], m, k, ta, "m*k");
  check_matrix(A, b, c, names[1], names[2], k, n, tb, "k*n");
  check_matrix(A, c, c, names[2], names[2], m, n, false, "m*n");
  checked_mul(A, m * n, k, "m*n*k");
}

template <void (*Body)(Args&), size_t Argc>
napi_value checked_entry(napi_env env, napi_callback_info info, const char* fn) {
  static_assert(Argc <= 10, "Args holds 10 arguments");
  Args A{env, fn, {}, 10};
  if (napi_get_cb_info(env, info, &A.argc, A.argv, nullptr, nullptr) != napi_ok) return nullptr;
  try {
    if (A.argc != Argc)
      type_error(std::string(fn) + ": expected " + std::to_string(Argc) + " arguments, got " + std::to_string(A.argc));
    Body(A);
  } catch (const JsError& e) {
    if (e.range)
      napi_throw_range_error(env, nullptr, e.msg.c_str());
    else
      napi_throw_type_error(env, nullptr, e.msg.c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, (std::string(fn) + ": out of memory").c_str());
  } catch (const std::exception& e) {
    // A failure past the checks (a Vulkan call, say): its message already names the call.
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

}  // namespace tg::args
