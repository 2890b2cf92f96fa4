#include "context.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "spirv.h"

namespace tg::vk {

namespace {

// Free pooled buffers kept per pool, and device copies kept on the staging path, at most; counts
// are capped too, since drivers may limit allocations to 4096 (maxMemoryAllocationCount).
constexpr size_t kPoolBudget = size_t(256) << 20;
constexpr size_t kPoolMaxBuffers = 256;
constexpr size_t kResidentBudget = size_t(512) << 20;
constexpr size_t kResidentMaxEntries = 1024;
constexpr VkDeviceSize kMinBufferBytes = 256;

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

// Preference when no device is named: a real GPU first, the CPU implementation last.
int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 3;
    default:
      return 4;
  }
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

VkDeviceSize size_class(size_t bytes) {
  VkDeviceSize c = kMinBufferBytes;
  while (c < bytes) c <<= 1;
  return c;
}

constexpr VkDescriptorType kStorage = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
constexpr VkDescriptorType kTexel = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;

struct Shape {
  Shader shader;
  const char* name;  // the SPIR-V module (scripts/compile-shaders.mjs)
  std::vector<VkDescriptorType> types;
  uint32_t push_bytes;
};
// The bindings and push-constant blocks of the shaders (native/vulkan/shaders/*.comp).
const Shape kShapes[] = {
    {Shader::Pack, "pack", {kTexel, kStorage}, 24},
    {Shader::GemmShared, "gemm_shared", {kTexel, kTexel, kStorage, kStorage}, 48},
    {Shader::GemmDirect, "gemm_direct", {kTexel, kTexel, kStorage, kStorage}, 48},
    {Shader::Elementwise, "elementwise", {kStorage, kStorage, kStorage}, 4},
    {Shader::ColumnSums, "column_sums", {kStorage, kStorage}, 12},
    {Shader::Adam, "adam", {kStorage, kStorage, kStorage, kStorage}, 28},
};

constexpr const char* kNoDriver =
    "the Vulkan loader found no device (no driver installed: mesa-vulkan-drivers gives lavapipe, a CPU device; "
    "a GPU needs its vendor's Vulkan driver)";

size_t texel_bytes(VkFormat f) { return f == VK_FORMAT_R32G32B32A32_SFLOAT ? 16 : 4; }

}  // namespace

Context::Context(const Options& options) {
  load_loader(api_, &loader_);
  try {
    create_instance();
    pick_device(options);
    create_device();
    choose_memory();
    set_gemm_variant(options.gemm_shared);
    create_shaders();
    staging_ = options.force_staging || direct_type_ < 0;
    kernel_pool_.mapped = !staging_;
  } catch (...) {
    teardown();
    throw;
  }
}

