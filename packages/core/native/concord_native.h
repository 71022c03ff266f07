// Entry points of Concord's native addon that live outside concord_native.cc (one concept per file); Init in
// concord_native.cc registers them.
#pragma once
#include <napi.h>

namespace concord {

// averageRanks(values: Float64Array, out: Float64Array): see ranks.cc.
Napi::Value AverageRanks(const Napi::CallbackInfo& info);

// argsortStable(values: Float64Array, order: Uint32Array): see ranks.cc.
Napi::Value ArgsortStable(const Napi::CallbackInfo& info);

// scanNumericArrays(bytes: Uint8Array, minLength: number): see json_numbers.cc.
Napi::Value ScanNumericArrays(const Napi::CallbackInfo& info);

// firstNonFinite(values: Float32Array | Float64Array): see finite.cc.
Napi::Value FirstNonFiniteValue(const Napi::CallbackInfo& info);

// Training kernels (see training.cc): gemmInto, setThreads, im2col, col2im, tanhInPlace, adamStep.
Napi::Value GemmInto(const Napi::CallbackInfo& info);
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value Im2col(const Napi::CallbackInfo& info);
Napi::Value Col2im(const Napi::CallbackInfo& info);
Napi::Value TanhInPlace(const Napi::CallbackInfo& info);
Napi::Value AdamStep(const Napi::CallbackInfo& info);

}  // namespace concord
