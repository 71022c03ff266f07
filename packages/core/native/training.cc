// Kernels of the training engine (@concord/learning): products that accumulate into a given output (alpha/beta),
// im2col/col2im for convolutions, the OpenBLAS thread count, and the elementwise steps that dominate an epoch after
// the products (tanh forward, Adam). Row-major throughout; the JavaScript side allocates and validates.
#include <cblas.h>
#include <napi.h>

#include <cmath>
#include <cstdint>

#include "concord_native.h"

extern "C" void openblas_set_num_threads(int);

namespace {

bool IsF64(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
}
bool IsF32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}
template <typename T>
T* DataOf(const Napi::Value& v) {
  return v.As<Napi::TypedArrayOf<T>>().Data();
}
size_t LengthOf(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }
int64_t IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double NumArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
Napi::Value Fail(const Napi::Env& env, const char* msg) {
  Napi::TypeError::New(env, std::string("concord_native: ") + msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

template <typename T>
void Im2colImpl(const T* x, T* cols, int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride, int64_t pad,
                int64_t oh, int64_t ow) {
  // cols is (c·k·k) × (oh·ow): row (ci, ki, kj), column (oy, ox).
  for (int64_t ci = 0; ci < c; ci++)
    for (int64_t ki = 0; ki < k; ki++)
      for (int64_t kj = 0; kj < k; kj++) {
        T* row = cols + ((ci * k + ki) * k + kj) * oh * ow;
        for (int64_t oy = 0; oy < oh; oy++) {
          const int64_t iy = oy * stride - pad + ki;
          T* out = row + oy * ow;
          if (iy < 0 || iy >= h) {
            for (int64_t ox = 0; ox < ow; ox++) out[ox] = 0;
            continue;
          }
          const T* in = x + (ci * h + iy) * w;
          for (int64_t ox = 0; ox < ow; ox++) {
            const int64_t ix = ox * stride - pad + kj;
            out[ox] = (ix >= 0 && ix < w) ? in[ix] : T(0);
          }
        }
      }
}

template <typename T>
void Col2imImpl(const T* cols, T* x, int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride, int64_t pad,
                int64_t oh, int64_t ow) {
  // Accumulates into x (the caller zeroes it).
  for (int64_t ci = 0; ci < c; ci++)
    for (int64_t ki = 0; ki < k; ki++)
      for (int64_t kj = 0; kj < k; kj++) {
        const T* row = cols + ((ci * k + ki) * k + kj) * oh * ow;
        for (int64_t oy = 0; oy < oh; oy++) {
          const int64_t iy = oy * stride - pad + ki;
          if (iy < 0 || iy >= h) continue;
          T* out = x + (ci * h + iy) * w;
          const T* in = row + oy * ow;
          for (int64_t ox = 0; ox < ow; ox++) {
            const int64_t ix = ox * stride - pad + kj;
            if (ix >= 0 && ix < w) out[ix] += in[ox];
          }
        }
      }
}

}  // namespace

namespace concord {

// gemmInto(a, b, c, m, n, k, transA, transB, alpha, beta): C = alpha·op(A)·op(B) + beta·C.
Napi::Value GemmInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) return Fail(env, "gemmInto expects 10 arguments");
  const int64_t m = IntArg(info, 3), n = IntArg(info, 4), k = IntArg(info, 5);
  const bool ta = info[6].ToBoolean(), tb = info[7].ToBoolean();
  const double alpha = NumArg(info, 8), beta = NumArg(info, 9);
  if (m < 0 || n < 0 || k < 0) return Fail(env, "gemmInto: negative dimension");
  if (LengthOf(info[0]) < size_t(m * k) || LengthOf(info[1]) < size_t(k * n) || LengthOf(info[2]) < size_t(m * n))
    return Fail(env, "gemmInto: array too short for the dimensions");
  if (m == 0 || n == 0) return env.Undefined();
  const auto opA = ta ? CblasTrans : CblasNoTrans;
  const auto opB = tb ? CblasTrans : CblasNoTrans;
  const int lda = int(ta ? m : k), ldb = int(tb ? k : n);
  if (IsF32(info[0]) && IsF32(info[1]) && IsF32(info[2])) {
    float* c = DataOf<float>(info[2]);
    if (k == 0) {
      for (int64_t i = 0; i < m * n; i++) c[i] = beta == 0 ? 0.0f : float(beta) * c[i];
    } else {
      cblas_sgemm(CblasRowMajor, opA, opB, int(m), int(n), int(k), float(alpha), DataOf<float>(info[0]), lda,
                  DataOf<float>(info[1]), ldb, float(beta), c, int(n));
    }
  } else if (IsF64(info[0]) && IsF64(info[1]) && IsF64(info[2])) {
    double* c = DataOf<double>(info[2]);
    if (k == 0) {
      for (int64_t i = 0; i < m * n; i++) c[i] = beta == 0 ? 0.0 : beta * c[i];
    } else {
      cblas_dgemm(CblasRowMajor, opA, opB, int(m), int(n), int(k), alpha, DataOf<double>(info[0]), lda,
                  DataOf<double>(info[1]), ldb, beta, c, int(n));
    }
  } else {
    return Fail(env, "gemmInto: a, b, c must all be Float32Array or all Float64Array");
  }
  return env.Undefined();
}