void Context::create_instance() {
  if (api_.vkEnumerateInstanceVersion) api_.vkEnumerateInstanceVersion(&instance_version_);
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "tensorgrad";
  app.pEngineName = "tensorgrad";
  // 1.1 where the loader has it (vkGetPhysicalDeviceProperties2 for the driver's name); the
  // shaders themselves need only 1.0.
  app.apiVersion = instance_version_ >= VK_API_VERSION_1_1 ? VK_API_VERSION_1_2 : VK_API_VERSION_1_0;
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  const VkResult created = api_.vkCreateInstance(&info, nullptr, &instance_);
  // The loader's answer when it finds no driver (ICD) at all.
  if (created == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw Error(std::string(kNoDriver) + " (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER)");
  check(created, "vkCreateInstance");
  load_instance_functions(api_, instance_);
}

void Context::pick_device(const Options& options) {
  uint32_t count = 0;
  check(api_.vkEnumeratePhysicalDevices(instance_, &count, nullptr), "vkEnumeratePhysicalDevices");
  if (count == 0) throw Error(kNoDriver);
  physical_.resize(count);
  check(api_.vkEnumeratePhysicalDevices(instance_, &count, physical_.data()), "vkEnumeratePhysicalDevices");
  physical_.resize(count);

  int best = -1;
  std::vector<VkPhysicalDeviceType> types;
  std::vector<int> compute_family;
  for (uint32_t i = 0; i < count; ++i) {
    VkPhysicalDeviceProperties p{};
    api_.vkGetPhysicalDeviceProperties(physical_[i], &p);
    DeviceInfo d;
    d.name = p.deviceName;
    d.type = type_name(p.deviceType);
    d.api_version = version_string(p.apiVersion);
    d.driver_version = std::to_string(p.driverVersion);
    d.vendor_id = p.vendorID;
    d.device_id = p.deviceID;
    const VkPhysicalDeviceLimits& l = p.limits;
    d.limits.max_invocations = l.maxComputeWorkGroupInvocations;
    d.limits.max_texel_elements = l.maxTexelBufferElements;
    for (int j = 0; j < 3; ++j) {
      d.limits.max_size[j] = l.maxComputeWorkGroupSize[j];
      d.limits.max_count[j] = l.maxComputeWorkGroupCount[j];
    }
    d.limits.max_shared = l.maxComputeSharedMemorySize;
    d.limits.max_storage_range = l.maxStorageBufferRange;
    d.limits.max_push = l.maxPushConstantsSize;
    if (api_.vkGetPhysicalDeviceProperties2 && p.apiVersion >= VK_API_VERSION_1_2 &&
        instance_version_ >= VK_API_VERSION_1_1) {
      VkPhysicalDeviceDriverProperties driver{};
      driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
      VkPhysicalDeviceProperties2 p2{};
      p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
      p2.pNext = &driver;
      api_.vkGetPhysicalDeviceProperties2(physical_[i], &p2);
      d.driver = std::string(driver.driverName);
      if (driver.driverInfo[0] != '\0') d.driver += std::string(" ") + driver.driverInfo;
    }
    if (d.driver.empty()) d.driver = "driver version " + d.driver_version;

    uint32_t families = 0;
    api_.vkGetPhysicalDeviceQueueFamilyProperties(physical_[i], &families, nullptr);
    std::vector<VkQueueFamilyProperties> props(families);
    api_.vkGetPhysicalDeviceQueueFamilyProperties(physical_[i], &families, props.data());
    int family = -1;
    for (uint32_t f = 0; f < families && family < 0; ++f)
      if ((props[f].queueFlags & VK_QUEUE_COMPUTE_BIT) && props[f].queueCount > 0) family = static_cast<int>(f);
    compute_family.push_back(family);
    types.push_back(p.deviceType);
    all_devices_.push_back(d);
    if (family >= 0 && (best < 0 || type_rank(p.deviceType) < type_rank(types[best]))) best = static_cast<int>(i);
  }

  int chosen = best;
  if (options.device_index >= 0) {
    if (static_cast<uint32_t>(options.device_index) >= count)
      throw Error("Vulkan device " + std::to_string(options.device_index) +
                  " was asked for (setVulkanOptions device, or TENSORGRAD_VULKAN_DEVICE) but there " +
                  (count == 1 ? "is 1 Vulkan device (0)"
                              : "are " + std::to_string(count) + " Vulkan devices (0 to " +
                                    std::to_string(count - 1) + ")"));
    chosen = options.device_index;
    if (compute_family[chosen] < 0)
      throw Error("Vulkan device " + std::to_string(chosen) + " (" + all_devices_[chosen].name +
                  ") has no compute queue");
  }
  if (chosen < 0) throw Error("no Vulkan device has a compute queue");
  device_index_ = static_cast<size_t>(chosen);
  device_ = all_devices_[device_index_];
  gpu_ = physical_[device_index_];
  queue_family_ = static_cast<uint32_t>(compute_family[device_index_]);
  api_.vkGetPhysicalDeviceMemoryProperties(gpu_, &memory_);
}

void Context::create_device() {
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue{};
  queue.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue.queueFamilyIndex = queue_family_;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;
  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  check(api_.vkCreateDevice(gpu_, &info, nullptr, &dev_), "vkCreateDevice");
  load_device_functions(api_, dev_);
  api_.vkGetDeviceQueue(dev_, queue_family_, 0, &queue_);

  VkCommandPoolCreateInfo pool{};
  pool.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = queue_family_;
  check(api_.vkCreateCommandPool(dev_, &pool, nullptr, &command_pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  alloc.commandPool = command_pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  check(api_.vkAllocateCommandBuffers(dev_, &alloc, &cmd_), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fence{};
  fence.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  check(api_.vkCreateFence(dev_, &fence, nullptr, &fence_), "vkCreateFence");

  // A call binds one descriptor set per step (at most 3: two packs and a GEMM); the pool is
  // reset after each call's fence.
  const VkDescriptorPoolSize sizes[2] = {{kStorage, 32}, {kTexel, 32}};
  VkDescriptorPoolCreateInfo dp{};
  dp.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  dp.maxSets = 8;
  dp.poolSizeCount = 2;
  dp.pPoolSizes = sizes;
  check(api_.vkCreateDescriptorPool(dev_, &dp, nullptr, &descriptor_pool_), "vkCreateDescriptorPool");
}

int Context::pick_memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred,
                              VkMemoryPropertyFlags avoided) const {
  int best = -1;
  int best_score = -1;
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    const VkMemoryPropertyFlags f = memory_.memoryTypes[i].propertyFlags;
    if ((f & required) != required) continue;
    const int score = ((f & preferred) == preferred ? 2 : 0) + ((f & avoided) ? 0 : 1);
    if (score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  return best;
}

void Context::choose_memory() {
  const VkMemoryPropertyFlags direct = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  direct_type_ = pick_memory_type(~0u, direct, 0, 0);
  if (pick_memory_type(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0, 0) < 0)
    throw Error("Vulkan device '" + device_.name + "' has no host-visible coherent memory to exchange data through");
  const VkBufferUsageFlags usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                   VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  kernel_pool_.usage = usage;
  staging_pool_.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  staging_pool_.mapped = true;
  // The buffer bound for empty arrays and absent biases; never read by the shaders.
  Pool dummy_pool;
  dummy_pool.usage = usage;
  dummy_ = acquire(dummy_pool, 16);
}

void Context::choose_tile() {
  const Limits& l = device_.limits;
  tile_.bk = 16;
  if (!gemm_shared_) {
    // Direct texel reads (CPU devices): 8 x 8 threads, 16 x 8 of C each (measured best on
    // lavapipe; every device runs 64 invocations).
    tile_.tx = 8;
    tile_.ty = 8;
    tile_.tm = 16;
    tile_.tn = 8;
  } else {
    // Shared-memory tiles: 16 x 16 threads with 8 x 8 of C each (128 x 128 tiles, 16 KB of shared
    // memory) where the device allows, else 16 x 8 threads (128 invocations and 16 KB of shared
    // memory are what every Vulkan device has).
    tile_.tm = 8;
    tile_.tn = 8;
    const auto fits = [&](uint32_t tx, uint32_t ty) {
      const uint32_t shared = tile_.bk * (ty * tile_.tm + tx * tile_.tn) * sizeof(float);
      return tx * ty <= l.max_invocations && tx <= l.max_size[0] && ty <= l.max_size[1] && shared <= l.max_shared;
    };
    tile_.tx = 16;
    tile_.ty = fits(16, 16) ? 16 : 8;
  }
  tile_.bm = tile_.ty * tile_.tm;
  tile_.bn = tile_.tx * tile_.tn;
}

void Context::set_gemm_variant(int shared) {
  // Auto: shared-memory tiles on GPUs; on CPU devices shared memory is slow (see gemm.comp).
  gemm_shared_ = shared >= 0 ? shared == 1 : device_.type != "cpu";
  choose_tile();
}

void Context::create_shaders() {
  for (const Shape& s : kShapes) {
    const Spirv* code = nullptr;
    for (size_t i = 0; i < kShaderCount; ++i)
      if (std::strcmp(kShaders[i].name, s.name) == 0) code = &kShaders[i];
    if (code == nullptr) throw Error(std::string("the addon was built without the ") + s.name + " shader");
    ShaderState& st = shaders_[static_cast<size_t>(s.shader)];
    st.types = s.types;
    st.push_bytes = s.push_bytes;
    st.name = s.name;
    if (s.push_bytes > device_.limits.max_push)
      throw Error("Vulkan device '" + device_.name + "' takes " + std::to_string(device_.limits.max_push) +
                  " bytes of push constants; the " + s.name + " shader needs " + std::to_string(s.push_bytes));
    VkShaderModuleCreateInfo mi{};
    mi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    mi.codeSize = code->count * sizeof(uint32_t);
    mi.pCode = code->words;
    check(api_.vkCreateShaderModule(dev_, &mi, nullptr, &st.module), "vkCreateShaderModule");

    const uint32_t count = static_cast<uint32_t>(s.types.size());
    std::vector<VkDescriptorSetLayoutBinding> b(count);
    for (uint32_t i = 0; i < count; ++i) {
      b[i] = {};
      b[i].binding = i;
      b[i].descriptorType = s.types[i];
      b[i].descriptorCount = 1;
      b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo li{};
    li.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    li.bindingCount = count;
    li.pBindings = b.data();
    check(api_.vkCreateDescriptorSetLayout(dev_, &li, nullptr, &st.set_layout), "vkCreateDescriptorSetLayout");
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, s.push_bytes};
    VkPipelineLayoutCreateInfo pl{};
    pl.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &st.set_layout;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &range;
    check(api_.vkCreatePipelineLayout(dev_, &pl, nullptr, &st.layout), "vkCreatePipelineLayout");
  }
}

VkPipeline Context::pipeline(Shader shader, const std::vector<uint32_t>& spec) {
  std::vector<uint32_t> key;
  key.reserve(spec.size() + 1);
  key.push_back(static_cast<uint32_t>(shader));
  key.insert(key.end(), spec.begin(), spec.end());
  const auto found = pipelines_.find(key);
  if (found != pipelines_.end()) return found->second;

  const ShaderState& st = shaders_[static_cast<size_t>(shader)];
  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (uint32_t i = 0; i < spec.size(); ++i) entries[i] = {i, i * 4u, 4u};
  VkSpecializationInfo si{};
  si.mapEntryCount = static_cast<uint32_t>(entries.size());
  si.pMapEntries = entries.data();
  si.dataSize = spec.size() * sizeof(uint32_t);
  si.pData = spec.data();
  VkComputePipelineCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = st.module;
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  ci.layout = st.layout;
  VkPipeline p = VK_NULL_HANDLE;
  check(api_.vkCreateComputePipelines(dev_, VK_NULL_HANDLE, 1, &ci, nullptr, &p), "vkCreateComputePipelines");
  pipelines_.emplace(std::move(key), p);
  ++stats_.pipelines_created;
  return p;
}

Buffer Context::acquire(Pool& pool, size_t bytes) {
  const VkDeviceSize size = size_class(bytes);
  auto it = pool.free.find(size);
  if (it != pool.free.end() && !it->second.empty()) {
    Buffer b = it->second.back();
    it->second.pop_back();
    pool.free_bytes -= size;
    --pool.free_count;
    return b;
  }
  Buffer b;
  b.size = size;
  VkBufferCreateInfo bi{};
  bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bi.size = size;
  bi.usage = pool.usage;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(api_.vkCreateBuffer(dev_, &bi, nullptr, &b.buffer), "vkCreateBuffer");
  VkMemoryRequirements req{};
  api_.vkGetBufferMemoryRequirements(dev_, b.buffer, &req);
  int type;
  if (pool.mapped) {
    // Staging (and direct-path kernel buffers): host-visible and coherent; cached reads back fast.
    const VkMemoryPropertyFlags need = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    type = &pool == &kernel_pool_ ? pick_memory_type(req.memoryTypeBits, need | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                                                               VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                                                     0, 0)
                                  : pick_memory_type(req.memoryTypeBits, need, VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                                                     VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  } else {
    // Device-local, preferably memory the host cannot see (a discrete GPU's VRAM proper, not its
    // small host-visible window).
    type = pick_memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0,
                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
    if (type < 0) type = pick_memory_type(req.memoryTypeBits, 0, 0, 0);
  }
  if (type < 0) {
    api_.vkDestroyBuffer(dev_, b.buffer, nullptr);
    throw Error("no Vulkan memory type fits a " + std::to_string(size) + "-byte buffer");
  }
  VkMemoryAllocateInfo ai{};
  ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = static_cast<uint32_t>(type);
  VkResult r = api_.vkAllocateMemory(dev_, &ai, nullptr, &b.memory);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
    // Give back what the pools and the device copies of other calls hold, and try once more.
    evict_residents(tick_, 0, 0);
    drain(kernel_pool_);
    drain(staging_pool_);
    r = api_.vkAllocateMemory(dev_, &ai, nullptr, &b.memory);
  }
  if (r != VK_SUCCESS) {
    api_.vkDestroyBuffer(dev_, b.buffer, nullptr);
    check(r, ("vkAllocateMemory of " + std::to_string(req.size) + " bytes").c_str());
  }
  r = api_.vkBindBufferMemory(dev_, b.buffer, b.memory, 0);
  if (r == VK_SUCCESS && pool.mapped) r = api_.vkMapMemory(dev_, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped);
  if (r != VK_SUCCESS) {
    destroy(b);
    check(r, "vkBindBufferMemory / vkMapMemory");
  }
  ++stats_.buffers_created;
  return b;
}

void Context::release(Pool& pool, Buffer& b) {
  if (b.buffer == VK_NULL_HANDLE) return;
  if (pool.free_bytes + b.size > kPoolBudget || pool.free_count >= kPoolMaxBuffers) {
    destroy(b);
  } else {
    pool.free[b.size].push_back(b);
    pool.free_bytes += b.size;
    ++pool.free_count;
  }
  b = Buffer{};
}

void Context::destroy(Buffer& b) {
  if (b.mapped) api_.vkUnmapMemory(dev_, b.memory);
  if (b.buffer != VK_NULL_HANDLE) api_.vkDestroyBuffer(dev_, b.buffer, nullptr);
  if (b.memory != VK_NULL_HANDLE) api_.vkFreeMemory(dev_, b.memory, nullptr);
  b = Buffer{};
}

void Context::drain(Pool& pool) {
  for (auto& [size, list] : pool.free)
    for (Buffer& b : list) destroy(b);
  pool.free.clear();
  pool.free_bytes = 0;
  pool.free_count = 0;
}

void Context::drop_residents() {
  for (auto& [key, r] : residents_) {
    destroy(r->device);
    destroy(r->staging);
  }
  residents_.clear();
  lru_.clear();
  resident_bytes_ = 0;
}

void Context::evict_residents(uint64_t keep_tick, size_t bytes, size_t count) {
  while ((resident_bytes_ > bytes || residents_.size() > count) && !lru_.empty()) {
    auto it = residents_.find(lru_.front());
    Resident& r = *it->second;
    // The least recently used is in use by this call: so is everything after it.
    if (r.last_use == keep_tick) return;
    resident_bytes_ -= r.device.size + r.staging.size;
    release(kernel_pool_, r.device);
    release(staging_pool_, r.staging);
    lru_.pop_front();
    residents_.erase(it);
  }
}

void Context::set_staging(bool force) {
  const bool want = force || direct_type_ < 0;
  if (want == staging_) return;
  drop_residents();
  drain(kernel_pool_);
  drain(staging_pool_);
  staging_ = want;
  kernel_pool_.mapped = !staging_;
}

Stats Context::stats() const {
  Stats s = stats_;
  s.resident_bytes = resident_bytes_;
  s.pooled_bytes = kernel_pool_.free_bytes + staging_pool_.free_bytes;
  return s;
}

namespace {

class CommandRecorder : public Recorder {
 public:
  CommandRecorder(const Api& api, VkCommandBuffer cmd, VkPipelineLayout layout, uint32_t push_bytes)
      : api_(api), cmd_(cmd), layout_(layout), push_bytes_(push_bytes) {}
  void dispatch(const void* push, uint32_t bytes, uint32_t x, uint32_t y) override {
    if (bytes != push_bytes_) throw Error("internal: push constant block of the wrong size");
    if (x == 0 || y == 0) return;
    api_.vkCmdPushConstants(cmd_, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, bytes, push);
    api_.vkCmdDispatch(cmd_, x, y, 1);
    ++count;
  }
  uint64_t count = 0;

 private:
  const Api& api_;
  VkCommandBuffer cmd_;
  VkPipelineLayout layout_;
  uint32_t push_bytes_;
};

void barrier(const Api& api, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
             VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
  VkMemoryBarrier mb{};
  mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  mb.srcAccessMask = src;
  mb.dstAccessMask = dst;
  api.vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

}  // namespace

void Context::check_fits(const char* kernel, const char* what, size_t bytes, VkDescriptorType type,
                         VkFormat format) const {
  const Limits& l = device_.limits;
  if (type == kStorage && bytes > l.max_storage_range)
    throw Error(std::string("vulkan ") + kernel + ": " + what + " needs " + std::to_string(bytes) +
                " bytes, more than the device binds at once (maxStorageBufferRange " +
                std::to_string(l.max_storage_range) + " bytes on " + device_.name + ")");
  if (type == kTexel && bytes / texel_bytes(format) > l.max_texel_elements)
    throw Error(std::string("vulkan ") + kernel + ": " + what + " needs " + std::to_string(bytes / texel_bytes(format)) +
                " texels, more than the device reads through one view (maxTexelBufferElements " +
                std::to_string(l.max_texel_elements) + " on " + device_.name + ")");
}

VkBufferView Context::view(const Buffer& b, VkFormat format, size_t bytes) {
  VkBufferViewCreateInfo vi{};
  vi.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
  vi.buffer = b.buffer;
  vi.format = format;
  vi.offset = 0;
  vi.range = bytes / texel_bytes(format) * texel_bytes(format);
  VkBufferView v = VK_NULL_HANDLE;
  check(api_.vkCreateBufferView(dev_, &vi, nullptr, &v), "vkCreateBufferView");
  views_.push_back(v);
  return v;
}

void Context::run(const char* kernel, HostSpan* spans, size_t count, const std::vector<size_t>& scratch,
                  const std::vector<Step>& steps) {
  if (!broken_.empty()) throw Error(std::string("vulkan ") + kernel + ": " + broken_);
  // Every binding must fit the device's limits for its kind (storage range, texel count).
  for (const Step& step : steps) {
    const ShaderState& st = shaders_[static_cast<size_t>(step.shader)];
    if (step.bindings.size() != st.types.size()) throw Error("internal: wrong number of bindings");
    for (size_t i = 0; i < step.bindings.size(); ++i) {
      const Ref& r = step.bindings[i];
      if (r.kind == Ref::kSpan) check_fits(kernel, spans[r.index].name, spans[r.index].bytes, st.types[i], r.texel_format);
      if (r.kind == Ref::kScratch) check_fits(kernel, "a packed panel", scratch[r.index], st.types[i], r.texel_format);
    }
  }
  std::vector<VkPipeline> pipes;
  for (const Step& step : steps) pipes.push_back(pipeline(step.shader, step.spec));

  // Distinct host ranges: a span equal to an earlier one shares its buffer, access merged.
  struct Slot {
    HostSpan span;
    Buffer device;       // bound to the shaders
    Buffer* staging;     // staging path: the resident's twin
    Resident* resident;  // staging path
    bool upload = false;
  };
  std::vector<Slot> slots;
  std::vector<int> slot_of(count, -1);
  for (size_t i = 0; i < count; ++i) {
    if (spans[i].bytes == 0) continue;
    for (size_t s = 0; s < slots.size() && slot_of[i] < 0; ++s)
      if (slots[s].span.data == spans[i].data && slots[s].span.bytes == spans[i].bytes) {
        slot_of[i] = static_cast<int>(s);
        slots[s].span.access |= spans[i].access;
      }
    if (slot_of[i] < 0) {
      slot_of[i] = static_cast<int>(slots.size());
      slots.push_back(Slot{spans[i], Buffer{}, nullptr, nullptr});
    }
  }
  std::vector<Buffer> scratch_buffers(scratch.size());

  const uint64_t tick = ++tick_;
  bool recording = false;
  try {
    for (Slot& s : slots) {
      if (staging_) {
        const Key key{reinterpret_cast<uintptr_t>(s.span.data), s.span.bytes};
        auto it = residents_.find(key);
        if (it == residents_.end()) {
          auto r = std::make_unique<Resident>();
          r->device = acquire(kernel_pool_, s.span.bytes);
          try {
            r->staging = acquire(staging_pool_, s.span.bytes);
          } catch (...) {
            release(kernel_pool_, r->device);
            throw;
          }
          resident_bytes_ += r->device.size + r->staging.size;
          r->lru = lru_.insert(lru_.end(), key);
          it = residents_.emplace(key, std::move(r)).first;
        }
        Resident& r = *it->second;
        r.last_use = tick;
        lru_.splice(lru_.end(), lru_, r.lru);
        s.resident = &r;
        s.device = r.device;
        s.staging = &r.staging;
        if (s.span.access & kRead) {
          if (r.valid && std::memcmp(r.staging.mapped, s.span.data, s.span.bytes) == 0) {
            ++stats_.uploads_skipped;
            stats_.bytes_skipped += s.span.bytes;
          } else {
            r.valid = false;
            std::memcpy(r.staging.mapped, s.span.data, s.span.bytes);
            s.upload = true;
            stats_.bytes_uploaded += s.span.bytes;
          }
        }
      } else {
        s.device = acquire(kernel_pool_, s.span.bytes);
        if (s.span.access & kRead) {
          std::memcpy(s.device.mapped, s.span.data, s.span.bytes);
          stats_.bytes_uploaded += s.span.bytes;
        }
      }
    }
    for (size_t i = 0; i < scratch.size(); ++i)
      if (scratch[i] > 0) scratch_buffers[i] = acquire(kernel_pool_, scratch[i]);

    // One descriptor set per step.
    std::vector<VkDescriptorSet> sets(steps.size());
    for (size_t si = 0; si < steps.size(); ++si) {
      const Step& step = steps[si];
      const ShaderState& st = shaders_[static_cast<size_t>(step.shader)];
      VkDescriptorSetAllocateInfo ai{};
      ai.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
      ai.descriptorPool = descriptor_pool_;
      ai.descriptorSetCount = 1;
      ai.pSetLayouts = &st.set_layout;
      check(api_.vkAllocateDescriptorSets(dev_, &ai, &sets[si]), "vkAllocateDescriptorSets");
      const size_t n = step.bindings.size();
      std::vector<VkDescriptorBufferInfo> infos(n);
      std::vector<VkBufferView> views(n, VK_NULL_HANDLE);
      std::vector<VkWriteDescriptorSet> writes(n);
      for (size_t i = 0; i < n; ++i) {
        const Ref& r = step.bindings[i];
        const Buffer* b = &dummy_;
        size_t bytes = 0;
        if (r.kind == Ref::kSpan && slot_of[r.index] >= 0) {
          b = &slots[slot_of[r.index]].device;
          bytes = spans[r.index].bytes;
        } else if (r.kind == Ref::kScratch && scratch[r.index] > 0) {
          b = &scratch_buffers[r.index];
          bytes = scratch[r.index];
        }
        if (bytes == 0) bytes = static_cast<size_t>(dummy_.size);
        writes[i] = {};
        writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        writes[i].dstSet = sets[si];
        writes[i].dstBinding = static_cast<uint32_t>(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = st.types[i];
        if (st.types[i] == kTexel) {
          views[i] = view(*b, r.texel_format, bytes);
          writes[i].pTexelBufferView = &views[i];
        } else {
          infos[i] = {b->buffer, 0, static_cast<VkDeviceSize>(bytes)};
          writes[i].pBufferInfo = &infos[i];
        }
      }
      api_.vkUpdateDescriptorSets(dev_, static_cast<uint32_t>(n), writes.data(), 0, nullptr);
    }

    check(api_.vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(api_.vkBeginCommandBuffer(cmd_, &bi), "vkBeginCommandBuffer");
    recording = true;
    bool uploaded = false;
    for (Slot& s : slots)
      if (s.upload) {
        const VkBufferCopy region{0, 0, s.span.bytes};
        api_.vkCmdCopyBuffer(cmd_, s.staging->buffer, s.device.buffer, 1, &region);
        uploaded = true;
      }
    if (uploaded)
      barrier(api_, cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
              VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    uint64_t dispatches = 0;
    for (size_t si = 0; si < steps.size(); ++si) {
      const ShaderState& st = shaders_[static_cast<size_t>(steps[si].shader)];
      if (si > 0)
        barrier(api_, cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      api_.vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipes[si]);
      api_.vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, st.layout, 0, 1, &sets[si], 0, nullptr);
      CommandRecorder rec(api_, cmd_, st.layout, st.push_bytes);
      steps[si].record(rec);
      dispatches += rec.count;
    }
    if (staging_) {
      barrier(api_, cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
              VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      for (Slot& s : slots)
        if (s.span.access & kWrite) {
          const VkBufferCopy region{0, 0, s.span.bytes};
          api_.vkCmdCopyBuffer(cmd_, s.device.buffer, s.staging->buffer, 1, &region);
        }
      barrier(api_, cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
              VK_ACCESS_HOST_READ_BIT);
    } else {
      barrier(api_, cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
              VK_ACCESS_HOST_READ_BIT);
    }
    check(api_.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
    recording = false;
    stats_.dispatches += dispatches;
    submit_and_wait(kernel);

    for (Slot& s : slots) {
      if (s.span.access & kWrite) {
        std::memcpy(s.span.data, staging_ ? s.staging->mapped : s.device.mapped, s.span.bytes);
        stats_.bytes_downloaded += s.span.bytes;
      }
      if (s.resident) s.resident->valid = true;
    }
  } catch (...) {
    if (recording) api_.vkEndCommandBuffer(cmd_);
    // A failed call may have left any of its device copies half-written.
    for (Slot& s : slots)
      if (s.resident) s.resident->valid = false;
    if (broken_.empty()) {
      // Nothing of this call is pending on the device: its objects can go.
      finish_call();
      if (!staging_)
        for (Slot& s : slots) release(kernel_pool_, s.device);
      for (Buffer& b : scratch_buffers) release(kernel_pool_, b);
    }
    throw;
  }
  finish_call();
  for (Buffer& b : scratch_buffers) release(kernel_pool_, b);
  if (staging_)
    evict_residents(tick, kResidentBudget, kResidentMaxEntries);
  else
    for (Slot& s : slots) release(kernel_pool_, s.device);
}

void Context::finish_call() {
  for (VkBufferView v : views_) api_.vkDestroyBufferView(dev_, v, nullptr);
  views_.clear();
  api_.vkResetDescriptorPool(dev_, descriptor_pool_, 0);
}

void Context::submit_and_wait(const char* kernel) {
  VkSubmitInfo si{};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd_;
  check(api_.vkResetFences(dev_, 1, &fence_), "vkResetFences");
  const VkResult sr = api_.vkQueueSubmit(queue_, 1, &si, fence_);
  if (sr == VK_ERROR_DEVICE_LOST) broken_ = "the Vulkan device was lost (vkQueueSubmit: VK_ERROR_DEVICE_LOST)";
  check(sr, (std::string("vulkan ") + kernel + ": vkQueueSubmit").c_str());
  ++stats_.submissions;
  // The fence of this one submission, waited on in slices: the thread sleeps in the driver while
  // the device works (no spinning), and returns as soon as the work is done.
  const auto t0 = std::chrono::steady_clock::now();
  VkResult r;
  do {
    r = api_.vkWaitForFences(dev_, 1, &fence_, VK_TRUE, 1000000000ull);
  } while (r == VK_TIMEOUT);
  stats_.wait_ns += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  if (r != VK_SUCCESS) {
    // The command buffer may still be pending: nothing may be reused.
    broken_ = std::string("waiting for a submission failed (") + result_name(r) + "); the Vulkan provider stopped";
    throw Error(std::string("vulkan ") + kernel + ": " + broken_);
  }
}

Context::~Context() { teardown(); }

void Context::teardown() {
  if (dev_ != VK_NULL_HANDLE) {
    if (broken_.empty() && api_.vkDeviceWaitIdle) api_.vkDeviceWaitIdle(dev_);
    if (api_.vkDestroyBufferView == nullptr) {
      // The device's functions did not all load: nothing but the device was created.
      if (api_.vkDestroyDevice) api_.vkDestroyDevice(dev_, nullptr);
      dev_ = VK_NULL_HANDLE;
    }
  }
  if (dev_ != VK_NULL_HANDLE) {
    for (VkBufferView v : views_) api_.vkDestroyBufferView(dev_, v, nullptr);
    views_.clear();
    drop_residents();
    drain(kernel_pool_);
    drain(staging_pool_);
    destroy(dummy_);
    for (auto& [key, p] : pipelines_) api_.vkDestroyPipeline(dev_, p, nullptr);
    pipelines_.clear();
    for (ShaderState& st : shaders_) {
      if (st.layout) api_.vkDestroyPipelineLayout(dev_, st.layout, nullptr);
      if (st.set_layout) api_.vkDestroyDescriptorSetLayout(dev_, st.set_layout, nullptr);
      if (st.module) api_.vkDestroyShaderModule(dev_, st.module, nullptr);
      st = ShaderState{};
    }
    if (descriptor_pool_) api_.vkDestroyDescriptorPool(dev_, descriptor_pool_, nullptr);
    if (fence_) api_.vkDestroyFence(dev_, fence_, nullptr);
    if (command_pool_) api_.vkDestroyCommandPool(dev_, command_pool_, nullptr);
    api_.vkDestroyDevice(dev_, nullptr);
    dev_ = VK_NULL_HANDLE;
  }
  if (instance_ != VK_NULL_HANDLE) {
    api_.vkDestroyInstance(instance_, nullptr);
    instance_ = VK_NULL_HANDLE;
  }
}

namespace {
std::mutex g_mutex;
std::unique_ptr<Context> g_context;
}  // namespace

std::mutex& lock() { return g_mutex; }

Context* current() { return g_context.get(); }

Context& open(const Options& options) {
  if (g_context) {
    if (options.device_index >= 0 && static_cast<size_t>(options.device_index) != g_context->device_index())
      throw Error("the Vulkan provider is open on device " + std::to_string(g_context->device_index()) +
                  "; close it before choosing device " + std::to_string(options.device_index));
    g_context->set_staging(options.force_staging);
    g_context->set_gemm_variant(options.gemm_shared);
    return *g_context;
  }
  g_context = std::make_unique<Context>(options);
  return *g_context;
}

void close() { g_context.reset(); }

}  // namespace tg::vk
