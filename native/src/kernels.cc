#include "kernels.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fast-exp.h"

// Large elementwise loops split across threads; small ones are not worth waking the pool for.
#define PAR_IF(n) if ((n) > 65536)

template <typename T>
void rmsNormForward(const T* x, const T* w, T* y, T* rstd, int rows, int D, double eps) {
#pragma omp parallel for schedule(static) PAR_IF((int64_t)rows * D)
  for (int r = 0; r < rows; r++) {
    const T* xr = x + (size_t)r * D;
    T* yr = y + (size_t)r * D;
    T ss = 0;
#pragma omp simd reduction(+ : ss)
    for (int i = 0; i < D; i++) ss += xr[i] * xr[i];
    const T s = T(1) / std::sqrt(ss / T(D) + T(eps));
    rstd[r] = s;
#pragma omp simd
    for (int i = 0; i < D; i++) yr[i] = xr[i] * s * w[i];
  }
}

template <typename T>
void rmsNormBackward(const T* dy, const T* x, const T* w, const T* rstd, T* dx, T* dw, int rows, int D) {
  // dx = rstd * (dy*w) - x * rstd^3 * mean(dy*w*x);  dw = sum_rows dy * x * rstd.
#pragma omp parallel for schedule(static) PAR_IF((int64_t)rows * D)
  for (int r = 0; r < rows; r++) {
    const T* xr = x + (size_t)r * D;
    const T* gr = dy + (size_t)r * D;
    T* dxr = dx + (size_t)r * D;
    const T s = rstd[r];
    T dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int i = 0; i < D; i++) dot += gr[i] * w[i] * xr[i];
    const T c = dot * s * s * s / T(D);
#pragma omp simd
    for (int i = 0; i < D; i++) dxr[i] += s * gr[i] * w[i] - xr[i] * c;
  }
  for (int r = 0; r < rows; r++) {
    const T* xr = x + (size_t)r * D;
    const T* gr = dy + (size_t)r * D;
    const T s = rstd[r];
#pragma omp simd
    for (int i = 0; i < D; i++) dw[i] += gr[i] * xr[i] * s;
  }
}

template <typename T>
void rope(const T* x, T* y, int rows, int T_, int nHeads, int hd, double theta, int posOffset, bool inverse,
          bool accumulate) {
  const int half = hd / 2;
  const int nPos = std::min(rows, T_);
  // The cos/sin table depends only on (positions, head size, theta); training asks for the same one every call.
  struct Table {
    int nPos = -1, half = -1, posOffset = -1;
    double theta = 0;
    std::vector<double> cosT, sinT;
  };
  static thread_local Table tab;
  if (tab.nPos != nPos || tab.half != half || tab.posOffset != posOffset || tab.theta != theta) {
    tab.cosT.resize((size_t)nPos * half);
    tab.sinT.resize((size_t)nPos * half);
    for (int t = 0; t < nPos; t++) {
      for (int i = 0; i < half; i++) {
        // Computed in double as llama.cpp does, so exported models rotate identically.
        const double a = (double)(posOffset + t) * std::pow(theta, -2.0 * i / hd);
        tab.cosT[(size_t)t * half + i] = std::cos(a);
        tab.sinT[(size_t)t * half + i] = std::sin(a);
      }
    }
    tab.nPos = nPos, tab.half = half, tab.posOffset = posOffset, tab.theta = theta;
  }
  std::vector<T> cosT(tab.cosT.begin(), tab.cosT.end()), sinT(tab.sinT.begin(), tab.sinT.end());
  if (inverse)
    for (auto& x : sinT) x = -x;
  const int width = nHeads * hd;
#pragma omp parallel for schedule(static) PAR_IF((int64_t)rows * width)
  for (int r = 0; r < rows; r++) {
    const T* cs = cosT.data() + (size_t)(r % T_) * half;
    const T* sn = sinT.data() + (size_t)(r % T_) * half;
    const T* xr = x + (size_t)r * width;
    T* yr = y + (size_t)r * width;
    for (int h = 0; h < nHeads; h++) {
      const T* xh = xr + h * hd;
      T* yh = yr + h * hd;
      for (int i = 0; i < half; i++) {
        const T x0 = xh[2 * i], x1 = xh[2 * i + 1];
        const T y0 = x0 * cs[i] - x1 * sn[i];
        const T y1 = x0 * sn[i] + x1 * cs[i];
        if (accumulate) {
          yh[2 * i] += y0;
          yh[2 * i + 1] += y1;
        } else {
          yh[2 * i] = y0;
          yh[2 * i + 1] = y1;
        }
      }
    }
  }
}

template <typename T>
void swigluForward(const T* g, const T* u, T* h, int64_t n) {
#pragma omp parallel for simd schedule(static) PAR_IF(n)
  for (int64_t i = 0; i < n; i++) {
    const T sig = T(1) / (T(1) + fastExp(-g[i]));
    h[i] = g[i] * sig * u[i];
  }
}

template <typename T>
void swigluBackward(const T* dh, const T* g, const T* u, T* dg, T* du, int64_t n) {
#pragma omp parallel for simd schedule(static) PAR_IF(n)
  for (int64_t i = 0; i < n; i++) {
    const T sig = T(1) / (T(1) + fastExp(-g[i]));
    const T silu = g[i] * sig;
    du[i] += dh[i] * silu;
    dg[i] += dh[i] * u[i] * sig * (T(1) + g[i] * (T(1) - sig));
  }
}

