// N-API bindings: exposes the float kernels of kernels.h to JavaScript. Arguments are typed arrays that the
// caller (backend/model/native-kernels.ts) sizes; lengths are checked here so a bad call throws, never corrupts.
#include <napi.h>
#include <cblas.h>
#include <cstdint>
#include <string>
#include <vector>
#include "kernels.h"

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
}

namespace {

struct View {
  void* data = nullptr;
  size_t length = 0;  // elements
  napi_typedarray_type type = napi_float32_array;
};

bool fail(const Napi::Env& env, const std::string& msg) {
  Napi::TypeError::New(env, "attempt_native: " + msg).ThrowAsJavaScriptException();
  return false;
}

bool view(const Napi::CallbackInfo& info, size_t i, View* out, napi_typedarray_type want, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray()) return fail(info.Env(), std::string(name) + " must be a typed array");
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != want) return fail(info.Env(), std::string(name) + " has the wrong element type");
  out->data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  out->length = ta.ElementLength();
  out->type = want;
  return true;
}

bool view4(const Napi::CallbackInfo& info, size_t i, View* out, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray()) return fail(info.Env(), std::string(name) + " must be a typed array");
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  const auto t = ta.TypedArrayType();
  if (t != napi_float32_array && t != napi_int32_array && t != napi_uint32_array)
    return fail(info.Env(), std::string(name) + " must hold 4-byte elements");
  out->data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  out->length = ta.ElementLength();
  out->type = t;
  return true;
}

bool ints(const Napi::CallbackInfo& info, size_t i, std::vector<int64_t>* out, const char* name) {
  View v;
  if (!view(info, i, &v, napi_float64_array, name)) return false;
  const double* d = static_cast<const double*>(v.data);
  out->assign(d, d + v.length);
  return true;
}

int64_t num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }

#define F(v) static_cast<float*>((v).data)
#define CHECK(cond, msg) \
  if (!(cond)) {         \
    fail(env, msg);      \
    return env.Undefined(); \
  }

// matmul(a, b, out, aOffsets: Float64Array, bOffsets: Float64Array, m, n, k, transA, transB)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View a, b, c;
  std::vector<int64_t> aOff, bOff;
  if (!view(info, 0, &a, napi_float32_array, "a") || !view(info, 1, &b, napi_float32_array, "b") ||
      !view(info, 2, &c, napi_float32_array, "out") || !ints(info, 3, &aOff, "aOffsets") || !ints(info, 4, &bOff, "bOffsets"))
    return env.Undefined();
  const int64_t m = num(info, 5), n = num(info, 6), k = num(info, 7);
  const bool ta = info[8].ToBoolean(), tb = info[9].ToBoolean();
  const int64_t count = static_cast<int64_t>(aOff.size());
  CHECK(bOff.size() == aOff.size(), "offset arrays differ in length");
  CHECK(static_cast<int64_t>(c.length) >= count * m * n, "out is too small");
  for (int64_t i = 0; i < count; ++i) {
    CHECK(aOff[i] >= 0 && aOff[i] + m * k <= static_cast<int64_t>(a.length), "a offset out of range");
    CHECK(bOff[i] >= 0 && bOff[i] + k * n <= static_cast<int64_t>(b.length), "b offset out of range");
  }
  as::matmulBatched(F(a), F(b), F(c), aOff.data(), bOff.data(), count, static_cast<int>(m), static_cast<int>(n),
                    static_cast<int>(k), ta, tb);
  return env.Undefined();
}

int64_t extent(const std::vector<int64_t>& shape, const std::vector<int64_t>& str) {
  int64_t e = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return 0;
    e += (shape[d] - 1) * str[d];
  }
  return e;
}

