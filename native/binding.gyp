{
  "targets": [
    {
      "target_name": "ideasteer_engine",
      "sources": ["src/addon.cc", "src/attention.cc", "src/fma-peak.cc", "src/gemm.cc", "src/isa.cc", "src/tile-gemm.cc", "src/kernels.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": [
        "-O3", "-march=x86-64-v3", "-mtune=generic", "-std=c++17", "-fopenmp",
        "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast"
      ],
      "ldflags": ["-fopenmp"]
    }
  ]
}
