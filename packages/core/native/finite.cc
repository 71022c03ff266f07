// firstNonFinite(values: Float32Array | Float64Array): index of the first NaN or ±Inf, or -1.
//
// Why: every activation an extraction keeps is checked (silent NaN from a broken conversion is the commonest wrong
// result); at hundreds of MB per extraction a JavaScript pass costs a noticeable share of the network's own time.
// An exponent field of all ones means NaN or Inf; the OR over a block vectorises, and only a block that has one
// is searched element by element.
#include "concord_native.h"

#include <cstdint>
#include <cstring>

namespace concord {
namespace {

constexpr size_t kBlock = 4096;

template <typename Bits, Bits kExponent>
int64_t FirstNonFinite(const Bits* bits, size_t n) {
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = start + kBlock < n ? start + kBlock : n;
    Bits any = 0;
    for (size_t i = start; i < end; i++) any |= static_cast<Bits>((bits[i] & kExponent) == kExponent);
    if (!any) continue;
    for (size_t i = start; i < end; i++)
      if ((bits[i] & kExponent) == kExponent) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

Napi::Value FirstNonFiniteValue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "concord_native: firstNonFinite expects a Float32Array or Float64Array")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto array = info[0].As<Napi::TypedArray>();
  const size_t n = array.ElementLength();
  const auto* base = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  int64_t at;
  switch (array.TypedArrayType()) {
    case napi_float32_array:
      at = FirstNonFinite<uint32_t, 0x7f800000u>(reinterpret_cast<const uint32_t*>(base), n);
      break;
    case napi_float64_array:
      at = FirstNonFinite<uint64_t, 0x7ff0000000000000ull>(reinterpret_cast<const uint64_t*>(base), n);
      break;
    default:
      Napi::TypeError::New(env, "concord_native: firstNonFinite expects a Float32Array or Float64Array")
          .ThrowAsJavaScriptException();
      return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(at));
}

}  // namespace concord