// binary(op, a, b, out, shape, aStrides, bStrides) — all Float64Array metadata, rank <= 8
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View a, b, c;
  std::vector<int64_t> shape, as_, bs;
  const int op = static_cast<int>(num(info, 0));
  if (!view(info, 1, &a, napi_float32_array, "a") || !view(info, 2, &b, napi_float32_array, "b") ||
      !view(info, 3, &c, napi_float32_array, "out") || !ints(info, 4, &shape, "shape") || !ints(info, 5, &as_, "aStrides") ||
      !ints(info, 6, &bs, "bStrides"))
    return env.Undefined();
  CHECK(shape.size() <= 8 && as_.size() == shape.size() && bs.size() == shape.size(), "bad rank");
  CHECK(op >= as::kAdd && op <= as::kPow, "unknown binary op");
  int64_t total = 1;
  for (int64_t s : shape) total *= s;
  CHECK(static_cast<int64_t>(c.length) >= total, "out is too small");
  if (total > 0) {
    CHECK(extent(shape, as_) <= static_cast<int64_t>(a.length), "a is too small");
    CHECK(extent(shape, bs) <= static_cast<int64_t>(b.length), "b is too small");
  }
  as::binaryStrided(static_cast<as::BinaryOp>(op), F(a), F(b), F(c), static_cast<int>(shape.size()), shape.data(),
                    as_.data(), bs.data());
  return env.Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, o;
  const int op = static_cast<int>(num(info, 0));
  if (!view(info, 1, &x, napi_float32_array, "x") || !view(info, 2, &o, napi_float32_array, "out")) return env.Undefined();
  CHECK(o.length >= x.length, "out is too small");
  CHECK(op >= as::kExp && op <= as::kStep, "unknown unary op");
  const float alpha = info.Length() > 3 ? info[3].As<Napi::Number>().FloatValue() : 0.f;
  as::unary(static_cast<as::UnaryOp>(op), F(x), F(o), static_cast<int64_t>(x.length), alpha);
  return env.Undefined();
}

// transpose(x, out, shape: Float64Array, perm: Int32Array) for any 4-byte element type
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, o, p;
  std::vector<int64_t> shape;
  if (!view4(info, 0, &x, "x") || !view4(info, 1, &o, "out") || !ints(info, 2, &shape, "shape") ||
      !view(info, 3, &p, napi_int32_array, "perm"))
    return env.Undefined();
  CHECK(shape.size() <= 8 && p.length == shape.size(), "bad rank");
  int64_t total = 1;
  for (int64_t s : shape) total *= s;
  CHECK(static_cast<int64_t>(x.length) >= total && static_cast<int64_t>(o.length) >= total, "buffer too small");
  const int32_t* perm = static_cast<const int32_t*>(p.data);
  std::vector<bool> seen(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    CHECK(perm[d] >= 0 && perm[d] < static_cast<int32_t>(shape.size()) && !seen[perm[d]], "perm is not a permutation");
    seen[perm[d]] = true;
  }
  as::transpose32(static_cast<const uint32_t*>(x.data), static_cast<uint32_t*>(o.data), static_cast<int>(shape.size()),
                  shape.data(), perm);
  return env.Undefined();
}

// reduce(op, x, out, outer, mid, inner): reduces the middle axis of [outer, mid, inner]
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, o;
  const int op = static_cast<int>(num(info, 0));
  if (!view(info, 1, &x, napi_float32_array, "x") || !view(info, 2, &o, napi_float32_array, "out")) return env.Undefined();
  const int64_t outer = num(info, 3), mid = num(info, 4), inner = num(info, 5);
  CHECK(op >= as::kSum && op <= as::kProd, "unknown reduce op");
  CHECK(outer >= 0 && mid >= 1 && inner >= 0, "bad reduce extents");
  CHECK(static_cast<int64_t>(x.length) >= outer * mid * inner && static_cast<int64_t>(o.length) >= outer * inner,
        "buffer too small");
  if (inner == 1) as::reduceRows(static_cast<as::ReduceOp>(op), F(x), F(o), outer, mid);
  else as::reduceMiddle(static_cast<as::ReduceOp>(op), F(x), F(o), outer, mid, inner);
  return env.Undefined();
}

// softmax(x, out, rows, cols, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, o;
  if (!view(info, 0, &x, napi_float32_array, "x") || !view(info, 1, &o, napi_float32_array, "out")) return env.Undefined();
  const int64_t rows = num(info, 2), cols = num(info, 3);
  CHECK(rows >= 0 && cols >= 1, "bad softmax extents");
  CHECK(static_cast<int64_t>(x.length) >= rows * cols && static_cast<int64_t>(o.length) >= rows * cols, "buffer too small");
  as::softmaxRows(F(x), F(o), rows, cols, info[4].ToBoolean());
  return env.Undefined();
}

// select(cond: Uint8Array, t, e, out, inner)
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View c, t, e, o;
  if (!view(info, 0, &c, napi_uint8_array, "cond") || !view(info, 1, &t, napi_float32_array, "t") ||
      !view(info, 2, &e, napi_float32_array, "e") || !view(info, 3, &o, napi_float32_array, "out"))
    return env.Undefined();
  const int64_t inner = num(info, 4);
  const int64_t n = static_cast<int64_t>(o.length);
  CHECK(inner >= 1 && static_cast<int64_t>(t.length) >= n && static_cast<int64_t>(e.length) >= n &&
            static_cast<int64_t>(c.length) * inner >= n,
        "buffer too small");
  as::select(static_cast<const uint8_t*>(c.data), F(t), F(e), F(o), n, inner);
  return env.Undefined();
}

// copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape) — 4-byte elements, Float64Array metadata
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View src, dst;
  std::vector<int64_t> ss, ds, shape;
  if (!view4(info, 0, &src, "src") || !ints(info, 2, &ss, "srcStrides") || !view4(info, 3, &dst, "dst") ||
      !ints(info, 5, &ds, "dstStrides") || !ints(info, 6, &shape, "shape"))
    return env.Undefined();
  const int64_t so = num(info, 1), dO = num(info, 4);
  CHECK(shape.size() <= 8 && ss.size() == shape.size() && ds.size() == shape.size(), "bad rank");
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total > 0) {
    CHECK(so >= 0 && so + extent(shape, ss) <= static_cast<int64_t>(src.length), "src region out of range");
    CHECK(dO >= 0 && dO + extent(shape, ds) <= static_cast<int64_t>(dst.length), "dst region out of range");
  }
  as::copyStrided(static_cast<const uint32_t*>(src.data), so, ss.data(), static_cast<uint32_t*>(dst.data), dO, ds.data(),
                  static_cast<int>(shape.size()), shape.data());
  return env.Undefined();
}

// segmentSum(x, segIds: Int32Array, out, inner, numSegments); out must be zeroed by the caller
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, seg, o;
  if (!view(info, 0, &x, napi_float32_array, "x") || !view(info, 1, &seg, napi_int32_array, "segmentIds") ||
      !view(info, 2, &o, napi_float32_array, "out"))
    return env.Undefined();
  const int64_t inner = num(info, 3), numSegments = num(info, 4);
  const int64_t rows = static_cast<int64_t>(seg.length);
  CHECK(inner >= 0 && numSegments >= 0, "bad extents");
  CHECK(static_cast<int64_t>(x.length) >= rows * inner && static_cast<int64_t>(o.length) >= numSegments * inner, "buffer too small");
  as::segmentSum(F(x), static_cast<const int32_t*>(seg.data), F(o), rows, inner, numSegments);
  return env.Undefined();
}

// gather(x, indices: Int32Array, out, outer, axisDim, inner) — 4-byte elements
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View x, idx, o;
  if (!view4(info, 0, &x, "x") || !view(info, 1, &idx, napi_int32_array, "indices") || !view4(info, 2, &o, "out"))
    return env.Undefined();
  const int64_t outer = num(info, 3), axisDim = num(info, 4), inner = num(info, 5);
  const int64_t n = static_cast<int64_t>(idx.length);
  CHECK(outer >= 0 && axisDim >= 0 && inner >= 0, "bad extents");
  CHECK(static_cast<int64_t>(x.length) >= outer * axisDim * inner && static_cast<int64_t>(o.length) >= outer * n * inner,
        "buffer too small");
  as::gatherRows(static_cast<const uint32_t*>(x.data), static_cast<const int32_t*>(idx.data),
                 static_cast<uint32_t*>(o.data), outer, axisDim, n, inner);
  return env.Undefined();
}

bool f32s(const Napi::CallbackInfo& info, std::initializer_list<std::pair<size_t, View*>> list, size_t n) {
  for (auto& [i, v] : list) {
    if (!view(info, i, v, napi_float32_array, "argument")) return false;
    if (v->length < n) return fail(info.Env(), "argument " + std::to_string(i) + " is too small");
  }
  return true;
}

// rmsNormForward(x, w, out, rstd, rows, cols, eps)
Napi::Value RmsNormForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = num(info, 4), cols = num(info, 5);
  CHECK(rows >= 0 && cols >= 1, "bad extents");
  View x, w, o, r;
  if (!f32s(info, {{0, &x}, {2, &o}}, rows * cols) || !f32s(info, {{1, &w}}, cols) || !f32s(info, {{3, &r}}, rows))
    return env.Undefined();
  as::rmsNormForward(F(x), F(w), F(o), F(r), rows, cols, info[6].As<Napi::Number>().FloatValue());
  return env.Undefined();
}

// rmsNormBackward(x, w, rstd, dy, dx, dw, rows, cols)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = num(info, 6), cols = num(info, 7);
  CHECK(rows >= 0 && cols >= 1, "bad extents");
  View x, w, r, dy, dx, dw;
  if (!f32s(info, {{0, &x}, {3, &dy}, {4, &dx}}, rows * cols) || !f32s(info, {{1, &w}, {5, &dw}}, cols) ||
      !f32s(info, {{2, &r}}, rows))
    return env.Undefined();
  as::rmsNormBackward(F(x), F(w), F(r), F(dy), F(dx), F(dw), rows, cols);
  return env.Undefined();
}

