// Cache-blocked GEMM in the BLIS layout: B is packed into KC x NR strips (shared by all threads), A into
// MR x KC strips per thread, and an MR x NR register-blocked micro-kernel does the arithmetic. Packing absorbs
// the transposes, so NN, NT and TN all run the same inner kernel. float runs an AVX-512 14x32 kernel when the
// CPU has AVX-512 (isa.h; the function is compiled for it with a target attribute, the rest of the addon for
// x86-64-v3), else an AVX2/FMA 6x16 kernel; double (used by gradient checks) uses a portable kernel the compiler
// vectorises. Every output element is summed by one thread in k order, whichever kernel and thread count.
#include "gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "isa.h"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "the engine's baseline is x86-64-v3 (AVX2 + FMA): build with -march=x86-64-v3 (native/binding.gyp)"
#endif

namespace {

constexpr int KC = 256;
constexpr int MC_MAX = 144;  // MC * KC floats of packed A stay in L2
constexpr int NC = 4096;     // KC * NC floats of packed B stay in L3

template <typename T>
struct Operand {
  const T* p;
  int ld;
  bool trans;
  // Element (row, col) of op(X).
  inline T at(int r, int c) const { return trans ? p[(size_t)c * ld + r] : p[(size_t)r * ld + c]; }
};

// Transposes 8 rows of 8 floats: out[j] = (r[0][j], ..., r[7][j]).
inline void transpose8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// The full-strip, non-transposed packing of A for floats, 8 k at a time: MR rows are read 8 floats each, turned
// into k-major order by 8 x 8 register transposes (groups of 8 rows; the last group's missing rows read as zeros
// and are not stored). Scalar copying took ~16% of the GEMM's time on the K = 256 products. Returns the k done.
template <int MR>
int packRowsFloat(const float* const* src, int kc, float* dst) {
  constexpr int groups = (MR + 7) / 8;
  constexpr int lastRows = MR - 8 * (groups - 1);
  const __m256i lastMask = _mm256_cmpgt_epi32(_mm256_set1_epi32(lastRows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  int k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (int g = 0; g < groups; g++) {
      const int rows = g == groups - 1 ? lastRows : 8;
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src[8 * g + i] + k) : _mm256_setzero_ps();
      transpose8x8(r);
      for (int j = 0; j < 8; j++) {
        float* d = dst + (size_t)(k + j) * MR + 8 * g;
        if (rows == 8)
          _mm256_storeu_ps(d, r[j]);
        else
          _mm256_maskstore_ps(d, lastMask, r[j]);
      }
    }
  }
  return k;
}

// Packs op(A)[i0:i0+mc, p0:p0+kc] into strips of MR rows: strip s holds kc columns of MR contiguous values.
template <typename T, int MR>
void packA(const Operand<T>& A, int i0, int mc, int p0, int kc, T* out) {
  for (int s = 0; s < mc; s += MR) {
    T* dst = out + (size_t)s * kc;
    const int rows = std::min(MR, mc - s);
    if (A.trans && rows == MR) {
      // Each k's MR values are contiguous: a fixed-size copy the compiler turns into vector moves.
      for (int k = 0; k < kc; k++) std::memcpy(dst + k * MR, A.p + (size_t)(p0 + k) * A.ld + i0 + s, MR * sizeof(T));
    } else if (A.trans) {
      for (int k = 0; k < kc; k++) {
        const T* src = A.p + (size_t)(p0 + k) * A.ld + i0 + s;
        int r = 0;
        for (; r < rows; r++) dst[k * MR + r] = src[r];
        for (; r < MR; r++) dst[k * MR + r] = 0;
      }
    } else if (rows == MR) {
      // k outer: MR sequential read streams, one sequential write stream.
      const T* src[MR];
      for (int r = 0; r < MR; r++) src[r] = A.p + (size_t)(i0 + s + r) * A.ld + p0;
      int k = 0;
      if constexpr (std::is_same_v<T, float>) k = packRowsFloat<MR>(src, kc, dst);
      for (; k < kc; k++)
        for (int r = 0; r < MR; r++) dst[k * MR + r] = src[r][k];
    } else {
      for (int r = 0; r < MR; r++) {
        if (r < rows) {
          const T* src = A.p + (size_t)(i0 + s + r) * A.ld + p0;
          for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * MR + r] = 0;
        }
      }
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into strips of NR columns: strip s holds kc rows of NR contiguous values.
template <typename T, int NR>
void packBStrip(const Operand<T>& B, int p0, int kc, int j, int cols, T* dst) {
  if (B.trans && cols == NR) {
    const T* src[NR];
    for (int c = 0; c < NR; c++) src[c] = B.p + (size_t)(j + c) * B.ld + p0;
    for (int k = 0; k < kc; k++)
      for (int c = 0; c < NR; c++) dst[k * NR + c] = src[c][k];
  } else if (B.trans) {
    for (int c = 0; c < NR; c++) {
      if (c < cols) {
        const T* src = B.p + (size_t)(j + c) * B.ld + p0;
        for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
      } else {
        for (int k = 0; k < kc; k++) dst[k * NR + c] = 0;
      }
    }
  } else {
    for (int k = 0; k < kc; k++) {
      const T* src = B.p + (size_t)(p0 + k) * B.ld + j;
      int c = 0;
      for (; c < cols; c++) dst[k * NR + c] = src[c];
      for (; c < NR; c++) dst[k * NR + c] = 0;
    }
  }
}

// acc = a * b over kc; then C = alpha * acc + beta * C (C not read when beta == 0).
template <typename T, int MR, int NR>
void microKernel(int kc, const T* a, const T* b, T* C, int ldc, T alpha, T beta) {
  T acc[MR][NR] = {};
  for (int k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      const T ar = a[k * MR + r];
      for (int c = 0; c < NR; c++) acc[r][c] += ar * b[k * NR + c];
    }
  }
  for (int r = 0; r < MR; r++) {
    T* cr = C + (size_t)r * ldc;
    if (beta == T(0)) {
      for (int c = 0; c < NR; c++) cr[c] = alpha * acc[r][c];
    } else {
      for (int c = 0; c < NR; c++) cr[c] = alpha * acc[r][c] + beta * cr[c];
    }
  }
}

constexpr int MR2 = 6, NR2 = 16;  // AVX2: 12 ymm accumulators of the 16 registers
void microKernelAvx2(int kc, const float* a, const float* b, float* C, int ldc, float alpha, float beta) {
  constexpr int MR = MR2, NR = NR2;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // Prefetching C (when it is read) and the packed B a few steps ahead measured ~8% faster than without.
  if (beta != 0.0f)
    for (int r = 0; r < MR; r++) _mm_prefetch((const char*)(C + (size_t)r * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int k = 0; k < kc; k++) {
    _mm_prefetch((const char*)(b + 8 * NR), _MM_HINT_T0);
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 ar;
    ar = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(ar, b0, c00);
    c01 = _mm256_fmadd_ps(ar, b1, c01);
    ar = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ar, b0, c10);
    c11 = _mm256_fmadd_ps(ar, b1, c11);
    ar = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ar, b0, c20);
    c21 = _mm256_fmadd_ps(ar, b1, c21);
    ar = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ar, b0, c30);
    c31 = _mm256_fmadd_ps(ar, b1, c31);
    ar = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(ar, b0, c40);
    c41 = _mm256_fmadd_ps(ar, b1, c41);
    ar = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(ar, b0, c50);
    c51 = _mm256_fmadd_ps(ar, b1, c51);
    a += MR;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < MR; r++) {
    float* cr = C + (size_t)r * ldc;
    __m256 x0 = _mm256_mul_ps(va, rows[r][0]);
    __m256 x1 = _mm256_mul_ps(va, rows[r][1]);
    if (beta != 0.0f) {
      x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), x0);
      x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), x1);
    }
    _mm256_storeu_ps(cr, x0);
    _mm256_storeu_ps(cr + 8, x1);
  }
}

