// The Vulkan provider's device context: one instance, one device and one compute queue for the
// process, the compute pipelines, pooled buffers, and the submission of one kernel call as one
// command buffer with one fence.
//
// Memory. Kernels see device buffers; the host arrays stay the source of truth (the kernel
// interface hands flat arrays in and out, synchronously). Two paths move the data:
//  - direct: where a memory type is device-local, host-visible, coherent and cached (integrated
//    GPUs, lavapipe), kernel buffers are mapped and filled and read by memcpy;
//  - staging: elsewhere (a discrete GPU's VRAM, which the host cannot map or reads uncached), and
//    always when forced (so lavapipe tests it too), kernel buffers are device-local and unmapped,
//    and each has a host-visible staging twin; the command buffer copies staging -> device before
//    the dispatch and device -> staging after it.
// On the staging path the device buffers stay resident: each is kept for the host array it mirrors
// (keyed by address and length) and reused while the array's bytes still equal the staging copy,
// which equals the device copy after every call. So an array the host did not change since a kernel
// last read or wrote it (weights between steps, Adam's moments, an activation read by the next
// kernel) is not uploaded again; a changed one is, whatever changed it. Outputs are always read
// back: the host may read them next.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "api.h"

namespace tg::vk {

struct Limits {
  uint32_t max_invocations = 0;
  uint32_t max_texel_elements = 0;
  std::array<uint32_t, 3> max_size{};
  std::array<uint32_t, 3> max_count{};
  uint32_t max_shared = 0;
  uint32_t max_storage_range = 0;
  uint32_t max_push = 0;
};

struct DeviceInfo {
  std::string name;
  // 'discrete-gpu', 'integrated-gpu', 'virtual-gpu', 'cpu' or 'other'.
  std::string type;
  std::string driver;  // driver name and info where the device reports them (Vulkan 1.2)
  std::string api_version;
  std::string driver_version;
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  Limits limits;
};

// The GEMM main loop's workgroup and tile (see shaders/gemm.comp), chosen from the limits and
// the variant: bm x bn of C per workgroup, tm x tn per thread, k in slices of bk.
struct GemmTile {
  uint32_t tx = 16, ty = 16;  // threads
  uint32_t bm = 128, bn = 128, bk = 16;
  uint32_t tm = 8, tn = 8;
};

struct Options {
  bool force_staging = false;
  int device_index = -1;  // -1: the best device (discrete, integrated, virtual, cpu)
  int gemm_shared = -1;   // -1: by device type; 0: direct texel reads; 1: shared-memory tiles
};

struct Stats {
  uint64_t submissions = 0;
  uint64_t dispatches = 0;
  uint64_t bytes_uploaded = 0;    // host -> device (memcpy into mapped memory, or staging + copy)
  uint64_t bytes_downloaded = 0;  // device -> host
  uint64_t uploads_skipped = 0;   // staging path: device copy still equal to the host array
  uint64_t bytes_skipped = 0;
  uint64_t buffers_created = 0;
  uint64_t pipelines_created = 0;
  uint64_t wait_ns = 0;  // time spent waiting on fences
  uint64_t resident_bytes = 0;
  uint64_t pooled_bytes = 0;
};

enum Access : uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3 };

// One array a kernel binds: host memory, its size in bytes, and what the kernel does with it.
struct HostSpan {
  void* data;
  size_t bytes;
  uint8_t access;
  const char* name;  // for messages
};

enum class Shader : int { Pack = 0, GemmShared, GemmDirect, Elementwise, ColumnSums, Adam, Count };

// What a step binds at one binding: a host span, a scratch buffer (device memory no host array
// mirrors, such as packed panels), or nothing (a dummy buffer). Texel bindings read the buffer
// through a view of the given format; storage bindings read and write it.
struct Ref {
  enum Kind : uint8_t { kSpan, kScratch, kNone } kind;
  uint32_t index;
  VkFormat texel_format;  // VK_FORMAT_UNDEFINED for a storage binding
  static Ref span(uint32_t i, VkFormat f = VK_FORMAT_UNDEFINED) { return Ref{kSpan, i, f}; }
  static Ref scratch(uint32_t i, VkFormat f = VK_FORMAT_UNDEFINED) { return Ref{kScratch, i, f}; }
  static Ref none(VkFormat f = VK_FORMAT_UNDEFINED) { return Ref{kNone, 0, f}; }
};

struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  void* mapped = nullptr;
};

// Records one step's dispatches: push constants and group counts, any number of times.
class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void dispatch(const void* push, uint32_t push_bytes, uint32_t x, uint32_t y) = 0;
};

// One pipeline's part of a kernel call; the steps of a call run in order, each seeing what the
// previous ones wrote.
struct Step {
  Shader shader;
  std::vector<uint32_t> spec;  // specialization constants, in id order
  std::vector<Ref> bindings;   // binding i
  std::function<void(Recorder&)> record;
};

