# Builds the native-kernel addon (N-API, node-addon-api) against the system OpenBLAS.
# Portable flags only: no -march=native; wide SIMD is chosen at run time by OpenBLAS and by target_clones.
{
  "targets": [
    {
      "target_name": "attempt_native",
      "sources": ["src/addon.cc", "src/matmul.cc", "src/elementwise.cc", "src/reduce.cc", "src/fused.cc", "src/attention.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node find-openblas.mjs include)"
      ],
      "libraries": ["<!(node find-openblas.mjs lib)"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]
    }
  ]
}