// swigluForward(g, u, out) / swigluBackward(g, u, dy, dg, du)
Napi::Value SwigluForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View g, u, o;
  if (!view(info, 0, &g, napi_float32_array, "gate")) return env.Undefined();
  const int64_t n = static_cast<int64_t>(g.length);
  if (!f32s(info, {{1, &u}, {2, &o}}, n)) return env.Undefined();
  as::swigluForward(F(g), F(u), F(o), n);
  return env.Undefined();
}

Napi::Value SwigluBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View g, u, dy, dg, du;
  if (!view(info, 0, &g, napi_float32_array, "gate")) return env.Undefined();
  const int64_t n = static_cast<int64_t>(g.length);
  if (!f32s(info, {{1, &u}, {2, &dy}, {3, &dg}, {4, &du}}, n)) return env.Undefined();
  as::swigluBackward(F(g), F(u), F(dy), F(dg), F(du), n);
  return env.Undefined();
}

// adam(value, grad, m, v, outValue, outM, outV, scalars: Float64Array[8])
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View value, grad, m, v, ov, om, ovv;
  std::vector<int64_t> unused;
  if (!view(info, 0, &value, napi_float32_array, "value")) return env.Undefined();
  const int64_t n = static_cast<int64_t>(value.length);
  if (!f32s(info, {{1, &grad}, {2, &m}, {3, &v}, {4, &ov}, {5, &om}, {6, &ovv}}, n)) return env.Undefined();
  View sc;
  if (!view(info, 7, &sc, napi_float64_array, "scalars")) return env.Undefined();
  CHECK(sc.length == 8, "scalars must have 8 entries");
  const double* d = static_cast<const double*>(sc.data);
  const as::AdamScalars k{static_cast<float>(d[0]), static_cast<float>(d[1]), static_cast<float>(d[2]), static_cast<float>(d[3]),
                          static_cast<float>(d[4]), static_cast<float>(d[5]), static_cast<float>(d[6]), static_cast<float>(d[7])};
  as::adamUpdate(F(value), F(grad), F(m), F(v), F(ov), F(om), F(ovv), n, k);
  return env.Undefined();
}

// rope(x, cos, sin, out, B, H, T, D, perBatch, sign)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t B = num(info, 4), H = num(info, 5), T = num(info, 6), D = num(info, 7);
  const bool perBatch = info[8].ToBoolean();
  CHECK(B >= 0 && H >= 0 && T >= 0 && D >= 2 && D % 2 == 0, "bad rope extents");
  View x, c, s, o;
  if (!f32s(info, {{0, &x}, {3, &o}}, B * H * T * D) || !f32s(info, {{1, &c}, {2, &s}}, (perBatch ? B : 1) * T * (D / 2)))
    return env.Undefined();
  as::rope(F(x), F(c), F(s), F(o), B, H, T, D, perBatch, info[9].As<Napi::Number>().FloatValue());
  return env.Undefined();
}

// attention(q, k, v, mask, maskStrides: Float64Array[4], out, probs, B, T, H, Hkv, S, D, scale[, cap])
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t B = num(info, 7), T = num(info, 8), H = num(info, 9), Hkv = num(info, 10), S = num(info, 11), D = num(info, 12);
  CHECK(B >= 0 && T >= 0 && Hkv >= 1 && H >= Hkv && H % Hkv == 0 && S >= 0 && D >= 1, "bad attention extents");
  std::vector<int64_t> ms;
  if (!ints(info, 4, &ms, "maskStrides")) return env.Undefined();
  CHECK(ms.size() == 4, "maskStrides must have 4 entries");
  // Optional cap (argument 14): k/v hold cap ≥ S columns per head (a KV cache appended in place); default S.
  const int64_t cap = info.Length() > 14 && info[14].IsNumber() ? num(info, 14) : S;
  CHECK(cap >= S, "cap must be at least S");
  View q, k, v, m, o, p;
  if (!f32s(info, {{0, &q}, {5, &o}}, B * T * H * D) || !f32s(info, {{1, &k}, {2, &v}}, B * Hkv * cap * D) ||
      !f32s(info, {{6, &p}}, B * H * T * S) || !f32s(info, {{3, &m}}, 0))
    return env.Undefined();
  if (B > 0 && T > 0 && S > 0) {
    const int64_t last = (B - 1) * ms[0] + (Hkv - 1) * ms[1] + (H / Hkv - 1) * ms[2] + (T - 1) * ms[3] + S;
    CHECK(static_cast<int64_t>(m.length) >= last, "mask is too small for its strides");
  }
  as::attentionForward(F(q), F(k), F(v), F(m), ms.data(), F(o), F(p), B, T, H, Hkv, S, D,
                       info[13].As<Napi::Number>().FloatValue(), cap);
  return env.Undefined();
}

