{
  "targets": [
    {
      "target_name": "ideasteer_engine",
      "sources": ["src/addon.cc", "src/attention.cc", "src/gemm.cc", "src/kernels.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": [
        "-O3", "-march=native", "-std=c++17", "-fopenmp",
        "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast"
      ],
      "ldflags": ["-fopenmp"]
    }
  ]
}