// AVX-512: 14 rows x 2 zmm = 28 accumulators of the 32 registers, 2 for the B row, the A values broadcast from
// memory into the FMAs. Two 512-bit FMA pipes with 4-cycle latency need >= 8 independent chains; 28 hide it.
constexpr int MR5 = 14, NR5 = 32;
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void microKernelAvx512(
    int kc, const float* a, const float* b, float* C, int ldc, float alpha, float beta) {
  constexpr int MR = MR5;
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 14
  for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  if (beta != 0.0f)
    for (int r = 0; r < MR; r++) _mm_prefetch((const char*)(C + (size_t)r * ldc), _MM_HINT_T0);
#pragma GCC unroll 2
  for (int k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch((const char*)(a + 8 * MR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int r = 0; r < MR; r++) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
    a += MR;
    b += NR5;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 14
  for (int r = 0; r < MR; r++) {
    float* cr = C + (size_t)r * ldc;
    __m512 x0 = _mm512_mul_ps(va, c0[r]);
    __m512 x1 = _mm512_mul_ps(va, c1[r]);
    if (beta != 0.0f) {
      x0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr + 16), x1);
    }
    _mm512_storeu_ps(cr, x0);
    _mm512_storeu_ps(cr + 16, x1);
  }
}

// Columns j0..j1-1 of the small-M product (one thread's share).
template <typename T>
void gemvNTColumns(int j0, int j1, int M, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta, T* C,
                   int ldc) {
  for (int j = j0; j < j1; j++) {
    const T* bj = B + (size_t)j * ldb;
    for (int i = 0; i < M; i++) {
      const T* ai = A + (size_t)i * lda;
      T s = 0;
#pragma omp simd reduction(+ : s)
      for (int k = 0; k < K; k++) s += ai[k] * bj[k];
      T* c = C + (size_t)i * ldc + j;
      *c = beta == T(0) ? alpha * s : alpha * s + beta * *c;
    }
  }
}

