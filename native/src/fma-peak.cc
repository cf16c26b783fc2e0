#include "fma-peak.h"

#include <immintrin.h>
#include <time.h>

namespace {

double threadCpuS() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// 12 independent accumulator chains in named registers (an array would live in memory): enough to fill two FMA
// pipes of 4-cycle latency (8 chains) with margin. The multiplier is ~1 and the addend ~0, so values stay finite.
constexpr long INNER = 1 << 16;

#define FMA_CHAINS(V, FMA, SET1, ADD, STORE, LANES)                                                \
  V a0 = SET1(0.f), a1 = SET1(1.f), a2 = SET1(2.f), a3 = SET1(3.f), a4 = SET1(4.f), a5 = SET1(5.f);    \
  V a6 = SET1(6.f), a7 = SET1(7.f), a8 = SET1(8.f), a9 = SET1(9.f), a10 = SET1(10.f), a11 = SET1(11.f); \
  const V m = SET1(0.999999f), add = SET1(1e-7f);                                                  \
  for (long r = 0; r < reps; r++)                                                                  \
    for (long i = 0; i < INNER; i++) {                                                             \
      a0 = FMA(a0, m, add), a1 = FMA(a1, m, add), a2 = FMA(a2, m, add), a3 = FMA(a3, m, add);         \
      a4 = FMA(a4, m, add), a5 = FMA(a5, m, add), a6 = FMA(a6, m, add), a7 = FMA(a7, m, add);         \
      a8 = FMA(a8, m, add), a9 = FMA(a9, m, add), a10 = FMA(a10, m, add), a11 = FMA(a11, m, add);     \
    }                                                                                              \
  a0 = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));                          \
  a0 = ADD(a0, ADD(ADD(a8, a9), ADD(a10, a11)));                                                   \
  STORE(sink, a0);                                                                                 \
  return 2.0 * LANES * 12 * INNER * reps;

double runAvx2(long reps, float* sink) {
  FMA_CHAINS(__m256, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
}

__attribute__((target("avx512f"))) double runAvx512(long reps, float* sink) {
  FMA_CHAINS(__m512, _mm512_fmadd_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
}

}  // namespace

double fmaPeakGflops(Isa isa, double seconds) {
  alignas(64) float sink[16];
  double flops = 0, best = 0;
  // Rounds of ~20 ms, best round kept: a round in which the thread lost its core to another process reads low.
  const double t0 = threadCpuS();
  while (threadCpuS() - t0 < seconds) {
    const double a = threadCpuS();
    flops = isa == Isa::Avx512 ? runAvx512(4, sink) : runAvx2(8, sink);
    __asm__ volatile("" : : "r"(sink) : "memory");  // the sums are "used", so the loops cannot be dropped
    const double dt = threadCpuS() - a;
    if (dt > 0 && flops / dt > best) best = flops / dt;
  }
  return best / 1e9;
}
