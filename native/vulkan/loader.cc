// Run-time loading of the Vulkan loader library and of every entry point the provider calls.
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "api.h"

namespace tg::vk {

const char* result_name(VkResult r) {
  switch (r) {
#define TG_VK_RESULT(name) \
  case name:               \
    return #name;
    TG_VK_RESULT(VK_SUCCESS)
    TG_VK_RESULT(VK_NOT_READY)
    TG_VK_RESULT(VK_TIMEOUT)
    TG_VK_RESULT(VK_INCOMPLETE)
    TG_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    TG_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    TG_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    TG_VK_RESULT(VK_ERROR_DEVICE_LOST)
    TG_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    TG_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    TG_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    TG_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    TG_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    TG_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    TG_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    TG_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    TG_VK_RESULT(VK_ERROR_UNKNOWN)
    TG_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
#undef TG_VK_RESULT
    default:
      return "an unknown VkResult";
  }
}

void check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) throw Error(std::string(what) + " failed: " + result_name(r) + " (" + std::to_string(r) + ")");
}

namespace {

template <class F>
void resolve(F& slot, PFN_vkVoidFunction f) {
  slot = reinterpret_cast<F>(f);
}

// dlopen and dlerror are not thread-safe together: one opener at a time.
std::mutex open_mutex;

}  // namespace

void load_loader(Api& api, std::string* loaded_from) {
  const char* env = std::getenv("TENSORGRAD_VULKAN_LOADER");
  const std::string name = env && *env ? env : "libvulkan.so.1";
  std::lock_guard<std::mutex> lock(open_mutex);
  void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    throw Error("the Vulkan loader did not load (" + std::string(why ? why : name) +
                "); install libvulkan1 and a Vulkan driver (mesa-vulkan-drivers gives lavapipe, a CPU device)");
  }
  *loaded_from = name;
  api.vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
  if (api.vkGetInstanceProcAddr == nullptr)
    throw Error(name + " has no vkGetInstanceProcAddr: it is not a Vulkan loader");
#define TG_VK_RESOLVE(fn) resolve(api.fn, api.vkGetInstanceProcAddr(VK_NULL_HANDLE, #fn));
  TG_VK_GLOBAL_FUNCTIONS(TG_VK_RESOLVE)
#undef TG_VK_RESOLVE
  if (api.vkCreateInstance == nullptr) throw Error(name + " does not provide vkCreateInstance");
}

void load_instance_functions(Api& api, VkInstance instance) {
#define TG_VK_RESOLVE(fn) resolve(api.fn, api.vkGetInstanceProcAddr(instance, #fn));
  TG_VK_INSTANCE_FUNCTIONS(TG_VK_RESOLVE)
#undef TG_VK_RESOLVE
  // vkGetPhysicalDeviceProperties2 is Vulkan 1.1: optional (it only adds the driver's name).
#define TG_VK_REQUIRE(fn) \
  if (api.fn == nullptr) throw Error("the Vulkan instance has no " #fn);
  TG_VK_REQUIRE(vkDestroyInstance)
  TG_VK_REQUIRE(vkEnumeratePhysicalDevices)
  TG_VK_REQUIRE(vkGetPhysicalDeviceProperties)
  TG_VK_REQUIRE(vkGetPhysicalDeviceQueueFamilyProperties)
  TG_VK_REQUIRE(vkGetPhysicalDeviceMemoryProperties)
  TG_VK_REQUIRE(vkCreateDevice)
  TG_VK_REQUIRE(vkGetDeviceProcAddr)
#undef TG_VK_REQUIRE
}

void load_device_functions(Api& api, VkDevice device) {
#define TG_VK_RESOLVE(fn)                                                 \
  resolve(api.fn, api.vkGetDeviceProcAddr(device, #fn));                  \
  if (api.fn == nullptr) throw Error("the Vulkan device has no " #fn);
  TG_VK_DEVICE_FUNCTIONS(TG_VK_RESOLVE)
#undef TG_VK_RESOLVE
}

}  // namespace tg::vk
