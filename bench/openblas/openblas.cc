// Bench-only reference: OpenBLAS's sgemm behind the same call shape as the tensorgrad addon.
// Built on demand by bench/openblas.mjs; the shipped addon never links OpenBLAS.
#include <cblas.h>
#include <napi.h>

namespace {

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 10 || !info[6].IsTypedArray() || !info[7].IsTypedArray() || !info[9].IsTypedArray())
    throw Napi::TypeError::New(env, "sgemm(transA, transB, m, n, k, alpha, a, b, beta, c)");
  const bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  const int m = info[2].ToNumber().Int32Value(), n = info[3].ToNumber().Int32Value(),
            k = info[4].ToNumber().Int32Value();
  auto a = info[6].As<Napi::Float32Array>(), b = info[7].As<Napi::Float32Array>(), c = info[9].As<Napi::Float32Array>();
  if (m < 0 || n < 0 || k < 0 || a.ElementLength() < size_t(m) * k || b.ElementLength() < size_t(k) * n ||
      c.ElementLength() < size_t(m) * n)
    throw Napi::RangeError::New(env, "sgemm: arrays too short");
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
              info[5].ToNumber().FloatValue(), a.Data(), ta ? m : k, b.Data(), tb ? k : n,
              info[8].ToNumber().FloatValue(), c.Data(), n);
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  openblas_set_num_threads(info[0].ToNumber().Int32Value());
  return info.Env().Undefined();
}

Napi::Value Config(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), openblas_get_config()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  return exports;
}

}  // namespace

NODE_API_MODULE(openblas_ref, Init)
