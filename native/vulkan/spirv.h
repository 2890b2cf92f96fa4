// The compute shaders as SPIR-V words, compiled from native/vulkan/shaders/*.comp at build time
// (scripts/compile-shaders.mjs, run by binding.gyp) and embedded in the addon.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tg::vk {

struct Spirv {
  const char* name;  // the shader's file name without .comp
  const uint32_t* words;
  size_t count;
};

extern const Spirv kShaders[];
extern const size_t kShaderCount;

}  // namespace tg::vk
