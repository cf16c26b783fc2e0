// Node-API bindings: every function takes typed arrays (Float32Array or Float64Array, all of one kind per call)
// plus integer sizes, and writes its outputs in place. Sizes are checked against array lengths here, so a wrong
// call from JS throws instead of reading out of bounds.
#include <malloc.h>
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "attention.h"
#include "fma-peak.h"
#include "gemm.h"
#include "isa.h"
#include "kernels.h"
#include "napi-args.h"

namespace {

// gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args a{info};
  const bool tA = a.flag(0), tB = a.flag(1);
  const int M = a.i32(2), N = a.i32(3), K = a.i32(4);
  const double alpha = a.f64(5);
  const int lda = a.i32(7), ldb = a.i32(9), ldc = a.i32(12);
  const double beta = a.f64(10);
  if (a.failed) return info.Env().Undefined();
  const int64_t needA = tA ? (int64_t)(K - 1) * lda + M : (int64_t)(M - 1) * lda + K;
  const int64_t needB = tB ? (int64_t)(N - 1) * ldb + K : (int64_t)(K - 1) * ldb + N;
  const int64_t needC = (int64_t)(M - 1) * ldc + N;
  DISPATCH(info, 6, {
    const T* A = a.arr<T>(6, needA);
    const T* B = a.arr<T>(8, needB);
    T* C = a.arr<T>(11, needC);
    if (!a.failed) gemm<T>(tA, tB, M, N, K, T(alpha), A, lda, B, ldb, T(beta), C, ldc);
  });
  return info.Env().Undefined();
}

// rmsNormForward(x, w, y, rstd, rows, D, eps)
Napi::Value RmsNormForward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(4), D = a.i32(5);
  const double eps = a.f64(6);
  if (a.failed) return info.Env().Undefined();
  const int64_t n = (int64_t)rows * D;
  DISPATCH(info, 0, {
    const T* x = a.arr<T>(0, n);
    const T* w = a.arr<T>(1, D);
    T* y = a.arr<T>(2, n);
    T* rstd = a.arr<T>(3, rows);
    if (!a.failed) rmsNormForward<T>(x, w, y, rstd, rows, D, eps);
  });
  return info.Env().Undefined();
}

// rmsNormBackward(dy, x, w, rstd, dx, dw, rows, D)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(6), D = a.i32(7);
  if (a.failed) return info.Env().Undefined();
  const int64_t n = (int64_t)rows * D;
  DISPATCH(info, 0, {
    const T* dy = a.arr<T>(0, n);
    const T* x = a.arr<T>(1, n);
    const T* w = a.arr<T>(2, D);
    const T* rstd = a.arr<T>(3, rows);
    T* dx = a.arr<T>(4, n);
    T* dw = a.arr<T>(5, D);
    if (!a.failed) rmsNormBackward<T>(dy, x, w, rstd, dx, dw, rows, D);
  });
  return info.Env().Undefined();
}

// rope(x, y, rows, T, nHeads, hd, theta, posOffset, inverse, accumulate)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(2), T_ = a.i32(3), nHeads = a.i32(4), hd = a.i32(5), posOffset = a.i32(7);
  const double theta = a.f64(6);
  const bool inverse = a.flag(8), accumulate = a.flag(9);
  if (a.failed) return info.Env().Undefined();
  if (T_ <= 0 || hd % 2 != 0) {
    a.fail("rope needs T > 0 and an even head dimension");
    return info.Env().Undefined();
  }
  const int64_t n = (int64_t)rows * nHeads * hd;
  DISPATCH(info, 0, {
    const T* x = a.arr<T>(0, n);
    T* y = a.arr<T>(1, n);
    if (!a.failed) rope<T>(x, y, rows, T_, nHeads, hd, theta, posOffset, inverse, accumulate);
  });
  return info.Env().Undefined();
}

