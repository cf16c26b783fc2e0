#include "tile-gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "isa.h"

namespace {

// Portable path (AVX2 floats, doubles): one row at a time, the row's sums in a local buffer the compiler
// vectorises across columns.
template <typename T>
void tileRows(int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, bool accumulate, T* C,
              int ldc) {
  constexpr int NB = 256;
  for (int c0 = 0; c0 < N; c0 += NB) {
    const int nc = std::min(NB, N - c0);
    for (int r = 0; r < M; r++) {
      T acc[NB] = {};
      const T* a = A + (size_t)r * lda;
      for (int k = 0; k < K; k++) {
        const T ak = a[k];
        const T* b = B + (size_t)k * ldb + c0;
#pragma omp simd
        for (int c = 0; c < nc; c++) acc[c] += ak * b[c];
      }
      T* cr = C + (size_t)r * ldc + c0;
      if (accumulate) {
#pragma omp simd
        for (int c = 0; c < nc; c++) cr[c] += alpha * acc[c];
      } else {
#pragma omp simd
        for (int c = 0; c < nc; c++) cr[c] = alpha * acc[c];
      }
    }
  }
}

// AVX-512: an R x (16 NV) register tile (R = 6, NV = 4: 24 accumulators), the last vector of a row masked for a
// partial width; A's values broadcast, B's rows loaded straight from the operand.
template <int R, int NV>
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void tile512(
    int K, float alpha, const float* A, int lda, const float* B, int ldb, bool accumulate, float* C, int ldc,
    __mmask16 last) {
  __m512 acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
  for (int k = 0; k < K; k++) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++)
      b[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(last, B + (size_t)k * ldb + 16 * v)
                         : _mm512_loadu_ps(B + (size_t)k * ldb + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const __m512 a = _mm512_set1_ps(A[(size_t)r * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha);
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      float* c = C + (size_t)r * ldc + 16 * v;
      const __mmask16 m = v == NV - 1 ? last : (__mmask16)0xFFFF;
      __m512 x = _mm512_mul_ps(va, acc[r][v]);
      if (accumulate) x = _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), x);
      _mm512_mask_storeu_ps(c, m, x);
    }
}

template <int R>
void tile512Rows(int nv, int K, float alpha, const float* A, int lda, const float* B, int ldb, bool accumulate,
                 float* C, int ldc, __mmask16 last) {
  switch (nv) {
    case 1: return tile512<R, 1>(K, alpha, A, lda, B, ldb, accumulate, C, ldc, last);
    case 2: return tile512<R, 2>(K, alpha, A, lda, B, ldb, accumulate, C, ldc, last);
    case 3: return tile512<R, 3>(K, alpha, A, lda, B, ldb, accumulate, C, ldc, last);
    default: return tile512<R, 4>(K, alpha, A, lda, B, ldb, accumulate, C, ldc, last);
  }
}

void tileGemm512(int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb, bool accumulate,
                 float* C, int ldc) {
  constexpr int R = 6;
  for (int c0 = 0; c0 < N; c0 += 64) {
    const int nc = std::min(64, N - c0);
    const int nv = (nc + 15) / 16;
    const int tail = nc - 16 * (nv - 1);
    const __mmask16 last = (__mmask16)(tail == 16 ? 0xFFFF : (1u << tail) - 1);
    const float* Bc = B + c0;
    float* Cc = C + c0;
    int r = 0;
    for (; r + R <= M; r += R)
      tile512Rows<R>(nv, K, alpha, A + (size_t)r * lda, lda, Bc, ldb, accumulate, Cc + (size_t)r * ldc, ldc, last);
    const float* Ar = A + (size_t)r * lda;
    float* Cr = Cc + (size_t)r * ldc;
    switch (M - r) {
      case 5: tile512Rows<5>(nv, K, alpha, Ar, lda, Bc, ldb, accumulate, Cr, ldc, last); break;
      case 4: tile512Rows<4>(nv, K, alpha, Ar, lda, Bc, ldb, accumulate, Cr, ldc, last); break;
      case 3: tile512Rows<3>(nv, K, alpha, Ar, lda, Bc, ldb, accumulate, Cr, ldc, last); break;
      case 2: tile512Rows<2>(nv, K, alpha, Ar, lda, Bc, ldb, accumulate, Cr, ldc, last); break;
      case 1: tile512Rows<1>(nv, K, alpha, Ar, lda, Bc, ldb, accumulate, Cr, ldc, last); break;
      default: break;
    }
  }
}

}  // namespace

template <typename T>
void tileGemmNN(int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, bool accumulate, T* C,
                int ldc) {
  if constexpr (std::is_same_v<T, float>) {
    if (activeIsa() == Isa::Avx512) return tileGemm512(M, N, K, alpha, A, lda, B, ldb, accumulate, C, ldc);
  }
  tileRows<T>(M, N, K, alpha, A, lda, B, ldb, accumulate, C, ldc);
}

template void tileGemmNN<float>(int, int, int, float, const float*, int, const float*, int, bool, float*, int);
template void tileGemmNN<double>(int, int, int, double, const double*, int, const double*, int, bool, double*, int);
