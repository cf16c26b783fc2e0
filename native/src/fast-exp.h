// exp for float that GCC vectorises (no libm call): 2^n * p(r), r = x - n ln2 in [-ln2/2, ln2/2], degree-6
// polynomial, relative error ~2e-7. Used where the count of exps is large (cross-entropy over the vocabulary,
// SiLU). double keeps std::exp, since double is the gradient-check precision.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

inline float fastExp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = std::nearbyint(x * 1.44269504088896341f);
  const float r = std::fma(n, -0.693145751953125f, x) - n * 1.428606765330187045e-06f;
  float p = 1.0f / 720.0f;
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  const int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

inline double fastExp(double x) { return std::exp(x); }