// attentionForward(q, k, v, out, lse|null, B, Tq, Tk, nH, nKv, hd)
Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int B = a.i32(5), Tq = a.i32(6), Tk = a.i32(7), nH = a.i32(8), nKv = a.i32(9), hd = a.i32(10);
  if (a.failed) return info.Env().Undefined();
  if (nKv <= 0 || nH % nKv != 0 || B < 0 || Tq <= 0 || Tk < Tq || hd <= 0) {
    a.fail("attention needs nHeads a multiple of nKvHeads, 0 < Tq <= Tk and hd > 0");
    return info.Env().Undefined();
  }
  const int64_t nq = (int64_t)B * Tq * nH * hd, nk = (int64_t)B * Tk * nKv * hd;
  DISPATCH(info, 0, {
    const T* q = a.arr<T>(0, nq);
    const T* k = a.arr<T>(1, nk);
    const T* v = a.arr<T>(2, nk);
    T* out = a.arr<T>(3, nq);
    T* lse = a.arr<T>(4, (int64_t)B * nH * Tq, true);
    if (!a.failed) attentionForward<T>(q, k, v, out, lse, B, Tq, Tk, nH, nKv, hd);
  });
  return info.Env().Undefined();
}

// attentionBackward(dout, q, k, v, out, lse, dq, dk, dv, B, T, nH, nKv, hd)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int B = a.i32(9), T_ = a.i32(10), nH = a.i32(11), nKv = a.i32(12), hd = a.i32(13);
  if (a.failed) return info.Env().Undefined();
  if (nKv <= 0 || nH % nKv != 0 || B < 0 || T_ <= 0 || hd <= 0) {
    a.fail("attention needs nHeads a multiple of nKvHeads, T > 0 and hd > 0");
    return info.Env().Undefined();
  }
  const int64_t nq = (int64_t)B * T_ * nH * hd, nk = (int64_t)B * T_ * nKv * hd;
  DISPATCH(info, 0, {
    const T* dout = a.arr<T>(0, nq);
    const T* q = a.arr<T>(1, nq);
    const T* k = a.arr<T>(2, nk);
    const T* v = a.arr<T>(3, nk);
    const T* out = a.arr<T>(4, nq);
    const T* lse = a.arr<T>(5, (int64_t)B * nH * T_);
    T* dq = a.arr<T>(6, nq);
    T* dk = a.arr<T>(7, nk);
    T* dv = a.arr<T>(8, nk);
    if (!a.failed) attentionBackward<T>(dout, q, k, v, out, lse, dq, dk, dv, B, T_, nH, nKv, hd);
  });
  return info.Env().Undefined();
}

// swigluForward(g, u, h, n)
Napi::Value SwigluForward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int64_t n = (int64_t)a.f64(3);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const T* g = a.arr<T>(0, n);
    const T* u = a.arr<T>(1, n);
    T* h = a.arr<T>(2, n);
    if (!a.failed) swigluForward<T>(g, u, h, n);
  });
  return info.Env().Undefined();
}

// swigluBackward(dh, g, u, dg, du, n)
Napi::Value SwigluBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int64_t n = (int64_t)a.f64(5);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const T* dh = a.arr<T>(0, n);
    const T* g = a.arr<T>(1, n);
    const T* u = a.arr<T>(2, n);
    T* dg = a.arr<T>(3, n);
    T* du = a.arr<T>(4, n);
    if (!a.failed) swigluBackward<T>(dh, g, u, dg, du, n);
  });
  return info.Env().Undefined();
}

bool checkTargets(Args& a, const int32_t* t, int rows, int V) {
  if (!t) return false;
  for (int r = 0; r < rows; r++) {
    if (t[r] < 0 || t[r] >= V) {
      a.fail("target " + std::to_string(t[r]) + " at row " + std::to_string(r) + " is outside the vocabulary [0, " +
             std::to_string(V) + ")");
      return false;
    }
  }
  return true;
}

