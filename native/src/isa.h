// Which instruction set the float kernels run on, chosen once at load: AVX-512 when the CPU has it (F, BW, VL,
// DQ), else AVX2/FMA, the baseline the addon is compiled for (x86-64-v3). The environment variable
// IDEASTEER_ENGINE_ISA=avx2 forces the AVX2 path (tests use it to exercise the path a CPU without AVX-512 takes);
// setIsa does the same at run time. Asking for avx512 on a CPU without it is refused.
#pragma once

enum class Isa { Avx2, Avx512 };

Isa activeIsa();
bool cpuHasAvx512();
// Returns false (and changes nothing) when the CPU cannot run `isa`.
bool setIsa(Isa isa);
const char* isaName(Isa isa);
