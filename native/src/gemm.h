// Row-major GEMM: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(A)(i,k) = transA ? A[k*lda + i] : A[i*lda + k];  op(B)(k,j) = transB ? B[j*ldb + k] : B[k*ldb + j].
// The three products of a linear layer are NT (forward), NN (input gradient) and TN (weight gradient).
#pragma once

template <typename T>
void gemm(bool transA, bool transB, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
          T* C, int ldc);
