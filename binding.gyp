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
        "native/kernels_avx512.cc"
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
        }]
      ]
    }
  ],
  "variables": {
    "tensorgrad_asan%": "false"
  }
}