// setThreads(n): OpenBLAS's thread count for this process.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Fail(info.Env(), "setThreads expects a number");
  const int64_t n = IntArg(info, 0);
  if (n < 1) return Fail(info.Env(), "setThreads: n must be >= 1");
  openblas_set_num_threads(int(n));
  return info.Env().Undefined();
}

// im2col(x, cols, c, h, w, k, stride, pad, oh, ow) for one image; col2im(cols, x, ...) accumulates into x.
Napi::Value Im2colOrCol2im(const Napi::CallbackInfo& info, bool forward) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) return Fail(env, "im2col/col2im expects 10 arguments");
  const int64_t c = IntArg(info, 2), h = IntArg(info, 3), w = IntArg(info, 4), k = IntArg(info, 5),
                s = IntArg(info, 6), p = IntArg(info, 7), oh = IntArg(info, 8), ow = IntArg(info, 9);
  if (c < 0 || h < 0 || w < 0 || k < 1 || s < 1 || p < 0 || oh < 0 || ow < 0) return Fail(env, "im2col: bad dims");
  const size_t imageLen = size_t(c * h * w), colsLen = size_t(c * k * k * oh * ow);
  const size_t first = forward ? imageLen : colsLen, second = forward ? colsLen : imageLen;
  if (LengthOf(info[0]) < first || LengthOf(info[1]) < second) return Fail(env, "im2col: array too short");
  if (IsF32(info[0]) && IsF32(info[1])) {
    if (forward)
      Im2colImpl(DataOf<float>(info[0]), DataOf<float>(info[1]), c, h, w, k, s, p, oh, ow);
    else
      Col2imImpl(DataOf<float>(info[0]), DataOf<float>(info[1]), c, h, w, k, s, p, oh, ow);
  } else if (IsF64(info[0]) && IsF64(info[1])) {
    if (forward)
      Im2colImpl(DataOf<double>(info[0]), DataOf<double>(info[1]), c, h, w, k, s, p, oh, ow);
    else
      Col2imImpl(DataOf<double>(info[0]), DataOf<double>(info[1]), c, h, w, k, s, p, oh, ow);
  } else {
    return Fail(env, "im2col: both arrays must be Float32Array or both Float64Array");
  }
  return env.Undefined();
}
Napi::Value Im2col(const Napi::CallbackInfo& info) { return Im2colOrCol2im(info, true); }
Napi::Value Col2im(const Napi::CallbackInfo& info) { return Im2colOrCol2im(info, false); }

// tanhInPlace(x): x = tanh(x) (float32 or float64).
Napi::Value TanhInPlace(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) return Fail(info.Env(), "tanhInPlace expects an array");
  if (IsF32(info[0])) {
    float* x = DataOf<float>(info[0]);
    const size_t n = LengthOf(info[0]);
    for (size_t i = 0; i < n; i++) x[i] = std::tanh(x[i]);
  } else if (IsF64(info[0])) {
    double* x = DataOf<double>(info[0]);
    const size_t n = LengthOf(info[0]);
    for (size_t i = 0; i < n; i++) x[i] = std::tanh(x[i]);
  } else {
    return Fail(info.Env(), "tanhInPlace: expected a Float32Array or Float64Array");
  }
  return info.Env().Undefined();
}

// adamStep(value, grad, m, v, lr, beta1, beta2, eps, weightDecay, bias1, bias2): PyTorch's Adam (L2 weight decay
// added to the gradient), float32 state; bias1 = 1 - beta1^t, bias2 = 1 - beta2^t computed by the caller.
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !IsF32(info[0]) || !IsF32(info[1]) || !IsF32(info[2]) || !IsF32(info[3]))
    return Fail(env, "adamStep expects four Float32Arrays and seven numbers");
  const size_t n = LengthOf(info[0]);
  if (LengthOf(info[1]) != n || LengthOf(info[2]) != n || LengthOf(info[3]) != n)
    return Fail(env, "adamStep: arrays differ in length");
  float* p = DataOf<float>(info[0]);
  const float* g = DataOf<float>(info[1]);
  float* m = DataOf<float>(info[2]);
  float* v = DataOf<float>(info[3]);
  const float lr = float(NumArg(info, 4)), b1 = float(NumArg(info, 5)), b2 = float(NumArg(info, 6)),
              eps = float(NumArg(info, 7)), wd = float(NumArg(info, 8));
  const float bias1 = float(NumArg(info, 9)), bias2 = float(NumArg(info, 10));
  const float stepSize = lr / bias1;
  const float sqrtBias2 = std::sqrt(bias2);
  for (size_t i = 0; i < n; i++) {
    const float gi = wd != 0 ? g[i] + wd * p[i] : g[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    const float denom = std::sqrt(v[i]) / sqrtBias2 + eps;
    p[i] -= stepSize * m[i] / denom;
  }
  return env.Undefined();
}

}  // namespace concord
