// Reductions (sum/mean/max/min/prod) and row softmax; sums accumulate in double like tfjs's cpu kernels.
#include <cmath>
#include <vector>
#include "kernels.h"

namespace as {

void reduceRows(ReduceOp op, const float* x, float* out, int64_t outer, int64_t inner) {
  for (int64_t r = 0; r < outer; ++r) {
    const float* row = x + r * inner;
    switch (op) {
      case kSum:
      case kMean: {
        double s = 0;
        for (int64_t j = 0; j < inner; ++j) s += row[j];
        out[r] = static_cast<float>(op == kMean ? s / static_cast<double>(inner) : s);
        break;
      }
      case kProd: {
        double p = 1;
        for (int64_t j = 0; j < inner; ++j) p *= row[j];
        out[r] = static_cast<float>(p);
        break;
      }
      case kMaxR: {
        float m = row[0];
        for (int64_t j = 0; j < inner; ++j) {
          const float v = row[j];
          if (v != v || v > m) m = v;
        }
        out[r] = m;
        break;
      }
      case kMinR: {
        float m = row[0];
        for (int64_t j = 0; j < inner; ++j) {
          const float v = row[j];
          if (v != v || v < m) m = v;
        }
        out[r] = m;
        break;
      }
    }
  }
}

AS_CLONES static void accumulate(double* acc, const float* row, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += row[i];
}

void reduceMiddle(ReduceOp op, const float* x, float* out, int64_t outer, int64_t mid, int64_t inner) {
  std::vector<double> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    const float* base = x + o * mid * inner;
    float* dst = out + o * inner;
    if (op == kSum || op == kMean) {
      for (int64_t i = 0; i < inner; ++i) acc[i] = 0;
      for (int64_t m = 0; m < mid; ++m) accumulate(acc.data(), base + m * inner, inner);
      const double scale = op == kMean ? 1.0 / static_cast<double>(mid) : 1.0;
      for (int64_t i = 0; i < inner; ++i) dst[i] = static_cast<float>(op == kMean ? acc[i] * scale : acc[i]);
    } else if (op == kProd) {
      for (int64_t i = 0; i < inner; ++i) acc[i] = 1;
      for (int64_t m = 0; m < mid; ++m)
        for (int64_t i = 0; i < inner; ++i) acc[i] *= base[m * inner + i];
      for (int64_t i = 0; i < inner; ++i) dst[i] = static_cast<float>(acc[i]);
    } else {
      const bool isMax = op == kMaxR;
      for (int64_t i = 0; i < inner; ++i) dst[i] = base[i];
      for (int64_t m = 1; m < mid; ++m) {
        const float* row = base + m * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const float v = row[i];
          if (v != v || (isMax ? v > dst[i] : v < dst[i])) dst[i] = v;
        }
      }
    }
  }
}

void softmaxRows(const float* x, float* out, int64_t rows, int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    float* dst = out + r * cols;
    float m = row[0];
    for (int64_t j = 0; j < cols; ++j) {
      const float v = row[j];
      if (v != v || v > m) m = v;
    }
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const float e = std::exp(row[j] - m);
      if (!log) dst[j] = e;
      s += e;
    }
    if (log) {
      const float ls = static_cast<float>(std::log(s));
      for (int64_t j = 0; j < cols; ++j) dst[j] = (row[j] - m) - ls;
    } else {
      const float inv = static_cast<float>(s);
      for (int64_t j = 0; j < cols; ++j) dst[j] = dst[j] / inv;
    }
  }
}

void segmentSum(const float* x, const int32_t* seg, float* out, int64_t rows, int64_t inner, int64_t numSegments) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t s = seg[r];
    if (s < 0 || s >= numSegments) continue;
    float* dst = out + s * inner;
    const float* src = x + r * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] += src[i];
  }
}

}  // namespace as
