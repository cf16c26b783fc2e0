#include "isa.h"

#include <cstdlib>
#include <cstring>

namespace {

Isa initialIsa() {
  const char* forced = std::getenv("IDEASTEER_ENGINE_ISA");
  if (forced && std::strcmp(forced, "avx2") == 0) return Isa::Avx2;
  return cpuHasAvx512() ? Isa::Avx512 : Isa::Avx2;
}

// Process-wide like the OpenMP thread count; written only by setIsa, which callers use between kernel calls.
Isa current = initialIsa();

}  // namespace

bool cpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}

Isa activeIsa() { return current; }

bool setIsa(Isa isa) {
  if (isa == Isa::Avx512 && !cpuHasAvx512()) return false;
  current = isa;
  return true;
}

const char* isaName(Isa isa) { return isa == Isa::Avx512 ? "avx512" : "avx2"; }
