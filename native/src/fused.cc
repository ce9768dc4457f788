// Fused kernels for what tfjs otherwise builds from many small ops: RMSNorm and SwiGLU (forward and backward)
// and the Adam update. Float operations follow tfjs's op order so results match the unfused graph closely.
#include <cmath>
#include "kernels.h"

namespace as {

void rmsNormForward(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) {
      const float sq = xr[j] * xr[j];
      s += sq;
    }
    const float ms = static_cast<float>(s / static_cast<double>(cols));
    const float rs = 1.f / std::sqrt(ms + eps);
    rstd[r] = rs;
    for (int64_t j = 0; j < cols; ++j) o[j] = (xr[j] * rs) * w[j];
  }
}

// y = x·r·w with r = (mean(x²)+eps)^-½: dx = r·(dy·w) − x·r³·mean(dy·w·x); dw = Σ_rows dy·x·r.
void rmsNormBackward(const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw,
                     int64_t rows, int64_t cols) {
  std::vector<double> dwAcc(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float* g = dy + r * cols;
    float* d = dx + r * cols;
    const double rs = rstd[r];
    double dot = 0;
    for (int64_t j = 0; j < cols; ++j) {
      dot += static_cast<double>(g[j]) * w[j] * xr[j];
      dwAcc[j] += static_cast<double>(g[j]) * xr[j] * rs;
    }
    const double c = rs * rs * rs * dot / static_cast<double>(cols);
    for (int64_t j = 0; j < cols; ++j) d[j] = static_cast<float>(rs * g[j] * w[j] - c * xr[j]);
  }
  for (int64_t j = 0; j < cols; ++j) dw[j] = static_cast<float>(dwAcc[j]);
}

AS_CLONES void swigluForward(const float* g, const float* u, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.f / (1.f + expApprox(-g[i]));
    out[i] = (g[i] * s) * u[i];
  }
}

AS_CLONES void swigluBackward(const float* g, const float* u, const float* dy, float* dg, float* du, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.f / (1.f + expApprox(-g[i]));
    const float silu = g[i] * s;
    du[i] = dy[i] * silu;
    dg[i] = dy[i] * u[i] * (s * (1.f + g[i] * (1.f - s)));
  }
}

// tfjs AdamOptimizer.applyGradients, element-wise, same float op order (no FMA contraction: -ffp-contract=off).
AS_CLONES void adamUpdate(const float* value, const float* grad, const float* m, const float* v, float* outValue,
                          float* outM, float* outV, int64_t n, const AdamScalars& k) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float nm = m[i] * k.beta1 + g * k.oneMinusBeta1;
    const float nv = v[i] * k.beta2 + (g * g) * k.oneMinusBeta2;
    const float bm = nm / k.oneMinusAccBeta1;
    const float bv = nv / k.oneMinusAccBeta2;
    outM[i] = nm;
    outV[i] = nv;
    outValue[i] = (bm / (std::sqrt(bv) + k.epsilon)) * k.negLearningRate + value[i];
  }
}

// Rotary embedding, "rotate half" layout: [x1, x2] → [x1·c − x2·s, x2·c + x1·s] (sign = −1 applies the inverse
// rotation, i.e. the gradient). x/out [B, H, T, D]; cos/sin [cb, 1, T, D/2] with cb ∈ {1, B}.
void rope(const float* x, const float* cos, const float* sin, float* out, int64_t B, int64_t H, int64_t T, int64_t D,
          bool perBatch, float sign) {
  const int64_t half = D / 2;
  for (int64_t b = 0; b < B; ++b) {
    const float* cb = cos + (perBatch ? b * T * half : 0);
    const float* sb = sin + (perBatch ? b * T * half : 0);
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t t = 0; t < T; ++t) {
        const int64_t row = ((b * H + h) * T + t) * D;
        const float* c = cb + t * half;
        const float* s = sb + t * half;
        const float* xr = x + row;
        float* o = out + row;
        for (int64_t i = 0; i < half; ++i) {
          const float si = sign * s[i];
          const float x1 = xr[i], x2 = xr[i + half];
          o[i] = x1 * c[i] - x2 * si;
          o[i + half] = x2 * c[i] + x1 * si;
        }
      }
    }
  }
}

}  // namespace as