class Context {
 public:
  // Opens the loader, picks a device and creates everything but the pipelines (built on first use).
  explicit Context(const Options& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceInfo& device() const { return device_; }
  const std::vector<DeviceInfo>& devices() const { return all_devices_; }
  size_t device_index() const { return device_index_; }
  const std::string& loader() const { return loader_; }
  const GemmTile& gemm_tile() const { return tile_; }
  // Whether kernel buffers are device-local and filled through staging buffers.
  bool staging() const { return staging_; }
  // Whether the device has host-visible, cached device memory (the direct path is possible).
  bool direct_possible() const { return direct_type_ >= 0; }
  // Switches between the paths (force = true: staging even where direct is possible); frees every
  // pooled and resident buffer.
  void set_staging(bool force);
  Stats stats() const;

  // Runs one kernel call as one command buffer with one fence: moves the spans the call reads to
  // the device (a span given twice is one buffer), runs the steps in order with scratch buffers of
  // the given sizes, waits for the fence and copies the written spans back. Throws naming `kernel`
  // if a span or scratch buffer exceeds what the device binds, or if Vulkan fails.
  void run(const char* kernel, HostSpan* spans, size_t count, const std::vector<size_t>& scratch,
           const std::vector<Step>& steps);
  // Which GEMM main loop runs: tiles staged in shared memory (GPUs) or read through the texel
  // cache by each thread (CPU devices, where shared memory is slow); see shaders/gemm.comp.
  bool gemm_shared() const { return gemm_shared_; }
  // 1: shared-memory tiles, 0: direct texel reads, -1: by device type.
  void set_gemm_variant(int shared);

 private:
  struct ShaderState {
    VkShaderModule module = VK_NULL_HANDLE;
    VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    std::vector<VkDescriptorType> types;  // of binding i
    uint32_t push_bytes = 0;
    const char* name = "";
  };
  // A host array's device copy on the staging path.
  using Key = std::pair<uintptr_t, size_t>;
  struct Resident {
    Buffer device;
    Buffer staging;
    bool valid = false;  // staging == device == the host bytes at the end of the last call
    uint64_t last_use = 0;
    std::list<Key>::iterator lru;  // its place in lru_, least recently used first
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<uintptr_t>()(k.first) * 31 + std::hash<size_t>()(k.second); }
  };
  // Free buffers of one memory kind, by power-of-two size class.
  struct Pool {
    bool mapped = false;
    VkBufferUsageFlags usage = 0;
    int memory_type = -1;
    std::map<VkDeviceSize, std::vector<Buffer>> free;
    size_t free_bytes = 0;
    size_t free_count = 0;
  };

  void create_instance();
  void pick_device(const Options& options);
  void create_device();
  void create_shaders();
  void choose_memory();
  void choose_tile();
  void check_fits(const char* kernel, const char* what, size_t bytes, VkDescriptorType type, VkFormat format) const;
  // A texel view of b for the call being recorded (destroyed by finish_call).
  VkBufferView view(const Buffer& b, VkFormat format, size_t bytes);
  // After a call's fence (or a failure before submission): its views and descriptor sets go.
  void finish_call();
  VkPipeline pipeline(Shader shader, const std::vector<uint32_t>& spec);

  Buffer acquire(Pool& pool, size_t bytes);
  void release(Pool& pool, Buffer& b);
  void destroy(Buffer& b);
  void drain(Pool& pool);
  void drop_residents();
  // Frees the least recently used device copies not used by the call `keep_tick` until at most
  // `bytes` and `count` remain.
  void evict_residents(uint64_t keep_tick, size_t bytes, size_t count);
  void teardown();
  int pick_memory_type(uint32_t type_bits, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred,
                       VkMemoryPropertyFlags avoided) const;
  void submit_and_wait(const char* kernel);

  Api api_;
  std::string loader_;
  VkInstance instance_ = VK_NULL_HANDLE;
  uint32_t instance_version_ = VK_API_VERSION_1_0;
  std::vector<VkPhysicalDevice> physical_;
  std::vector<DeviceInfo> all_devices_;
  size_t device_index_ = 0;
  DeviceInfo device_;
  VkPhysicalDevice gpu_ = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties memory_{};
  uint32_t queue_family_ = 0;
  VkDevice dev_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  std::array<ShaderState, static_cast<size_t>(Shader::Count)> shaders_{};
  std::map<std::vector<uint32_t>, VkPipeline> pipelines_;  // key: shader index, then spec constants
  GemmTile tile_;

  bool gemm_shared_ = true;
  std::vector<VkBufferView> views_;  // of the call being recorded, destroyed after its fence
  int direct_type_ = -1;  // device-local + host-visible + coherent + cached, or -1
  bool staging_ = false;
  Pool kernel_pool_;
  Pool staging_pool_;
  Buffer dummy_;  // bound where a kernel has nothing to bind (an empty array, no bias)
  std::unordered_map<Key, std::unique_ptr<Resident>, KeyHash> residents_;
  std::list<Key> lru_;
  size_t resident_bytes_ = 0;
  uint64_t tick_ = 0;
  // Set when a submission failed in a way that leaves the device unusable (device lost, a wait
  // that failed): every later call throws this.
  std::string broken_;
  Stats stats_;
};

// The process's context: opened once; later calls apply the options' memory path and GEMM variant
// to it (another device needs close() first). Shared by every thread, each call made under lock().
Context& open(const Options& options);
Context* current();
std::mutex& lock();
void close();

}  // namespace tg::vk
