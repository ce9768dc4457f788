// Element-wise kernels: broadcasting binary ops, unary math, select, transpose.
// NaN/Inf follow tfjs's cpu kernels (e.g. Maximum propagates NaN like Math.max).
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"

namespace as {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <BinaryOp OP>
inline float apply(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return (a != a || b != b) ? kNaN : (a > b ? a : b);
  if constexpr (OP == kMin) return (a != a || b != b) ? kNaN : (a < b ? a : b);
  if constexpr (OP == kSquaredDiff) {
    const float d = a - b;
    return d * d;
  }
  if constexpr (OP == kPow) return static_cast<float>(std::pow(static_cast<double>(a), static_cast<double>(b)));
  return 0.f;
}

template <BinaryOp OP>
AS_CLONES void rowBinary(const float* a, const float* b, float* out, int64_t n, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = apply<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<OP>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = apply<OP>(a[i * sa], b[i * sb]);
  }
}

template <BinaryOp OP>
void binaryImpl(const float* a, const float* b, float* out, int rank, const int64_t* shape, const int64_t* aStr,
                const int64_t* bStr) {
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) total *= shape[d];
  if (total == 0) return;
  if (rank == 0) {
    out[0] = apply<OP>(a[0], b[0]);
    return;
  }
  const int last = rank - 1;
  const int64_t n = shape[last];
  int64_t idx[8] = {0};
  int64_t ao = 0, bo = 0;
  for (int64_t o = 0; o < total; o += n) {
    rowBinary<OP>(a + ao, b + bo, out + o, n, aStr[last], bStr[last]);
    for (int d = last - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        ao += aStr[d];
        bo += bStr[d];
        break;
      }
      ao -= aStr[d] * (shape[d] - 1);
      bo -= bStr[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

template <UnaryOp OP>
inline float applyUnary(float x, float alpha) {
  if constexpr (OP == kExp) return std::exp(x);
  if constexpr (OP == kLog) return std::log(x);
  if constexpr (OP == kSqrt) return std::sqrt(x);
  if constexpr (OP == kRsqrt) return 1.f / std::sqrt(x);
  if constexpr (OP == kNeg) return -x;
  if constexpr (OP == kAbs) return std::fabs(x);
  if constexpr (OP == kSquare) return x * x;
  if constexpr (OP == kTanh) return std::tanh(x);
  if constexpr (OP == kSigmoid) return 1.f / (1.f + std::exp(-x));
  if constexpr (OP == kRelu) return x < 0.f ? 0.f : x;
  if constexpr (OP == kReciprocal) return 1.f / x;
  if constexpr (OP == kSin) return std::sin(x);
  if constexpr (OP == kCos) return std::cos(x);
  if constexpr (OP == kLog1p) return std::log1p(x);
  if constexpr (OP == kExpm1) return std::expm1(x);
  if constexpr (OP == kElu) return x >= 0.f ? x : std::expm1(x);
  if constexpr (OP == kStep) return x != x ? kNaN : (x > 0.f ? 1.f : alpha);
  return 0.f;
}

template <UnaryOp OP>
AS_CLONES void unaryImpl(const float* x, float* out, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) out[i] = applyUnary<OP>(x[i], alpha);
}

}  // namespace

void binaryStrided(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape,
                   const int64_t* aStr, const int64_t* bStr) {
  switch (op) {
    case kAdd: return binaryImpl<kAdd>(a, b, out, rank, shape, aStr, bStr);
    case kSub: return binaryImpl<kSub>(a, b, out, rank, shape, aStr, bStr);
    case kMul: return binaryImpl<kMul>(a, b, out, rank, shape, aStr, bStr);
    case kDiv: return binaryImpl<kDiv>(a, b, out, rank, shape, aStr, bStr);
    case kMax: return binaryImpl<kMax>(a, b, out, rank, shape, aStr, bStr);
    case kMin: return binaryImpl<kMin>(a, b, out, rank, shape, aStr, bStr);
    case kSquaredDiff: return binaryImpl<kSquaredDiff>(a, b, out, rank, shape, aStr, bStr);
    case kPow: return binaryImpl<kPow>(a, b, out, rank, shape, aStr, bStr);
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case kExp: return unaryImpl<kExp>(x, out, n, alpha);
    case kLog: return unaryImpl<kLog>(x, out, n, alpha);
    case kSqrt: return unaryImpl<kSqrt>(x, out, n, alpha);
    case kRsqrt: return unaryImpl<kRsqrt>(x, out, n, alpha);
    case kNeg: return unaryImpl<kNeg>(x, out, n, alpha);
    case kAbs: return unaryImpl<kAbs>(x, out, n, alpha);
    case kSquare: return unaryImpl<kSquare>(x, out, n, alpha);
    case kTanh: return unaryImpl<kTanh>(x, out, n, alpha);
    case kSigmoid: return unaryImpl<kSigmoid>(x, out, n, alpha);
    case kRelu: return unaryImpl<kRelu>(x, out, n, alpha);
    case kReciprocal: return unaryImpl<kReciprocal>(x, out, n, alpha);
    case kSin: return unaryImpl<kSin>(x, out, n, alpha);
    case kCos: return unaryImpl<kCos>(x, out, n, alpha);
    case kLog1p: return unaryImpl<kLog1p>(x, out, n, alpha);
    case kExpm1: return unaryImpl<kExpm1>(x, out, n, alpha);
    case kElu: return unaryImpl<kElu>(x, out, n, alpha);
    case kStep: return unaryImpl<kStep>(x, out, n, alpha);
  }
}

