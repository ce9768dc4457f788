// Plain C++ kernels on float buffers (no N-API here); addon.cc binds them to JavaScript.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
// One binary for every x86-64: an AVX2+FMA clone chosen at load time, the baseline otherwise.
#define AS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define AS_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
// As AS_CLONES plus an AVX-512 clone, for loops whose speed is the vector width (memory-streaming products).
#define AS_CLONES_WIDE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define AS_CLONES_WIDE
#endif

namespace as {

// exp(x) in float without a libm call, so loops over it vectorise (Cephes expf: 2^n·e^r with |r| ≤ ln2/2 and a
// degree-6 polynomial; within 2 ulp of expf on normal results). NaN propagates; x > 88.72 gives +Inf like expf;
// x < −87.33 gives 0 where expf would return a subnormal (< 1.2e−38).
inline float expApprox(float x) {
  const float hi = 88.72283935546875f, lo = -87.33654022216796875f;
  const float xl = x < lo ? lo : x;
  const float xc = xl > hi ? hi : xl;  // NaN stays NaN (returned as is below)
  const float fn = std::floor(xc * 1.44269504088896341f + 0.5f);
  const int32_t n = static_cast<int32_t>(fn);
  const float r = (xc - fn * 0.693359375f) - fn * -2.12194440e-4f;
  const float z = r * r;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * z + r + 1.0f;
  // 2^n with n in [-126, 128]: two factors, so n = 128 (x near hi) does not overflow the exponent field.
  const int32_t n1 = n >> 1, n2 = n - n1;
  const float res = (y * __builtin_bit_cast(float, (n1 + 127) << 23)) * __builtin_bit_cast(float, (n2 + 127) << 23);
  const float big = x > hi ? __builtin_inff() : res;
  const float small = x < lo ? 0.f : big;
  return x != x ? x : small;
}

// Products x·Wᵀ with 2 to this many rows of x stream the weight W [n, k] once (memory-bound: sgemm would pack it).
constexpr int kStreamRows = 16;

// C[i] = op(A[aOff[i]], B[bOff[i]]) for `count` [M,K]x[K,N] products (row-major), C contiguous [count,M,N].
void matmulBatched(const float* a, const float* b, float* c, const int64_t* aOff, const int64_t* bOff, int64_t count,
                   int m, int n, int k, bool transA, bool transB);

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff, kPow };
// out[outShape] = op(a, b) with per-dimension element strides (0 = broadcast), rank <= 8.
void binaryStrided(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape,
                   const int64_t* aStr, const int64_t* bStr);

enum UnaryOp { kExp, kLog, kSqrt, kRsqrt, kNeg, kAbs, kSquare, kTanh, kSigmoid, kRelu, kReciprocal, kSin, kCos, kLog1p, kExpm1, kElu, kStep };
void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha);

// out = permute(x) for 4-byte elements; rank <= 8.
void transpose32(const uint32_t* x, uint32_t* out, int rank, const int64_t* shape, const int32_t* perm);

enum ReduceOp { kSum, kMean, kMaxR, kMinR, kProd };
// Reduces the last `inner` elements of each of `outer` rows (double accumulation like tfjs's cpu kernels).
void reduceRows(ReduceOp op, const float* x, float* out, int64_t outer, int64_t inner);
// Reduces over the middle axis of x viewed as [outer, mid, inner] → [outer, inner].
void reduceMiddle(ReduceOp op, const float* x, float* out, int64_t outer, int64_t mid, int64_t inner);

void softmaxRows(const float* x, float* out, int64_t rows, int64_t cols, bool log);

// out = cond ? t : e, cond broadcast over blocks of `inner` elements (cond has n/inner entries).
void select(const uint8_t* cond, const float* t, const float* e, float* out, int64_t n, int64_t inner);

// dst[dstOff + Σ i_d·dstStr_d] = src[srcOff + Σ i_d·srcStr_d] over `shape` (4-byte elements, rank <= 8).
void copyStrided(const uint32_t* src, int64_t srcOff, const int64_t* srcStr, uint32_t* dst, int64_t dstOff,
                 const int64_t* dstStr, int rank, const int64_t* shape);

// out[seg[i], :] += x[i, :] for rows of `inner` floats; rows with seg outside [0, numSegments) are dropped.
void segmentSum(const float* x, const int32_t* seg, float* out, int64_t rows, int64_t inner, int64_t numSegments);

// out[i, :] = x[idx[i], :] over `outer` batches of [axisDim, inner] (4-byte elements); idx outside → zeros.
void gatherRows(const uint32_t* x, const int32_t* idx, uint32_t* out, int64_t outer, int64_t axisDim, int64_t nIdx,
                int64_t inner);

void rmsNormForward(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols, float eps);
void rmsNormBackward(const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw,
                     int64_t rows, int64_t cols);
void swigluForward(const float* g, const float* u, float* out, int64_t n);
void swigluBackward(const float* g, const float* u, const float* dy, float* dg, float* du, int64_t n);

void rope(const float* x, const float* cos, const float* sin, float* out, int64_t B, int64_t H, int64_t T, int64_t D,
          bool perBatch, float sign);

void attentionForward(const float* q, const float* k, const float* v, const float* mask, const int64_t* maskStrides,
                      float* out, float* probs, int64_t B, int64_t T, int64_t H, int64_t Hkv, int64_t S, int64_t D,
                      float scale, int64_t cap);
void attentionBackward(const float* q, const float* k, const float* v, const float* probs, const float* dout, float* dq,
                       float* dk, float* dv, float* work, int64_t B, int64_t T, int64_t H, int64_t Hkv, int64_t S,
                       int64_t D, float scale);
void ropeRows(const float* x, const float* cos, const float* sin, float* out, int64_t B, int64_t T, int64_t H, int64_t D,
              bool perBatch, float sign);
void logProbPickForward(const float* x, const int32_t* target, float* out, float* lse, int64_t rows, int64_t V);
void logProbPickBackward(const float* x, const int32_t* target, const float* lse, const float* dy, float* dx, int64_t rows,
                         int64_t V);

struct AdamScalars {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negLearningRate;
};
void adamUpdate(const float* value, const float* grad, const float* m, const float* v, float* outValue, float* outM,
                float* outV, int64_t n, const AdamScalars& k);

}  // namespace as
