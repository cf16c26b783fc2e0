// The per-core float32 FMA peak of this machine: a loop of independent fused multiply-adds on 256-bit (AVX2) or
// 512-bit (AVX-512) registers, timed by the calling thread's CPU time. GFLOP/s counts an FMA as 2 flops.
#pragma once
#include "isa.h"

double fmaPeakGflops(Isa isa, double seconds);
