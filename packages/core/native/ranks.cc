// argsortStable(values, order): the indices that sort values ascending, ties in index order (-0 and +0 tie; NaN
// sorts after +Inf). Shares the radix sort below with:
// averageRanks(values, out): 1-based ranks with ties given the mean of the ranks they span (scipy.stats.rankdata
// method='average'); NaN entries get NaN and are left out of the ranking; -0 and +0 tie. The same contract as
// packages/core/src/kernels/ranks.ts, which serves when this addon is absent.
//
// Sorting is an LSD radix sort of order-preserving 64-bit keys (11-bit digits, passes whose digit is constant
// skipped): RDM vectors of a few thousand entries are ranked in tens of microseconds, in hot request paths.
#include "concord_native.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace concord {
namespace {

constexpr int kDigitBits = 11;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kPasses = (64 + kDigitBits - 1) / kDigitBits;

inline uint64_t SortableKey(double v) {
  v += 0.0;  // -0 becomes +0, so the two tie
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  // Negatives: flip every bit; positives: flip the sign bit. Unsigned order of keys = numeric order.
  return (bits >> 63) ? ~bits : (bits | (uint64_t{1} << 63));
}

struct Item {
  uint64_t key;
  uint32_t index;
};

void RadixSort(std::vector<Item>& items) {
  const size_t m = items.size();
  std::vector<Item> scratch(m);
  // One read of the keys fills the histograms of every pass.
  std::vector<uint32_t> counts(static_cast<size_t>(kPasses) * kBuckets, 0);
  for (const Item& it : items)
    for (int p = 0; p < kPasses; p++) counts[p * kBuckets + ((it.key >> (p * kDigitBits)) & (kBuckets - 1))]++;
  Item* src = items.data();
  Item* dst = scratch.data();
  for (int p = 0; p < kPasses; p++) {
    uint32_t* count = &counts[p * kBuckets];
    const int shift = p * kDigitBits;
    if (count[(src[0].key >> shift) & (kBuckets - 1)] == m) continue;  // constant digit: the order stands
    uint32_t sum = 0;
    for (int b = 0; b < kBuckets; b++) {
      const uint32_t c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (size_t k = 0; k < m; k++) dst[count[(src[k].key >> shift) & (kBuckets - 1)]++] = src[k];
    std::swap(src, dst);
  }
  if (src != items.data()) std::memcpy(items.data(), src, m * sizeof(Item));
}

}  // namespace

Napi::Value AverageRanks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto isF64 = [](const Napi::Value& v) {
    return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array;
  };
  if (info.Length() < 2 || !isF64(info[0]) || !isF64(info[1])) {
    Napi::TypeError::New(env, "concord_native: averageRanks expects (Float64Array, Float64Array)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto valuesArray = info[0].As<Napi::Float64Array>();
  auto outArray = info[1].As<Napi::Float64Array>();
  const size_t n = valuesArray.ElementLength();
  if (outArray.ElementLength() != n) {
    Napi::TypeError::New(env, "concord_native: averageRanks: out must have the length of values")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double* values = valuesArray.Data();
  double* out = outArray.Data();
  std::vector<Item> items;
  items.reserve(n);
  for (size_t i = 0; i < n; i++) {
    if (std::isnan(values[i]))
      out[i] = NAN;
    else
      items.push_back({SortableKey(values[i]), static_cast<uint32_t>(i)});
  }
  const size_t m = items.size();
  if (m > 0) RadixSort(items);
  // Runs of equal keys share the rank (first + end - 1) / 2 + 1.
  size_t first = 0;
  while (first < m) {
    size_t end = first + 1;
    while (end < m && items[end].key == items[first].key) end++;
    const double r = (static_cast<double>(first) + static_cast<double>(end) - 1.0) / 2.0 + 1.0;
    for (size_t k = first; k < end; k++) out[items[k].index] = r;
    first = end;
  }
  return env.Undefined();
}

Napi::Value ArgsortStable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool ok = info.Length() >= 2 && info[0].IsTypedArray() && info[1].IsTypedArray() &&
                  info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array &&
                  info[1].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array &&
                  info[0].As<Napi::TypedArray>().ElementLength() == info[1].As<Napi::TypedArray>().ElementLength();
  if (!ok) {
    Napi::TypeError::New(env, "concord_native: argsortStable expects (Float64Array, Uint32Array) of one length")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto valuesArray = info[0].As<Napi::Float64Array>();
  auto orderArray = info[1].As<Napi::Uint32Array>();
  const size_t n = valuesArray.ElementLength();
  const double* values = valuesArray.Data();
  std::vector<Item> items(n);
  for (size_t i = 0; i < n; i++) items[i] = {SortableKey(values[i]), static_cast<uint32_t>(i)};
  if (n > 0) RadixSort(items);  // LSD radix: stable, so equal values keep index order
  uint32_t* order = orderArray.Data();
  for (size_t k = 0; k < n; k++) order[k] = items[k].index;
  return env.Undefined();
}

}  // namespace concord
