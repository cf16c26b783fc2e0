// Small row-major products for attention tiles, without packing: C[M, N] = alpha * A[M, K] B[K, N] (+ C when
// accumulate). Meant for M, N, K up to a few hundred with B's rows in L1/L2; the blocked gemm (gemm.h) packs both
// operands first, which for 64 x 64 x 64 tiles cost as much as the arithmetic. Each C element is summed in k order.
#pragma once

template <typename T>
void tileGemmNN(int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, bool accumulate, T* C,
                int ldc);
