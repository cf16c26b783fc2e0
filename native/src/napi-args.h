// Argument checking for the Node-API bindings: typed arrays of the call's dtype with enough elements, numbers,
// and a DISPATCH macro that runs a body with T = float or double by the dtype of one argument.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

enum class DType { F32, F64, Bad };

inline DType dtypeOf(const Napi::Value& v) {
  if (!v.IsTypedArray()) return DType::Bad;
  const auto t = v.As<Napi::TypedArray>().TypedArrayType();
  if (t == napi_float32_array) return DType::F32;
  if (t == napi_float64_array) return DType::F64;
  return DType::Bad;
}

struct Args {
  const Napi::CallbackInfo& info;
  bool failed = false;

  void fail(const std::string& msg) {
    if (!failed) Napi::TypeError::New(info.Env(), msg).ThrowAsJavaScriptException();
    failed = true;
  }
  int i32(size_t i) {
    if (!info[i].IsNumber()) {
      fail("argument " + std::to_string(i) + " must be a number");
      return 0;
    }
    return info[i].As<Napi::Number>().Int32Value();
  }
  double f64(size_t i) {
    if (!info[i].IsNumber()) {
      fail("argument " + std::to_string(i) + " must be a number");
      return 0;
    }
    return info[i].As<Napi::Number>().DoubleValue();
  }
  bool flag(size_t i) { return info[i].ToBoolean().Value(); }
  // A float array of the call's dtype with at least `need` elements; null/undefined allowed when optional.
  template <typename T>
  T* arr(size_t i, int64_t need, bool optional = false) {
    if (optional && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
    constexpr napi_typedarray_type want = sizeof(T) == 4 ? napi_float32_array : napi_float64_array;
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != want) {
      fail("argument " + std::to_string(i) + (sizeof(T) == 4 ? " must be a Float32Array" : " must be a Float64Array"));
      return nullptr;
    }
    auto a = info[i].As<Napi::TypedArrayOf<T>>();
    if ((int64_t)a.ElementLength() < need) {
      fail("argument " + std::to_string(i) + " has " + std::to_string(a.ElementLength()) + " elements, needs " +
           std::to_string(need));
      return nullptr;
    }
    return a.Data();
  }
  int32_t* ints(size_t i, int64_t need) {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      fail("argument " + std::to_string(i) + " must be an Int32Array");
      return nullptr;
    }
    auto a = info[i].As<Napi::Int32Array>();
    if ((int64_t)a.ElementLength() < need) {
      fail("argument " + std::to_string(i) + " is too short");
      return nullptr;
    }
    return a.Data();
  }
};

// Calls body<float> or body<double> by the dtype of argument `probe`.
#define DISPATCH(info, probe, BODY)                                                         \
  switch (dtypeOf(info[probe])) {                                                           \
    case DType::F32: {                                                                      \
      using T = float;                                                                      \
      BODY;                                                                                 \
      break;                                                                                \
    }                                                                                       \
    case DType::F64: {                                                                      \
      using T = double;                                                                     \
      BODY;                                                                                 \
      break;                                                                                \
    }                                                                                       \
    default:                                                                                \
      Napi::TypeError::New(info.Env(), "expected Float32Array or Float64Array").ThrowAsJavaScriptException(); \
  }