// crossEntropyForward(logits, targets, mask|null, lse, rows, V) -> sum of masked token losses
Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(4), V = a.i32(5);
  if (a.failed) return info.Env().Undefined();
  double loss = 0;
  DISPATCH(info, 0, {
    const T* logits = a.arr<T>(0, (int64_t)rows * V);
    const int32_t* targets = a.ints(1, rows);
    const T* mask = a.arr<T>(2, rows, true);
    T* lse = a.arr<T>(3, rows);
    if (!a.failed && checkTargets(a, targets, rows, V))
      loss = crossEntropyForward<T>(logits, targets, mask, lse, rows, V);
  });
  return Napi::Number::New(info.Env(), loss);
}

// crossEntropyBackward(logits, targets, mask|null, lse, dlogits, rows, V, scale)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(5), V = a.i32(6);
  const double scale = a.f64(7);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const T* logits = a.arr<T>(0, (int64_t)rows * V);
    const int32_t* targets = a.ints(1, rows);
    const T* mask = a.arr<T>(2, rows, true);
    const T* lse = a.arr<T>(3, rows);
    T* dlogits = a.arr<T>(4, (int64_t)rows * V);
    if (!a.failed && checkTargets(a, targets, rows, V))
      crossEntropyBackward<T>(logits, targets, mask, lse, dlogits, rows, V, scale);
  });
  return info.Env().Undefined();
}

// embeddingForward(W, tokens, out, rows, D, vocab)
Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(3), D = a.i32(4), V = a.i32(5);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const T* W = a.arr<T>(0, (int64_t)V * D);
    const int32_t* tokens = a.ints(1, rows);
    T* out = a.arr<T>(2, (int64_t)rows * D);
    if (!a.failed && checkTargets(a, tokens, rows, V)) embeddingForward<T>(W, tokens, out, rows, D);
  });
  return info.Env().Undefined();
}

// embeddingBackward(dy, tokens, dW, rows, D, vocab)
Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  Args a{info};
  const int rows = a.i32(3), D = a.i32(4), V = a.i32(5);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const T* dy = a.arr<T>(0, (int64_t)rows * D);
    const int32_t* tokens = a.ints(1, rows);
    T* dW = a.arr<T>(2, (int64_t)V * D);
    if (!a.failed && checkTargets(a, tokens, rows, V)) embeddingBackward<T>(dy, tokens, dW, rows, D);
  });
  return info.Env().Undefined();
}

// adamwStep(p, g, m, v, lr, beta1, beta2, eps, wd, biasCorr1, biasCorr2)
Napi::Value AdamwStep(const Napi::CallbackInfo& info) {
  Args a{info};
  const double lr = a.f64(4), b1 = a.f64(5), b2 = a.f64(6), eps = a.f64(7), wd = a.f64(8), bc1 = a.f64(9),
               bc2 = a.f64(10);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    const int64_t n = info[0].As<Napi::TypedArray>().ElementLength();
    T* p = a.arr<T>(0, n);
    const T* g = a.arr<T>(1, n);
    T* m = a.arr<T>(2, n);
    T* v = a.arr<T>(3, n);
    if (!a.failed) adamwStep<T>(p, g, m, v, n, lr, b1, b2, eps, wd, bc1, bc2);
  });
  return info.Env().Undefined();
}

// axpy(y, x, alpha, n, D): y += alpha x, x broadcast as rows of D when D < n
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args a{info};
  const double alpha = a.f64(2);
  const int64_t n = (int64_t)a.f64(3), D = (int64_t)a.f64(4);
  if (a.failed) return info.Env().Undefined();
  if (D <= 0 || n % D != 0) {
    a.fail("axpy: n must be a multiple of D");
    return info.Env().Undefined();
  }
  DISPATCH(info, 0, {
    T* y = a.arr<T>(0, n);
    const T* x = a.arr<T>(1, std::min(n, D));
    if (!a.failed) axpy<T>(y, x, alpha, n, D);
  });
  return info.Env().Undefined();
}

