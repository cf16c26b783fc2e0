// Fused kernels of the llama model, each a forward and a backward. Layouts are row-major; activations are
// [rows = B*T, width]. Backward kernels ADD into their gradient outputs (autograd accumulates).
#pragma once
#include <cstdint>

// y = x * rstd * w, rstd = 1 / sqrt(mean(x^2) + eps), per row of width D.
template <typename T>
void rmsNormForward(const T* x, const T* w, T* y, T* rstd, int rows, int D, double eps);
template <typename T>
void rmsNormBackward(const T* dy, const T* x, const T* w, const T* rstd, T* dx, T* dw, int rows, int D);

// RoPE on adjacent pairs (2i, 2i+1) of each head, position = posOffset + row % T, angle = pos * theta^(-2i/hd).
// inverse rotates by -angle (the backward pass). accumulate adds into y instead of overwriting.
template <typename T>
void rope(const T* x, T* y, int rows, int T_, int nHeads, int hd, double theta, int posOffset, bool inverse,
          bool accumulate);

// h = silu(g) * u elementwise.
template <typename T>
void swigluForward(const T* g, const T* u, T* h, int64_t n);
template <typename T>
void swigluBackward(const T* dh, const T* g, const T* u, T* dg, T* du, int64_t n);

// Masked cross-entropy: returns sum_r mask_r * (lse_r - logits_r[target_r]); writes lse. mask may be null (= 1).
template <typename T>
double crossEntropyForward(const T* logits, const int32_t* targets, const T* mask, T* lse, int rows, int V);
// dlogits += scale * mask_r * (softmax(logits_r) - onehot(target_r)).
template <typename T>
void crossEntropyBackward(const T* logits, const int32_t* targets, const T* mask, const T* lse, T* dlogits, int rows,
                          int V, double scale);

template <typename T>
void embeddingForward(const T* W, const int32_t* tokens, T* out, int rows, int D);
template <typename T>
void embeddingBackward(const T* dy, const int32_t* tokens, T* dW, int rows, int D);

// PyTorch's AdamW: p *= 1 - lr*wd; m, v moments; p -= lr * mhat / (sqrt(vhat) + eps).
template <typename T>
void adamwStep(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2, double eps, double wd,
               double biasCorr1, double biasCorr2);

// y += alpha * x; with D < n, x is one row of D broadcast over the n / D rows of y.
template <typename T>
void axpy(T* y, const T* x, double alpha, int64_t n, int64_t D);
// y[j] += sum over rows of x[r, j] (the gradient of a broadcast row).
template <typename T>
void sumRows(T* y, const T* x, int64_t rows, int64_t D);
template <typename T>
double sumSquares(const T* x, int64_t n);
template <typename T>
void scale(T* x, double f, int64_t n);
