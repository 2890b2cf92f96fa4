// The Vulkan provider's N-API entries. Compiled always; the Vulkan part only when the build found
// Vulkan's headers and glslc (TG_VULKAN), so an addon built without them still loads and says so.
//
//   vulkanBuilt                 whether this addon has the Vulkan provider in it
//   vulkanOpen({forceStaging, device, gemm})  opens the context (once; later calls change the
//                               memory path and the GEMM variant) and returns vulkanInfo()
//   vulkanInfo()                the device, its type, driver, limits, the GEMM tile, the memory path
//   vulkanSetStaging(force)     forces the staging path (true) or lets the device decide (false)
//   vulkanStats()               counters: submissions, bytes moved, uploads skipped, ...
//   vulkanClose()               frees the device (reopened by the next vulkanOpen)
//   vulkanGemm, vulkanDenseForward, vulkanReluBackward, vulkanSigmoidBackward, vulkanColumnSums,
//   vulkanAdamUpdate            the kernels, with the native addon's checked signatures; float32 only
#include "binding.h"

#if TG_VULKAN
#include <mutex>
#include <set>
#include <string>

#include "../args.h"
#include "context.h"
#include "kernels.h"
#endif

namespace tg::vk {

#if TG_VULKAN

namespace {

using namespace tg::args;

// Envs (the main thread and any worker) that opened the context; the last one to go closes it.
std::set<napi_env> g_envs;

void env_gone(void* arg) {
  std::lock_guard<std::mutex> guard(lock());
  g_envs.erase(static_cast<napi_env>(arg));
  if (g_envs.empty()) close();
}

Napi::Object limits_object(Napi::Env env, const Limits& l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("maxComputeWorkGroupInvocations", l.max_invocations);
  o.Set("maxTexelBufferElements", l.max_texel_elements);
  Napi::Array size = Napi::Array::New(env, 3), count = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) {
    size.Set(i, l.max_size[i]);
    count.Set(i, l.max_count[i]);
  }
  o.Set("maxComputeWorkGroupSize", size);
  o.Set("maxComputeWorkGroupCount", count);
  o.Set("maxComputeSharedMemorySize", l.max_shared);
  o.Set("maxStorageBufferRange", l.max_storage_range);
  o.Set("maxPushConstantsSize", l.max_push);
  return o;
}

Napi::Object device_object(Napi::Env env, const DeviceInfo& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", d.name);
  o.Set("type", d.type);
  o.Set("driver", d.driver);
  o.Set("apiVersion", d.api_version);
  o.Set("driverVersion", d.driver_version);
  o.Set("vendorId", d.vendor_id);
  o.Set("deviceId", d.device_id);
  o.Set("limits", limits_object(env, d.limits));
  return o;
}

Napi::Value info_of(Napi::Env env, const Context& c) {
  Napi::Object o = device_object(env, c.device());
  o.Set("deviceIndex", static_cast<double>(c.device_index()));
  o.Set("loader", c.loader());
  Napi::Array all = Napi::Array::New(env, c.devices().size());
  for (uint32_t i = 0; i < c.devices().size(); ++i) all.Set(i, device_object(env, c.devices()[i]));
  o.Set("devices", all);
  const GemmTile& t = c.gemm_tile();
  Napi::Object tile = Napi::Object::New(env);
  tile.Set("threadsX", t.tx);
  tile.Set("threadsY", t.ty);
  tile.Set("rows", t.bm);
  tile.Set("cols", t.bn);
  tile.Set("depth", t.bk);
  tile.Set("rowsPerThread", t.tm);
  tile.Set("colsPerThread", t.tn);
  o.Set("gemmTile", tile);
  o.Set("gemmVariant", c.gemm_shared() ? "shared" : "direct");
  o.Set("staging", c.staging());
  o.Set("directPossible", c.direct_possible());
  return o;
}

Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Options options;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "vulkanOpen: options must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    const Napi::Value staging = o.Get("forceStaging");
    if (!staging.IsUndefined()) {
      if (!staging.IsBoolean()) throw Napi::TypeError::New(env, "vulkanOpen: forceStaging must be a boolean");
      options.force_staging = staging.As<Napi::Boolean>().Value();
    }
    const Napi::Value device = o.Get("device");
    if (!device.IsUndefined()) {
      const double d = device.IsNumber() ? device.As<Napi::Number>().DoubleValue() : -2;
      if (!(d >= 0 && d < 1e6 && d == static_cast<double>(static_cast<int>(d))))
        throw Napi::TypeError::New(env, "vulkanOpen: device must be a device index (0, 1, ...)");
      options.device_index = static_cast<int>(d);
    }
    const Napi::Value gemm = o.Get("gemm");
    if (!gemm.IsUndefined()) {
      const std::string g = gemm.IsString() ? gemm.As<Napi::String>().Utf8Value() : "";
      if (g != "shared" && g != "direct" && g != "auto")
        throw Napi::TypeError::New(env, "vulkanOpen: gemm must be 'shared', 'direct' or 'auto'");
      options.gemm_shared = g == "shared" ? 1 : g == "direct" ? 0 : -1;
    }
  }
  std::lock_guard<std::mutex> guard(lock());
  try {
    Context& c = open(options);
    if (g_envs.insert(env).second) napi_add_env_cleanup_hook(env, env_gone, env);
    return info_of(env, c);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> guard(lock());
  const Context* c = current();
  return c ? info_of(info.Env(), *c) : info.Env().Null();
}

