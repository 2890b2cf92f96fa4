// The Vulkan provider's entries on the addon's exports (see binding.cc); without Vulkan compiled
// in, only vulkanBuilt = false.
#pragma once
#include <napi.h>

namespace tg::vk {

void register_exports(Napi::Env env, Napi::Object exports);

}  // namespace tg::vk