void select(const uint8_t* cond, const float* t, const float* e, float* out, int64_t n, int64_t inner) {
  if (inner == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = cond[i] ? t[i] : e[i];
    return;
  }
  for (int64_t i = 0; i < n; i += inner) {
    const float* src = cond[i / inner] ? t : e;
    std::memcpy(out + i, src + i, sizeof(float) * inner);
  }
}

void transpose32(const uint32_t* x, uint32_t* out, int rank, const int64_t* shape, const int32_t* perm) {
  // Collapse output dims that are also adjacent (and in order) in the input.
  int64_t inStr[8];
  int64_t s = 1;
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    inStr[d] = s;
    s *= shape[d];
  }
  total = s;
  if (total == 0) return;
  int64_t oShape[8], oStr[8];  // output dims with their input strides
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    const int64_t dim = shape[perm[d]], str = inStr[perm[d]];
    if (dim == 1) continue;
    if (r > 0 && oStr[r - 1] == str * dim) {
      oShape[r - 1] *= dim;
      oStr[r - 1] = str;
    } else {
      oShape[r] = dim;
      oStr[r] = str;
      ++r;
    }
  }
  if (r <= 1) {
    std::memcpy(out, x, sizeof(uint32_t) * total);
    return;
  }
  const int last = r - 1;
  int64_t idx[8] = {0};
  int64_t io = 0;
  if (oStr[last] == 1) {
    const int64_t n = oShape[last];
    for (int64_t o = 0; o < total; o += n) {
      std::memcpy(out + o, x + io, sizeof(uint32_t) * n);
      for (int d = last - 1; d >= 0; --d) {
        if (++idx[d] < oShape[d]) {
          io += oStr[d];
          break;
        }
        io -= oStr[d] * (oShape[d] - 1);
        idx[d] = 0;
      }
    }
    return;
  }
  const int64_t n = oShape[last], sl = oStr[last];
  for (int64_t o = 0; o < total; o += n) {
    const uint32_t* src = x + io;
    uint32_t* dst = out + o;
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i * sl];
    for (int d = last - 1; d >= 0; --d) {
      if (++idx[d] < oShape[d]) {
        io += oStr[d];
        break;
      }
      io -= oStr[d] * (oShape[d] - 1);
      idx[d] = 0;
    }
  }
}

void copyStrided(const uint32_t* src, int64_t srcOff, const int64_t* srcStr, uint32_t* dst, int64_t dstOff,
                 const int64_t* dstStr, int rank, const int64_t* shape) {
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) total *= shape[d];
  if (total == 0) return;
  if (rank == 0) {
    dst[dstOff] = src[srcOff];
    return;
  }
  const int last = rank - 1;
  const int64_t n = shape[last], ss = srcStr[last], ds = dstStr[last];
  int64_t idx[8] = {0};
  int64_t so = srcOff, dO = dstOff;
  for (int64_t done = 0; done < total; done += n) {
    if (ss == 1 && ds == 1) std::memcpy(dst + dO, src + so, sizeof(uint32_t) * n);
    else for (int64_t i = 0; i < n; ++i) dst[dO + i * ds] = src[so + i * ss];
    for (int d = last - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        so += srcStr[d];
        dO += dstStr[d];
        break;
      }
      so -= srcStr[d] * (shape[d] - 1);
      dO -= dstStr[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

void gatherRows(const uint32_t* x, const int32_t* idx, uint32_t* out, int64_t outer, int64_t axisDim, int64_t nIdx,
                int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < nIdx; ++i) {
      uint32_t* dst = out + (o * nIdx + i) * inner;
      const int64_t j = idx[i];
      if (j < 0 || j >= axisDim) std::memset(dst, 0, sizeof(uint32_t) * inner);
      else std::memcpy(dst, x + (o * axisDim + j) * inner, sizeof(uint32_t) * inner);
    }
  }
}

}  // namespace as