Napi::Value SetStaging(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean())
    throw Napi::TypeError::New(env, "vulkanSetStaging: expected a boolean (true forces the staging path)");
  std::lock_guard<std::mutex> guard(lock());
  Context* c = current();
  if (!c) throw Napi::Error::New(env, "vulkanSetStaging: the Vulkan provider is not open");
  c->set_staging(info[0].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(env, c->staging());
}

Napi::Value GetStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> guard(lock());
  const Context* c = current();
  if (!c) return env.Null();
  const Stats s = c->stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("submissions", static_cast<double>(s.submissions));
  o.Set("dispatches", static_cast<double>(s.dispatches));
  o.Set("bytesUploaded", static_cast<double>(s.bytes_uploaded));
  o.Set("bytesDownloaded", static_cast<double>(s.bytes_downloaded));
  o.Set("uploadsSkipped", static_cast<double>(s.uploads_skipped));
  o.Set("bytesSkipped", static_cast<double>(s.bytes_skipped));
  o.Set("buffersCreated", static_cast<double>(s.buffers_created));
  o.Set("pipelinesCreated", static_cast<double>(s.pipelines_created));
  o.Set("waitSeconds", static_cast<double>(s.wait_ns) * 1e-9);
  o.Set("residentBytes", static_cast<double>(s.resident_bytes));
  o.Set("pooledBytes", static_cast<double>(s.pooled_bytes));
  return o;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> guard(lock());
  close();
  return info.Env().Undefined();
}

// ---- Kernels: the native addon's checks, then float32 only, then the open context.

View get_f32(const Args& A, size_t i, const char* name) {
  const View v = get_array(A, i, name);
  if (!v.f32())
    type_error(A.pre(name) + " must be a Float32Array (the vulkan provider computes float32 only), got Float64Array");
  return v;
}

// Runs body(context) under the context's lock, or throws if it is not open.
template <class Body>
void with_context(const Args& A, Body&& body) {
  std::lock_guard<std::mutex> guard(lock());
  Context* c = current();
  if (!c) throw Error(std::string(A.fn) + ": the Vulkan provider is not open (vulkanOpen opens it)");
  body(*c);
}

void GemmBody(Args& A) {
  const bool ta = get_bool(A, 0, "transA");
  const bool tb = get_bool(A, 1, "transB");
  const size_t m = get_size(A, 2, "m");
  const size_t n = get_size(A, 3, "n");
  const size_t k = get_size(A, 4, "k");
  const double alpha = get_number(A, 5, "alpha");
  const double beta = get_number(A, 8, "beta");
  const View c = get_f32(A, 9, "c");
  const View a = get_array(A, 6, "a");
  const View b = get_array(A, 7, "b");
  check_product(A, a, b, c, {"a", "b", "c"}, m, n, k, ta, tb);
  with_context(A, [&](Context& ctx) {
    gemm(ctx, ta, tb, m, n, k, alpha, a.as<const float>(), b.as<const float>(), beta, c.as<float>());
  });
}

void DenseBody(Args& A) {
  const size_t m = get_size(A, 0, "m");
  const size_t n = get_size(A, 1, "n");
  const size_t k = get_size(A, 2, "k");
  const double actv = get_number(A, 6, "activation");
  if (!(actv == 0 || actv == 1 || actv == 2 || actv == 3))
    range_error(A.pre("activation") + " must be 0 (linear), 1 (relu), 2 (sigmoid) or 3 (tanh), got " + num(actv));
  const View out = get_f32(A, 7, "out");
  const View x = get_array(A, 3, "x");
  const View w = get_array(A, 4, "w");
  check_product(A, x, w, out, {"x", "w", "out"}, m, n, k, false, false);
  const float* bias = nullptr;
  napi_valuetype bt;
  napi_typeof(A.env, A.argv[5], &bt);
  if (bt != napi_null && bt != napi_undefined) {
    const View bv = get_array(A, 5, "bias");
    check_view(A, bv, out, "bias", "out", n);
    bias = bv.as<const float>();
  }
  with_context(A, [&](Context& ctx) {
    dense_forward(ctx, m, n, k, x.as<const float>(), w.as<const float>(), bias, static_cast<int>(actv),
                  out.as<float>());
  });
}

