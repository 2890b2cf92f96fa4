{
  "targets": [
    {
      "target_name": "openblas_ref",
      "sources": ["openblas.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-fexceptions", "-O2"],
      "libraries": ["-lopenblas"]
    }
  ]
}
