// Concord's native backend: thin N-API bindings over OpenBLAS (CBLAS) and LAPACKE.
//
// Every function works directly on the memory of the typed arrays it receives (no copies): the JavaScript side
// allocates the outputs and passes row-major dimensions. Functions return LAPACK's `info` (0 = success) and
// leave the interpretation (typed errors) to native-backend.ts. Argument validation lives in TypeScript; the
// checks here only guard against memory overruns if that validation is ever bypassed.
#include <napi.h>
#include <cblas.h>
#include <lapacke.h>

#include "concord_native.h"

#include <cstdint>
#include <string>
#include <vector>

namespace {

bool IsF64(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
}

bool IsF32(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

template <typename T>
T* DataOf(const Napi::Value& v) {
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  return arr.Data();
}

size_t LengthOf(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }

int64_t IntArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }

bool Fail(const Napi::Env& env, const std::string& msg) {
  Napi::TypeError::New(env, "concord_native: " + msg).ThrowAsJavaScriptException();
  return false;
}

// Copy the upper triangle of a row-major n×n matrix into the lower one.
template <typename T>
void MirrorUpper(T* c, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    T* row = c + i * n;
    for (int64_t j = 0; j < i; j++) row[j] = c[j * n + i];
  }
}

// gemm(a, b, c, m, n, k, transA, transB): C (m×n) = op(A)·op(B); A is m×k (or k×m when transposed), B k×n (or n×k).
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) return Fail(env, "gemm expects 8 arguments"), env.Undefined();
  const int64_t m = IntArg(info, 3), n = IntArg(info, 4), k = IntArg(info, 5);
  const bool ta = info[6].ToBoolean(), tb = info[7].ToBoolean();
  if (m < 0 || n < 0 || k < 0) return Fail(env, "gemm: negative dimension"), env.Undefined();
  if (LengthOf(info[0]) < size_t(m * k) || LengthOf(info[1]) < size_t(k * n) || LengthOf(info[2]) < size_t(m * n)) {
    return Fail(env, "gemm: array too short for the dimensions"), env.Undefined();
  }
  if (m == 0 || n == 0) return Napi::Number::New(env, 0);
  // Matrix-vector products go to gemv: OpenBLAS's gemm splits even a one-column product across its threads, which
  // costs more than the product for the small matrices of iterative methods (PLS power iterations, ...).
  if (k > 0 && (n == 1 || m == 1)) {
    // n == 1: c = op(A)·b with A stored (ta ? k×m : m×k). m == 1: cᵀ = op(B)ᵀ·aᵀ with B stored (tb ? n×k : k×n).
    const bool columnCase = n == 1;
    const auto op = columnCase ? (ta ? CblasTrans : CblasNoTrans) : (tb ? CblasNoTrans : CblasTrans);
    const int rows = int(columnCase ? (ta ? k : m) : (tb ? n : k));
    const int cols = int(columnCase ? (ta ? m : k) : (tb ? k : n));
    const int mat = columnCase ? 0 : 1;
    const int vec = columnCase ? 1 : 0;
    if (IsF64(info[0]) && IsF64(info[1]) && IsF64(info[2])) {
      cblas_dgemv(CblasRowMajor, op, rows, cols, 1.0, DataOf<double>(info[mat]), cols, DataOf<double>(info[vec]), 1, 0.0,
                  DataOf<double>(info[2]), 1);
      return Napi::Number::New(env, 0);
    }
    if (IsF32(info[0]) && IsF32(info[1]) && IsF32(info[2])) {
      cblas_sgemv(CblasRowMajor, op, rows, cols, 1.0f, DataOf<float>(info[mat]), cols, DataOf<float>(info[vec]), 1, 0.0f,
                  DataOf<float>(info[2]), 1);
      return Napi::Number::New(env, 0);
    }
  }
  const auto opA = ta ? CblasTrans : CblasNoTrans;
  const auto opB = tb ? CblasTrans : CblasNoTrans;
  const int lda = int(ta ? m : k), ldb = int(tb ? k : n);
  if (IsF64(info[0]) && IsF64(info[1]) && IsF64(info[2])) {
    double* c = DataOf<double>(info[2]);
    if (k == 0) {
      for (int64_t i = 0; i < m * n; i++) c[i] = 0;
    } else {
      cblas_dgemm(CblasRowMajor, opA, opB, int(m), int(n), int(k), 1.0, DataOf<double>(info[0]), lda, DataOf<double>(info[1]),
                  ldb, 0.0, c, int(n));
    }
  } else if (IsF32(info[0]) && IsF32(info[1]) && IsF32(info[2])) {
    float* c = DataOf<float>(info[2]);
    if (k == 0) {
      for (int64_t i = 0; i < m * n; i++) c[i] = 0;
    } else {
      cblas_sgemm(CblasRowMajor, opA, opB, int(m), int(n), int(k), 1.0f, DataOf<float>(info[0]), lda, DataOf<float>(info[1]),
                  ldb, 0.0f, c, int(n));
    }
  } else {
    return Fail(env, "gemm: a, b, c must all be Float64Array or all Float32Array"), env.Undefined();
  }
  return Napi::Number::New(env, 0);
}