template <int Op>
void ActivationBackwardBody(Args& A) {
  const size_t len = get_size(A, 0, "len");
  get_f32(A, 3, "out");
  const auto [dy, y, out] = get_vectors(A, 1, {"dy", "y", "out"}, 2, len);
  with_context(A, [&, dy = dy, y = y, out = out](Context& ctx) {
    activation_backward(ctx, Op, len, dy.as<const float>(), y.as<const float>(), out.as<float>());
  });
}

void ColumnSumsBody(Args& A) {
  const size_t m = get_size(A, 0, "m");
  const size_t n = get_size(A, 1, "n");
  const View out = get_f32(A, 3, "out");
  const View x = get_array(A, 2, "x");
  check_view(A, out, out, "out", "out", n);
  check_matrix(A, x, out, "x", "out", m, n, false, "m*n");
  with_context(A, [&](Context& ctx) { column_sums(ctx, m, n, x.as<const float>(), out.as<float>()); });
}

void AdamUpdateBody(Args& A) {
  const size_t len = get_size(A, 0, "len");
  get_f32(A, 1, "param");
  const std::array<View, 4> arrays = get_vectors(A, 1, {"param", "grad", "m", "v"}, 0, len);
  const double step_size = get_number(A, 5, "stepSize");
  const double beta1 = get_number(A, 6, "beta1");
  const double beta2 = get_number(A, 7, "beta2");
  const double epsilon = get_number(A, 8, "epsilon");
  with_context(A, [&](Context& ctx) {
    adam_update(ctx, len, arrays[0].as<float>(), arrays[1].as<const float>(), arrays[2].as<float>(),
                arrays[3].as<float>(), step_size, beta1, beta2, epsilon);
  });
}

napi_value VkGemm(napi_env env, napi_callback_info info) {
  return checked_entry<GemmBody, 10>(env, info, "vulkan gemm");
}
napi_value VkDenseForward(napi_env env, napi_callback_info info) {
  return checked_entry<DenseBody, 8>(env, info, "vulkan denseForward");
}
napi_value VkReluBackward(napi_env env, napi_callback_info info) {
  return checked_entry<ActivationBackwardBody<0>, 4>(env, info, "vulkan reluBackward");
}
napi_value VkSigmoidBackward(napi_env env, napi_callback_info info) {
  return checked_entry<ActivationBackwardBody<1>, 4>(env, info, "vulkan sigmoidBackward");
}
napi_value VkColumnSums(napi_env env, napi_callback_info info) {
  return checked_entry<ColumnSumsBody, 4>(env, info, "vulkan columnSums");
}
napi_value VkAdamUpdate(napi_env env, napi_callback_info info) {
  return checked_entry<AdamUpdateBody, 9>(env, info, "vulkan adamUpdate");
}

}  // namespace

void register_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("vulkanBuilt", Napi::Boolean::New(env, true));
  exports.Set("vulkanOpen", Napi::Function::New(env, Open, "vulkanOpen"));
  exports.Set("vulkanInfo", Napi::Function::New(env, Info, "vulkanInfo"));
  exports.Set("vulkanSetStaging", Napi::Function::New(env, SetStaging, "vulkanSetStaging"));
  exports.Set("vulkanStats", Napi::Function::New(env, GetStats, "vulkanStats"));
  exports.Set("vulkanClose", Napi::Function::New(env, Close, "vulkanClose"));
  const struct {
    const char* name;
    napi_callback cb;
  } raw[] = {
      {"vulkanGemm", VkGemm},
      {"vulkanDenseForward", VkDenseForward},
      {"vulkanReluBackward", VkReluBackward},
      {"vulkanSigmoidBackward", VkSigmoidBackward},
      {"vulkanColumnSums", VkColumnSums},
      {"vulkanAdamUpdate", VkAdamUpdate},
  };
  for (const auto& e : raw) {
    napi_value f;
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &f));
    exports.Set(e.name, f);
  }
}

#else

void register_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("vulkanBuilt", Napi::Boolean::New(env, false));
}

#endif

}  // namespace tg::vk
