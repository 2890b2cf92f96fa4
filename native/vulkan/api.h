// The Vulkan entry points the provider uses, resolved at run time from the loader (libvulkan.so.1,
// opened with dlopen): the addon never links against Vulkan, so it builds, loads and runs its CPU
// kernels where no Vulkan is installed, and says why the Vulkan provider is unavailable.
#pragma once
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace tg::vk {

// Resolved through vkGetInstanceProcAddr(nullptr, ...).
#define TG_VK_GLOBAL_FUNCTIONS(X) \
  X(vkCreateInstance)             \
  X(vkEnumerateInstanceVersion)

// Resolved through vkGetInstanceProcAddr(instance, ...).
#define TG_VK_INSTANCE_FUNCTIONS(X)           \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkCreateDevice)                           \
  X(vkGetDeviceProcAddr)

// Resolved through vkGetDeviceProcAddr(device, ...).
#define TG_VK_DEVICE_FUNCTIONS(X)   \
  X(vkDestroyDevice)                \
  X(vkGetDeviceQueue)               \
  X(vkCreateBuffer)                 \
  X(vkDestroyBuffer)                \
  X(vkGetBufferMemoryRequirements)  \
  X(vkAllocateMemory)               \
  X(vkFreeMemory)                   \
  X(vkBindBufferMemory)             \
  X(vkMapMemory)                    \
  X(vkUnmapMemory)                  \
  X(vkCreateBufferView)             \
  X(vkDestroyBufferView)            \
  X(vkCreateShaderModule)           \
  X(vkDestroyShaderModule)          \
  X(vkCreateDescriptorSetLayout)    \
  X(vkDestroyDescriptorSetLayout)   \
  X(vkCreatePipelineLayout)         \
  X(vkDestroyPipelineLayout)        \
  X(vkCreateComputePipelines)       \
  X(vkDestroyPipeline)              \
  X(vkCreateDescriptorPool)         \
  X(vkDestroyDescriptorPool)        \
  X(vkResetDescriptorPool)          \
  X(vkAllocateDescriptorSets)       \
  X(vkUpdateDescriptorSets)         \
  X(vkCreateCommandPool)            \
  X(vkDestroyCommandPool)           \
  X(vkAllocateCommandBuffers)       \
  X(vkResetCommandBuffer)           \
  X(vkBeginCommandBuffer)           \
  X(vkEndCommandBuffer)             \
  X(vkCmdBindPipeline)              \
  X(vkCmdBindDescriptorSets)        \
  X(vkCmdPushConstants)             \
  X(vkCmdDispatch)                  \
  X(vkCmdCopyBuffer)                \
  X(vkCmdPipelineBarrier)           \
  X(vkCreateFence)                  \
  X(vkDestroyFence)                 \
  X(vkResetFences)                  \
  X(vkWaitForFences)                \
  X(vkQueueSubmit)                  \
  X(vkDeviceWaitIdle)

struct Api {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define TG_VK_DECLARE(name) PFN_##name name = nullptr;
  TG_VK_GLOBAL_FUNCTIONS(TG_VK_DECLARE)
  TG_VK_INSTANCE_FUNCTIONS(TG_VK_DECLARE)
  TG_VK_DEVICE_FUNCTIONS(TG_VK_DECLARE)
#undef TG_VK_DECLARE
};

// A Vulkan failure, its message naming the call and the VkResult.
struct Error : std::runtime_error {
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

const char* result_name(VkResult r);

// Throws Error("<what> failed: VK_ERROR_...") unless r is VK_SUCCESS.
void check(VkResult r, const char* what);

// Opens the loader (the TENSORGRAD_VULKAN_LOADER environment variable names another file, or a
// missing one to hide Vulkan) and resolves the global functions; throws Error saying why not.
// The library stays loaded for the life of the process.
void load_loader(Api& api, std::string* loaded_from);
void load_instance_functions(Api& api, VkInstance instance);
void load_device_functions(Api& api, VkDevice device);

}  // namespace tg::vk