// axpy(alpha, x, y): y += alpha·x over the arrays' common length (both Float64Array or both Float32Array).
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsTypedArray())
    return Fail(env, "axpy expects (number, typed array, typed array)"), env.Undefined();
  const double alpha = info[0].As<Napi::Number>().DoubleValue();
  const size_t n = LengthOf(info[1]);
  if (LengthOf(info[2]) != n) return Fail(env, "axpy: x and y differ in length"), env.Undefined();
  if (n > size_t(INT32_MAX)) return Fail(env, "axpy: arrays longer than 2^31 - 1"), env.Undefined();
  if (IsF64(info[1]) && IsF64(info[2])) {
    cblas_daxpy(int(n), alpha, DataOf<double>(info[1]), 1, DataOf<double>(info[2]), 1);
  } else if (IsF32(info[1]) && IsF32(info[2])) {
    cblas_saxpy(int(n), float(alpha), DataOf<float>(info[1]), 1, DataOf<float>(info[2]), 1);
  } else {
    return Fail(env, "axpy: x and y must both be Float64Array or both Float32Array"), env.Undefined();
  }
  return env.Undefined();
}

// syrk(a, c, n, k, trans): C (n×n) = A·Aᵀ for A n×k (trans = false) or Aᵀ·A for A k×n (trans = true); both triangles.
Napi::Value Syrk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Fail(env, "syrk expects 5 arguments"), env.Undefined();
  const int64_t n = IntArg(info, 2), k = IntArg(info, 3);
  const bool trans = info[4].ToBoolean();
  if (n < 0 || k < 0) return Fail(env, "syrk: negative dimension"), env.Undefined();
  if (LengthOf(info[0]) < size_t(n * k) || LengthOf(info[1]) < size_t(n * n)) {
    return Fail(env, "syrk: array too short for the dimensions"), env.Undefined();
  }
  if (n == 0) return Napi::Number::New(env, 0);
  const auto op = trans ? CblasTrans : CblasNoTrans;
  const int lda = int(trans ? n : k);
  if (IsF64(info[0]) && IsF64(info[1])) {
    double* c = DataOf<double>(info[1]);
    if (k == 0) {
      for (int64_t i = 0; i < n * n; i++) c[i] = 0;
    } else {
      cblas_dsyrk(CblasRowMajor, CblasUpper, op, int(n), int(k), 1.0, DataOf<double>(info[0]), lda, 0.0, c, int(n));
      MirrorUpper(c, n);
    }
  } else if (IsF32(info[0]) && IsF32(info[1])) {
    float* c = DataOf<float>(info[1]);
    if (k == 0) {
      for (int64_t i = 0; i < n * n; i++) c[i] = 0;
    } else {
      cblas_ssyrk(CblasRowMajor, CblasUpper, op, int(n), int(k), 1.0f, DataOf<float>(info[0]), lda, 0.0f, c, int(n));
      MirrorUpper(c, n);
    }
  } else {
    return Fail(env, "syrk: a and c must both be Float64Array or both Float32Array"), env.Undefined();
  }
  return Napi::Number::New(env, 0);
}

// eigh(a, w, n): a (n×n, float64, overwritten by eigenvectors as columns), w (n) ascending eigenvalues.
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !IsF64(info[0]) || !IsF64(info[1])) return Fail(env, "eigh expects (Float64Array, Float64Array, n)"), env.Undefined();
  const int64_t n = IntArg(info, 2);
  if (n < 0 || LengthOf(info[0]) < size_t(n * n) || LengthOf(info[1]) < size_t(n)) return Fail(env, "eigh: bad dimensions"), env.Undefined();
  if (n == 0) return Napi::Number::New(env, 0);
  lapack_int r = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', lapack_int(n), DataOf<double>(info[0]), lapack_int(n), DataOf<double>(info[1]));
  return Napi::Number::New(env, r);
}