// attentionBackward(q, k, v, probs, dout, dq, dk, dv, B, T, H, Hkv, S, D, scale)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t B = num(info, 8), T = num(info, 9), H = num(info, 10), Hkv = num(info, 11), S = num(info, 12), D = num(info, 13);
  CHECK(B >= 0 && T >= 0 && Hkv >= 1 && H >= Hkv && H % Hkv == 0 && S >= 0 && D >= 1, "bad attention extents");
  View q, k, v, p, go, dq, dk, dv;
  if (!f32s(info, {{0, &q}, {4, &go}, {5, &dq}}, B * T * H * D) || !f32s(info, {{1, &k}, {2, &v}, {6, &dk}, {7, &dv}}, B * Hkv * S * D) ||
      !f32s(info, {{3, &p}}, B * H * T * S))
    return env.Undefined();
  std::vector<float> work(static_cast<size_t>(T * S));
  as::attentionBackward(F(q), F(k), F(v), F(p), F(go), F(dq), F(dk), F(dv), work.data(), B, T, H, Hkv, S, D,
                        info[14].As<Napi::Number>().FloatValue());
  return env.Undefined();
}

// ropeRows(x, cos, sin, out, B, T, H, D, perBatch, sign)
Napi::Value RopeRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t B = num(info, 4), T = num(info, 5), H = num(info, 6), D = num(info, 7);
  const bool perBatch = info[8].ToBoolean();
  CHECK(B >= 0 && H >= 0 && T >= 0 && D >= 2 && D % 2 == 0, "bad rope extents");
  View x, c, s, o;
  if (!f32s(info, {{0, &x}, {3, &o}}, B * T * H * D) || !f32s(info, {{1, &c}, {2, &s}}, (perBatch ? B : 1) * T * (D / 2)))
    return env.Undefined();
  as::ropeRows(F(x), F(c), F(s), F(o), B, T, H, D, perBatch, info[9].As<Napi::Number>().FloatValue());
  return env.Undefined();
}

// logProbPick(x, target: Int32Array, out, lse, rows, V) / logProbPickBackward(x, target, lse, dy, dx, rows, V)
Napi::Value LogProbPick(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = num(info, 4), V = num(info, 5);
  CHECK(rows >= 0 && V >= 1, "bad extents");
  View x, t, o, l;
  if (!f32s(info, {{0, &x}}, rows * V) || !f32s(info, {{2, &o}, {3, &l}}, rows)) return env.Undefined();
  if (!view(info, 1, &t, napi_int32_array, "target")) return env.Undefined();
  CHECK(static_cast<int64_t>(t.length) >= rows, "target is too small");
  as::logProbPickForward(F(x), static_cast<const int32_t*>(t.data), F(o), F(l), rows, V);
  return env.Undefined();
}

Napi::Value LogProbPickBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = num(info, 5), V = num(info, 6);
  CHECK(rows >= 0 && V >= 1, "bad extents");
  View x, t, l, dy, dx;
  if (!f32s(info, {{0, &x}, {4, &dx}}, rows * V) || !f32s(info, {{2, &l}, {3, &dy}}, rows)) return env.Undefined();
  if (!view(info, 1, &t, napi_int32_array, "target")) return env.Undefined();
  CHECK(static_cast<int64_t>(t.length) >= rows, "target is too small");
  as::logProbPickBackward(F(x), static_cast<const int32_t*>(t.data), F(l), F(dy), F(dx), rows, V);
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  openblas_set_num_threads(static_cast<int>(num(info, 0)));
  return info.Env().Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("blas", Napi::String::New(env, openblas_get_config()));
  o.Set("threads", Napi::Number::New(env, openblas_get_num_threads()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("copy", Napi::Function::New(env, Copy));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("rmsNormForward", Napi::Function::New(env, RmsNormForward));
  exports.Set("rmsNormBackward", Napi::Function::New(env, RmsNormBackward));
  exports.Set("swigluForward", Napi::Function::New(env, SwigluForward));
  exports.Set("swigluBackward", Napi::Function::New(env, SwigluBackward));
  exports.Set("rope", Napi::Function::New(env, Rope));
  exports.Set("attention", Napi::Function::New(env, Attention));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward));
  exports.Set("ropeRows", Napi::Function::New(env, RopeRows));
  exports.Set("logProbPick", Napi::Function::New(env, LogProbPick));
  exports.Set("logProbPickBackward", Napi::Function::New(env, LogProbPickBackward));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(attempt_native, Init)
