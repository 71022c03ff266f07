// scanNumericArrays(bytes, minLength): find the JSON arrays in a UTF-8 JSON text that hold only numbers (at least
// minLength of them) and parse those numbers; everything else is left to JSON.parse. Returns null when there is
// none, else {spans: Uint32Array [start0, end0, start1, end1, ...] (byte offsets, end exclusive, '[' .. ']'),
// offsets: Uint32Array (span k's values are values[offsets[k] .. offsets[k+1])), values: Float64Array}.
//
// Why: a request carrying two 92-condition RDMs is 150 KB of digits. JSON.parse makes a heap number per entry;
// here the digits go straight into one Float64Array (std::from_chars, correctly rounded like JSON.parse). An array
// that is not strictly JSON (a leading '+', "NaN", a number out of double range, ...) is not taken, so JSON.parse
// sees it and answers exactly as it would have.
#include "concord_native.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <vector>

namespace concord {
namespace {

inline bool IsSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }

// End of a JSON number token starting at p (RFC 8259 grammar), or nullptr when the text there is not one.
const uint8_t* NumberEnd(const uint8_t* p, const uint8_t* end) {
  if (p < end && *p == '-') p++;
  if (p >= end) return nullptr;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && IsDigit(*p)) p++;
  } else {
    return nullptr;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) p++;
  }
  return p;
}

// Parse "[n, n, ...]" starting at the '[' at p, appending to values. Returns one past the ']' on success; on
// failure returns nullptr, sets *stop to where scanning should resume and restores values.
const uint8_t* NumericArray(const uint8_t* p, const uint8_t* end, std::vector<double>& values, const uint8_t** stop) {
  const size_t mark = values.size();
  const uint8_t* q = p + 1;
  auto fail = [&](const uint8_t* at) -> const uint8_t* {
    values.resize(mark);
    *stop = at;
    return nullptr;
  };
  while (q < end && IsSpace(*q)) q++;
  if (q < end && *q == ']') return fail(q);  // empty: nothing to gain
  for (;;) {
    const uint8_t* e = NumberEnd(q, end);
    if (e == nullptr) return fail(q > p + 1 ? q : p + 1);
    double v;
    const auto r = std::from_chars(reinterpret_cast<const char*>(q), reinterpret_cast<const char*>(e), v);
    // Out of double range: JSON.parse gives ±Infinity or 0 there; let it.
    if (r.ec != std::errc() || r.ptr != reinterpret_cast<const char*>(e)) return fail(e);
    values.push_back(v);
    q = e;
    while (q < end && IsSpace(*q)) q++;
    if (q >= end) return fail(q);
    if (*q == ']') return q + 1;
    if (*q != ',') return fail(q);
    q++;
    while (q < end && IsSpace(*q)) q++;
  }
}

}  // namespace

Napi::Value ScanNumericArrays(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "concord_native: scanNumericArrays expects (Uint8Array, number)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto bytes = info[0].As<Napi::Uint8Array>();
  const size_t minLength = info[1].As<Napi::Number>().Uint32Value();
  const uint8_t* begin = bytes.Data();
  const uint8_t* end = begin + bytes.ElementLength();
  if (bytes.ElementLength() > 0xFFFFFFFFu) return env.Null();  // offsets are 32-bit
  std::vector<uint32_t> spans;
  std::vector<uint32_t> offsets{0};
  std::vector<double> values;
  const uint8_t* p = begin;
  while (p < end) {
    const uint8_t c = *p;
    if (c == '"') {
      // Skip a string; brackets inside it are text. An unterminated string ends the scan (JSON.parse reports it).
      p++;
      while (p < end && *p != '"') p += (*p == '\\' && end - p >= 2) ? 2 : 1;
      if (p < end) p++;  // the closing quote
      continue;
    }
    if (c != '[') {
      p++;
      continue;
    }
    const size_t before = values.size();
    const uint8_t* stop = nullptr;
    const uint8_t* after = NumericArray(p, end, values, &stop);
    if (after == nullptr) {
      p = stop;  // what was consumed was numbers, commas and spaces: no string or array starts inside it
      continue;
    }
    if (values.size() - before < minLength) {
      values.resize(before);
    } else {
      spans.push_back(static_cast<uint32_t>(p - begin));
      spans.push_back(static_cast<uint32_t>(after - begin));
      offsets.push_back(static_cast<uint32_t>(values.size()));
    }
    p = after;
  }
  if (spans.empty()) return env.Null();
  auto spanArray = Napi::Uint32Array::New(env, spans.size());
  std::memcpy(spanArray.Data(), spans.data(), spans.size() * sizeof(uint32_t));
  auto offsetArray = Napi::Uint32Array::New(env, offsets.size());
  std::memcpy(offsetArray.Data(), offsets.data(), offsets.size() * sizeof(uint32_t));
  auto valueArray = Napi::Float64Array::New(env, values.size());
  std::memcpy(valueArray.Data(), values.data(), values.size() * sizeof(double));
  Napi::Object result = Napi::Object::New(env);
  result.Set("spans", spanArray);
  result.Set("offsets", offsetArray);
  result.Set("values", valueArray);
  return result;
}

}  // namespace concord