// sumRows(y, x, rows, D): y[j] += sum_r x[r, j]
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  Args a{info};
  const int64_t rows = (int64_t)a.f64(2), D = (int64_t)a.f64(3);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    T* y = a.arr<T>(0, D);
    const T* x = a.arr<T>(1, rows * D);
    if (!a.failed) sumRows<T>(y, x, rows, D);
  });
  return info.Env().Undefined();
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  double s = 0;
  DISPATCH(info, 0, {
    auto arr = info[0].As<Napi::TypedArrayOf<T>>();
    s = sumSquares<T>(arr.Data(), (int64_t)arr.ElementLength());
  });
  return Napi::Number::New(info.Env(), s);
}

Napi::Value Scale(const Napi::CallbackInfo& info) {
  Args a{info};
  const double f = a.f64(1);
  if (a.failed) return info.Env().Undefined();
  DISPATCH(info, 0, {
    auto arr = info[0].As<Napi::TypedArrayOf<T>>();
    scale<T>(arr.Data(), f, (int64_t)arr.ElementLength());
  });
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args a{info};
  const int n = a.i32(0);
  if (a.failed) return info.Env().Undefined();
  omp_set_num_threads(n < 1 ? 1 : n);
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }

// getIsa() -> "avx512" | "avx2": the instruction set the float kernels run on.
Napi::Value GetIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isaName(activeIsa())); }

// setIsa("avx512" | "avx2") -> whether it is now active (false: this CPU lacks AVX-512).
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (name != "avx2" && name != "avx512") {
    Napi::TypeError::New(info.Env(), "setIsa takes \"avx2\" or \"avx512\"").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), setIsa(name == "avx512" ? Isa::Avx512 : Isa::Avx2));
}

// cpuHasAvx512() -> boolean
Napi::Value CpuHasAvx512(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cpuHasAvx512()); }

// fmaPeakGflops("avx512" | "avx2", seconds) -> one core's float32 FMA GFLOP/s (thread CPU time)
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  Args a{info};
  const double seconds = a.f64(1);
  if (a.failed) return info.Env().Undefined();
  const std::string name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (name == "avx512" && !cpuHasAvx512()) {
    a.fail("this CPU has no AVX-512");
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), fmaPeakGflops(name == "avx512" ? Isa::Avx512 : Isa::Avx2, seconds));
}

// Tensor storage is malloc'd by Node's ArrayBuffer allocator, and a training step allocates and frees hundreds of
// MB of activations and gradients. With glibc's defaults, blocks above the (adaptive) mmap threshold are mapped
// fresh and unmapped on free, so every step page-faults its working set again: measured at 2 x 1,024 tokens,
// ~35,000 faults and ~25% of the step's CPU time in the kernel, and a GEMM writing the 32 MB logits into fresh
// memory ran at 32 GFLOP/s instead of 140. Serving every block from the heap (no mmap) and never trimming it keeps
// the pages mapped for the next step; the same blocks are reused, so the peak RSS does not grow.
void keepFreedMemoryMapped() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  keepFreedMemoryMapped();
  exports.Set("getIsa", Napi::Function::New(env, GetIsa));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("cpuHasAvx512", Napi::Function::New(env, CpuHasAvx512));
  exports.Set("fmaPeakGflops", Napi::Function::New(env, FmaPeak));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("rmsNormForward", Napi::Function::New(env, RmsNormForward));
  exports.Set("rmsNormBackward", Napi::Function::New(env, RmsNormBackward));
  exports.Set("rope", Napi::Function::New(env, Rope));
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward));
  exports.Set("swigluForward", Napi::Function::New(env, SwigluForward));
  exports.Set("swigluBackward", Napi::Function::New(env, SwigluBackward));
  exports.Set("crossEntropyForward", Napi::Function::New(env, CrossEntropyForward));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward));
  exports.Set("embeddingForward", Napi::Function::New(env, EmbeddingForward));
  exports.Set("embeddingBackward", Napi::Function::New(env, EmbeddingBackward));
  exports.Set("adamwStep", Napi::Function::New(env, AdamwStep));
  exports.Set("axpy", Napi::Function::New(env, Axpy));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares));
  exports.Set("scale", Napi::Function::New(env, Scale));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  return exports;
}

}  // namespace

NODE_API_MODULE(ideasteer_engine, Init)