template <typename T>
double crossEntropyForward(const T* logits, const int32_t* targets, const T* mask, T* lse, int rows, int V) {
  // Per-row losses are summed serially afterwards so the total does not depend on thread scheduling.
  std::vector<double> rowLoss(rows, 0.0);
#pragma omp parallel for schedule(static) PAR_IF((int64_t)rows * V)
  for (int r = 0; r < rows; r++) {
    const T* lr = logits + (size_t)r * V;
    T mx = lr[0];
    for (int i = 1; i < V; i++) mx = std::max(mx, lr[i]);
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int i = 0; i < V; i++) sum += fastExp(lr[i] - mx);
    const T l = mx + std::log(sum);
    lse[r] = l;
    const T m = mask ? mask[r] : T(1);
    if (m != T(0)) rowLoss[r] = (double)m * ((double)l - (double)lr[targets[r]]);
  }
  double total = 0;
  for (int r = 0; r < rows; r++) total += rowLoss[r];
  return total;
}

template <typename T>
void crossEntropyBackward(const T* logits, const int32_t* targets, const T* mask, const T* lse, T* dlogits, int rows,
                          int V, double scale) {
#pragma omp parallel for schedule(static) PAR_IF((int64_t)rows * V)
  for (int r = 0; r < rows; r++) {
    const T m = (mask ? mask[r] : T(1)) * T(scale);
    if (m == T(0)) continue;
    const T* lr = logits + (size_t)r * V;
    T* dr = dlogits + (size_t)r * V;
    const T l = lse[r];
#pragma omp simd
    for (int i = 0; i < V; i++) dr[i] += m * fastExp(lr[i] - l);
    dr[targets[r]] -= m;
  }
}

template <typename T>
void embeddingForward(const T* W, const int32_t* tokens, T* out, int rows, int D) {
  for (int r = 0; r < rows; r++) std::copy(W + (size_t)tokens[r] * D, W + (size_t)(tokens[r] + 1) * D, out + (size_t)r * D);
}

template <typename T>
void embeddingBackward(const T* dy, const int32_t* tokens, T* dW, int rows, int D) {
  for (int r = 0; r < rows; r++) {
    T* dst = dW + (size_t)tokens[r] * D;
    const T* src = dy + (size_t)r * D;
#pragma omp simd
    for (int i = 0; i < D; i++) dst[i] += src[i];
  }
}

template <typename T>
void adamwStep(T* p, const T* g, T* m, T* v, int64_t n, double lr, double beta1, double beta2, double eps, double wd,
               double biasCorr1, double biasCorr2) {
  const T decay = T(1.0 - lr * wd), b1 = T(beta1), b2 = T(beta2), e = T(eps);
  const T stepSize = T(lr / biasCorr1), invSqrtBc2 = T(1.0 / std::sqrt(biasCorr2));
#pragma omp parallel for simd schedule(static) PAR_IF(n)
  for (int64_t i = 0; i < n; i++) {
    const T gi = g[i];
    m[i] = b1 * m[i] + (T(1) - b1) * gi;
    v[i] = b2 * v[i] + (T(1) - b2) * gi * gi;
    p[i] = p[i] * decay - stepSize * m[i] / (std::sqrt(v[i]) * invSqrtBc2 + e);
  }
}

template <typename T>
void axpy(T* y, const T* x, double alpha, int64_t n, int64_t D) {
  const T a = T(alpha);
  if (D >= n) {
#pragma omp parallel for simd schedule(static) PAR_IF(n * 4)
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
    return;
  }
  for (int64_t r = 0; r < n; r += D) {
#pragma omp simd
    for (int64_t j = 0; j < D; j++) y[r + j] += a * x[j];
  }
}

template <typename T>
void sumRows(T* y, const T* x, int64_t rows, int64_t D) {
  for (int64_t r = 0; r < rows; r++) {
#pragma omp simd
    for (int64_t j = 0; j < D; j++) y[j] += x[r * D + j];
  }
}

template <typename T>
double sumSquares(const T* x, int64_t n) {
  // Serial in double, so the norm is the same for any thread count.
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
  return s;
}

template <typename T>
void scale(T* x, double f, int64_t n) {
  const T a = T(f);
#pragma omp simd
  for (int64_t i = 0; i < n; i++) x[i] *= a;
}

#define INSTANTIATE(T)                                                                                                \
  template void rmsNormForward<T>(const T*, const T*, T*, T*, int, int, double);                                     \
  template void rmsNormBackward<T>(const T*, const T*, const T*, const T*, T*, T*, int, int);                        \
  template void rope<T>(const T*, T*, int, int, int, int, double, int, bool, bool);                                  \
  template void swigluForward<T>(const T*, const T*, T*, int64_t);                                                   \
  template void swigluBackward<T>(const T*, const T*, const T*, T*, T*, int64_t);                                    \
  template double crossEntropyForward<T>(const T*, const int32_t*, const T*, T*, int, int);                          \
  template void crossEntropyBackward<T>(const T*, const int32_t*, const T*, const T*, T*, int, int, double);         \
  template void embeddingForward<T>(const T*, const int32_t*, T*, int, int);                                         \
  template void embeddingBackward<T>(const T*, const int32_t*, T*, int, int);                                        \
  template void adamwStep<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, double, double, double); \
  template void axpy<T>(T*, const T*, double, int64_t, int64_t);                                                   \
  template void sumRows<T>(T*, const T*, int64_t, int64_t);                                                         \
  template double sumSquares<T>(const T*, int64_t);                                                                 \
  template void scale<T>(T*, double, int64_t);

INSTANTIATE(float)
INSTANTIATE(double)