// Small M (token-by-token decoding with a weight matrix): packing B would copy the whole weight for a handful of
// rows, so take dot products directly. Used only for NT (x @ W^T).
template <typename T>
void gemvNT(int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta, T* C, int ldc) {
  if ((size_t)N * K > 262144 && !omp_in_parallel()) {
#pragma omp parallel
    {
      const int tid = omp_get_thread_num(), n = omp_get_num_threads();
      const int j0 = (int)((int64_t)tid * N / n), j1 = (int)((int64_t)(tid + 1) * N / n);
      gemvNTColumns(j0, j1, M, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
  } else {
    gemvNTColumns(0, N, M, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

template <typename T>
using MicroKernel = void (*)(int kc, const T* a, const T* b, T* C, int ldc, T alpha, T beta);

// The blocked product with an MR x NR micro-kernel (K > 0, M, N > 0).
template <typename T, int MR, int NR>
void gemmBlocked(MicroKernel<T> micro, bool transA, bool transB, int M, int N, int K, T alpha, const T* A, int lda,
                 const T* B, int ldb, T beta, T* C, int ldc) {
  const Operand<T> opA{A, lda, transA};
  const Operand<T> opB{B, ldb, transB};
  // Small products stay on one thread: waking the pool costs more than it saves, and on a loaded machine a
  // descheduled worker stalls the whole region.
  const bool small = (double)M * N * K < 1.5e6;
  const int nThreads = small || omp_in_parallel() ? 1 : omp_get_max_threads();
  // Split M into a multiple of the thread count so threads get equal shares of rows.
  int nBlocks = (M + MC_MAX - 1) / MC_MAX;
  nBlocks = ((nBlocks + nThreads - 1) / nThreads) * nThreads;
  int mc = (M + nBlocks - 1) / nBlocks;
  mc = ((mc + MR - 1) / MR) * MR;
  nBlocks = (M + mc - 1) / mc;

  // Packing buffers live per thread and are reused across calls (at most KC x NC floats = 4 MB for B).
  static thread_local std::vector<T> bWork;
  const int ncMax = std::min(NC, ((N + NR - 1) / NR) * NR);
  bWork.resize((size_t)KC * ncMax);
  T* bPack = bWork.data();

  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc);
    const int nStrips = (nc + NR - 1) / NR;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      const T betaHere = pc == 0 ? beta : T(1);
      // One thread's share: B strips [tid/n], then A blocks [tid/n] (static contiguous ranges). A single-thread
      // product runs this directly, without an OpenMP region: even an if(false) region inside another one (the
      // attention tiles) builds a team, and at ~30,000 tile products a step that cost ~25% of it in futex calls.
      auto share = [&](int tid, int n) {
        for (int s = tid * nStrips / n; s < (tid + 1) * nStrips / n; s++) {
          const int j = jc + s * NR;
          packBStrip<T, NR>(opB, pc, kc, j, std::min(NR, jc + nc - j), bPack + (size_t)s * kc * NR);
        }
        if (n > 1) {
#pragma omp barrier
        }
        static thread_local std::vector<T> aPack;
        aPack.resize((size_t)mc * kc + MR * KC);
        alignas(64) T tile[MR * NR];
        for (int blk = tid * nBlocks / n; blk < (tid + 1) * nBlocks / n; blk++) {
          const int ic = blk * mc;
          const int mcHere = std::min(mc, M - ic);
          packA<T, MR>(opA, ic, mcHere, pc, kc, aPack.data());
          for (int s = 0; s < nStrips; s++) {
            const int j = jc + s * NR;
            const int cols = std::min(NR, jc + nc - j);
            const T* bp = bPack + (size_t)s * kc * NR;
            for (int ir = 0; ir < mcHere; ir += MR) {
              const int rows = std::min(MR, mcHere - ir);
              const T* ap = aPack.data() + (size_t)ir * kc;
              T* c = C + (size_t)(ic + ir) * ldc + j;
              if (rows == MR && cols == NR) {
                micro(kc, ap, bp, c, ldc, alpha, betaHere);
              } else {
                micro(kc, ap, bp, tile, NR, alpha, T(0));
                for (int r = 0; r < rows; r++)
                  for (int q = 0; q < cols; q++) {
                    T* cc = c + (size_t)r * ldc + q;
                    *cc = betaHere == T(0) ? tile[r * NR + q] : tile[r * NR + q] + betaHere * *cc;
                  }
              }
            }
          }
        }
      };
      if (nThreads == 1) {
        share(0, 1);
      } else {
#pragma omp parallel num_threads(nThreads)
        share(omp_get_thread_num(), omp_get_num_threads());
      }
    }
  }
}

}  // namespace

template <typename T>
void gemm(bool transA, bool transB, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
          T* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == T(0) ? T(0) : beta * C[(size_t)i * ldc + j];
    return;
  }
  if (M <= 4 && !transA && transB) {
    gemvNT(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (activeIsa() == Isa::Avx512)
      gemmBlocked<float, MR5, NR5>(microKernelAvx512, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
      gemmBlocked<float, MR2, NR2>(microKernelAvx2, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } else {
    gemmBlocked<T, 6, 16>(microKernel<T, 6, 16>, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

template void gemm<float>(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int);
template void gemm<double>(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*,
                           int);
