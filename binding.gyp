{
  "targets": [
    {
      "target_name": "tensorgrad_native",
      "sources": [
        "native/addon.cc",
        "native/driver.cc",
        "native/pool.cc",
        "native/kernels_vec128.cc",
        "native/kernels_avx2.cc",
        "native/kernels_avx512.cc",
        "native/quant.cc",
        "native/quant_avx2.cc",
        "native/quant_avx512vnni.cc",
        "native/vulkan/binding.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-fexceptions", "-O3", "-ffp-contract=fast", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["tensorgrad_asan=='true'", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address"]
        }],
        ["tensorgrad_vulkan=='true'", {
          "sources": [
            "native/vulkan/loader.cc",
            "native/vulkan/context.cc",
            "native/vulkan/kernels.cc"
          ],
          "defines": ["TG_VULKAN=1"],
          "include_dirs": ["native/vulkan"],
          "libraries": ["-ldl"],
          "actions": [
            {
              "action_name": "compile_vulkan_shaders",
              "inputs": [
                "scripts/compile-shaders.mjs",
                "native/vulkan/shaders/pack.comp",
                "native/vulkan/shaders/gemm.comp",
                "native/vulkan/shaders/elementwise.comp",
                "native/vulkan/shaders/column_sums.comp",
                "native/vulkan/shaders/adam.comp"
              ],
              "outputs": ["<(INTERMEDIATE_DIR)/vulkan_spirv.cc"],
              "action": [
                "<(tensorgrad_node)",
                "scripts/compile-shaders.mjs",
                "<(INTERMEDIATE_DIR)/vulkan_spirv.cc",
                "native/vulkan/shaders/pack.comp",
                "gemm_shared=native/vulkan/shaders/gemm.comp,STAGE_SHARED=1",
                "gemm_direct=native/vulkan/shaders/gemm.comp,STAGE_SHARED=0",
                "native/vulkan/shaders/elementwise.comp",
                "native/vulkan/shaders/column_sums.comp",
                "native/vulkan/shaders/adam.comp"
              ],
              "process_outputs_as_sources": 1,
              "message": "Compiling the Vulkan compute shaders to SPIR-V"
            }
          ]
        }]
      ]
    }
  ],
  "variables": {
    "tensorgrad_asan%": "false",
    "tensorgrad_vulkan%": "false",
    "tensorgrad_node%": "node"
  }
}