// svd(a, s, u, vt, m, n): thin SVD of a (m×n, float64, destroyed); u m×k, s k, vt k×n with k = min(m, n).
Napi::Value Svd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !IsF64(info[0]) || !IsF64(info[1]) || !IsF64(info[2]) || !IsF64(info[3])) {
    return Fail(env, "svd expects (Float64Array a, s, u, vt, m, n)"), env.Undefined();
  }
  const int64_t m = IntArg(info, 4), n = IntArg(info, 5);
  const int64_t k = m < n ? m : n;
  if (m < 0 || n < 0 || LengthOf(info[0]) < size_t(m * n) || LengthOf(info[1]) < size_t(k) || LengthOf(info[2]) < size_t(m * k) ||
      LengthOf(info[3]) < size_t(k * n)) {
    return Fail(env, "svd: bad dimensions"), env.Undefined();
  }
  if (k == 0) return Napi::Number::New(env, 0);
  lapack_int r = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', lapack_int(m), lapack_int(n), DataOf<double>(info[0]), lapack_int(n),
                                DataOf<double>(info[1]), DataOf<double>(info[2]), lapack_int(k), DataOf<double>(info[3]), lapack_int(n));
  return Napi::Number::New(env, r);
}

// cholesky(a, n): a (n×n float64) overwritten by the lower factor L (upper triangle zeroed). info > 0: not PD.
Napi::Value Cholesky(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsF64(info[0])) return Fail(env, "cholesky expects (Float64Array, n)"), env.Undefined();
  const int64_t n = IntArg(info, 1);
  if (n < 0 || LengthOf(info[0]) < size_t(n * n)) return Fail(env, "cholesky: bad dimensions"), env.Undefined();
  if (n == 0) return Napi::Number::New(env, 0);
  double* a = DataOf<double>(info[0]);
  lapack_int r = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', lapack_int(n), a, lapack_int(n));
  if (r == 0) {
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) a[i * n + j] = 0;
  }
  return Napi::Number::New(env, r);
}

// inverse(a, n): a (n×n float64) overwritten by its inverse. info > 0: exactly singular (zero pivot).
Napi::Value Inverse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsF64(info[0])) return Fail(env, "inverse expects (Float64Array, n)"), env.Undefined();
  const int64_t n = IntArg(info, 1);
  if (n < 0 || LengthOf(info[0]) < size_t(n * n)) return Fail(env, "inverse: bad dimensions"), env.Undefined();
  if (n == 0) return Napi::Number::New(env, 0);
  double* a = DataOf<double>(info[0]);
  std::vector<lapack_int> ipiv(static_cast<size_t>(n));
  lapack_int r = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, lapack_int(n), lapack_int(n), a, lapack_int(n), ipiv.data());
  if (r != 0) return Napi::Number::New(env, r);
  r = LAPACKE_dgetri(LAPACK_ROW_MAJOR, lapack_int(n), a, lapack_int(n), ipiv.data());
  return Napi::Number::New(env, r);
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), openblas_get_num_threads()); }

Napi::Value Config(const Napi::CallbackInfo& info) {
  const char* c = openblas_get_config();
  return Napi::String::New(info.Env(), c ? c : "OpenBLAS");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("syrk", Napi::Function::New(env, Syrk));
  exports.Set("axpy", Napi::Function::New(env, Axpy));
  exports.Set("eigh", Napi::Function::New(env, Eigh));
  exports.Set("svd", Napi::Function::New(env, Svd));
  exports.Set("cholesky", Napi::Function::New(env, Cholesky));
  exports.Set("inverse", Napi::Function::New(env, Inverse));
  exports.Set("threads", Napi::Function::New(env, Threads));
  exports.Set("config", Napi::Function::New(env, Config));
  exports.Set("averageRanks", Napi::Function::New(env, concord::AverageRanks));
  exports.Set("argsortStable", Napi::Function::New(env, concord::ArgsortStable));
  exports.Set("scanNumericArrays", Napi::Function::New(env, concord::ScanNumericArrays));
  exports.Set("firstNonFinite", Napi::Function::New(env, concord::FirstNonFiniteValue));
  exports.Set("gemmInto", Napi::Function::New(env, concord::GemmInto));
  exports.Set("setThreads", Napi::Function::New(env, concord::SetThreads));
  exports.Set("im2col", Napi::Function::New(env, concord::Im2col));
  exports.Set("col2im", Napi::Function::New(env, concord::Col2im));
  exports.Set("tanhInPlace", Napi::Function::New(env, concord::TanhInPlace));
  exports.Set("adamStep", Napi::Function::New(env, concord::AdamStep));
  return exports;
}

}  // namespace

NODE_API_MODULE(concord_native, Init)
