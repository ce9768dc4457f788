// Fused transformer pieces that work on the projections' row layout [B, T, heads, D] (no transposes around
// them): masked grouped-query attention (forward and backward via OpenBLAS sgemm per head), rotary embedding
// per row, and the log-probability pick of a target token (log-softmax gather) with its gradient.
#include <cblas.h>
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"

namespace as {

constexpr int64_t kSmallT = 4;

// Σ x over n floats in double, 8 independent lanes (vectorises).
inline double sum8(const float* x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j];
  double s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += x[i];
  return s;
}

// Σ a·b over n floats in double, 8 independent lanes.
inline double dot8d(const float* a, const float* b, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(a[i + j]) * b[i + j];
  double s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// a·b over n floats with 8 independent partial sums (vectorises without -ffast-math; the order differs from a
// sequential sum only by float rounding, as sgemm's does).
inline float dot8(const float* a, const float* b, int64_t n) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t d = 0;
  for (; d + 8 <= n; d += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[d + j] * b[d + j];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; d < n; ++d) s += a[d] * b[d];
  return s;
}

// q/out [B, T, H, D]; k/v [B, Hkv, cap, D] of which the first S columns are used (cap ≥ S: a KV cache with room to
// append in place; cap = S for plain tensors); mask value for (b, kv head, group g, t, s) at
// mask[b·ms[0] + hkv·ms[1] + g·ms[2] + t·ms[3] + s]; probs [B, H, T, S] (kept for the backward pass).
// scores = (q·kᵀ)·scale + mask, softmax over s as tfjs does (max-subtracted exp, divided by the sum).
AS_CLONES void attentionForward(const float* q, const float* k, const float* v, const float* mask, const int64_t* ms, float* out,
                      float* probs, int64_t B, int64_t T, int64_t H, int64_t Hkv, int64_t S, int64_t D, float scale, int64_t cap) {
  const int64_t G = H / Hkv;
  const int64_t ld = H * D;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t hk = h / G, g = h % G;
      const float* qh = q + (b * T * H + h) * D;
      const float* kh = k + (b * Hkv + hk) * cap * D;
      const float* vh = v + (b * Hkv + hk) * cap * D;
      float* p = probs + (b * H + h) * T * S;
      if (T <= kSmallT) {  // decode steps: plain loops beat sgemm's per-call overhead on 1×D·D×S products
        for (int64_t t = 0; t < T; ++t)
          for (int64_t s = 0; s < S; ++s) p[t * S + s] = dot8(qh + t * ld, kh + s * D, D);
      } else if (S > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, S, D, 1.f, qh, ld, kh, D, 0.f, p, S);
      }
      const float* mbase = mask + b * ms[0] + hk * ms[1] + g * ms[2];
      for (int64_t t = 0; t < T; ++t) {
        float* row = p + t * S;
        const float* mrow = mbase + t * ms[3];
        // 8 independent lanes for the max and the sum so the loops vectorise (max is order-free; the double sum
        // differs from a sequential one far below float precision)
        const float ninf = -std::numeric_limits<float>::infinity();
        float ml[8] = {ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf};
        int64_t s = 0;
        for (; s + 8 <= S; s += 8)
          for (int j = 0; j < 8; ++j) {
            const float x = row[s + j] * scale + mrow[s + j];
            row[s + j] = x;
            ml[j] = x > ml[j] ? x : ml[j];
          }
        float mx = ninf;
        for (int j = 0; j < 8; ++j) mx = ml[j] > mx ? ml[j] : mx;
        for (; s < S; ++s) {
          const float x = row[s] * scale + mrow[s];
          row[s] = x;
          mx = x > mx ? x : mx;
        }
        for (int64_t s2 = 0; s2 < S; ++s2) row[s2] = expApprox(row[s2] - mx);
        const double sum = sum8(row, S);  // double accumulation, as tfjs's JavaScript kernels do
        const float fs = static_cast<float>(sum);
        for (int64_t s = 0; s < S; ++s) row[s] = row[s] / fs;
      }
      float* oh = out + (b * T * H + h) * D;
      if (T <= kSmallT) {
        for (int64_t t = 0; t < T; ++t) {
          float* o = oh + t * ld;
          for (int64_t d = 0; d < D; ++d) o[d] = 0.f;
          for (int64_t s = 0; s < S; ++s) {
            const float w = p[t * S + s];
            const float* vr = vh + s * D;
            for (int64_t d = 0; d < D; ++d) o[d] += w * vr[d];
          }
        }
      } else if (S > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, D, S, 1.f, p, S, vh, D, 0.f, oh, ld);
      } else {
        for (int64_t t = 0; t < T; ++t) std::memset(oh + t * ld, 0, sizeof(float) * D);
      }
    }
  }
}

// Gradients of attentionForward: dq [B, T, H, D]; dk/dv [B, Hkv, S, D] (overwritten); work: T·S floats.
AS_CLONES void attentionBackward(const float* q, const float* k, const float* v, const float* probs, const float* dout, float* dq,
                       float* dk, float* dv, float* work, int64_t B, int64_t T, int64_t H, int64_t Hkv, int64_t S,
                       int64_t D, float scale) {
  const int64_t G = H / Hkv;
  const int64_t ld = H * D;
  std::memset(dk, 0, sizeof(float) * B * Hkv * S * D);
  std::memset(dv, 0, sizeof(float) * B * Hkv * S * D);
  if (T == 0 || S == 0) {
    std::memset(dq, 0, sizeof(float) * B * T * H * D);
    return;
  }
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t hk = h / G;
      const float* qh = q + (b * T * H + h) * D;
      const float* kh = k + (b * Hkv + hk) * S * D;
      const float* vh = v + (b * Hkv + hk) * S * D;
      const float* p = probs + (b * H + h) * T * S;
      const float* go = dout + (b * T * H + h) * D;
      float* dkh = dk + (b * Hkv + hk) * S * D;
      float* dvh = dv + (b * Hkv + hk) * S * D;
      // dv += pᵀ·dout; dp = dout·vᵀ
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, D, T, 1.f, p, S, go, ld, 1.f, dvh, D);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, S, D, 1.f, go, ld, vh, D, 0.f, work, S);
      // softmax gradient (dp − Σ dp·p)·p, then the scale of the scores
      for (int64_t t = 0; t < T; ++t) {
        float* w = work + t * S;
        const float* pr = p + t * S;
        const float fd = static_cast<float>(dot8d(w, pr, S));
        for (int64_t s = 0; s < S; ++s) w[s] = (w[s] - fd) * pr[s] * scale;
      }
      // dq = ds·k; dk += dsᵀ·q
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, D, S, 1.f, work, S, kh, D, 0.f, dq + (b * T * H + h) * D, ld);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, D, T, 1.f, work, S, qh, ld, 1.f, dkh, D);
    }
  }
}

// Rotary embedding on rows: x/out [B, T, H, D], cos/sin [cb, T, D/2] (cb ∈ {1, B}); sign −1 = inverse rotation.
void ropeRows(const float* x, const float* cos, const float* sin, float* out, int64_t B, int64_t T, int64_t H, int64_t D,
              bool perBatch, float sign) {
  const int64_t half = D / 2;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      const int64_t tab = ((perBatch ? b : 0) * T + t) * half;
      const float* c = cos + tab;
      const float* s = sin + tab;
      for (int64_t h = 0; h < H; ++h) {
        const int64_t row = ((b * T + t) * H + h) * D;
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

// out[r] = x[r, target[r]] − logsumexp(x[r, :]) (logsumexp = max + log Σ exp(x − max), as tfjs); lse[r] saved.
void logProbPickForward(const float* x, const int32_t* target, float* out, float* lse, int64_t rows, int64_t V) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * V;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < V; ++j) mx = xr[j] > mx ? xr[j] : mx;
    double sum = 0.0;
    for (int64_t j = 0; j < V; ++j) sum += std::exp(xr[j] - mx);
    const float l = static_cast<float>(std::log(static_cast<float>(sum))) + mx;
    lse[r] = l;
    const int32_t t = target[r];
    out[r] = (t >= 0 && t < V ? xr[t] : 0.f) - l;
  }
}

// dx[r, j] = dy[r]·([j = target[r]] − exp(x[r, j] − lse[r])).
void logProbPickBackward(const float* x, const int32_t* target, const float* lse, const float* dy, float* dx, int64_t rows,
                         int64_t V) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * V;
    float* d = dx + r * V;
    const float g = dy[r];
    for (int64_t j = 0; j < V; ++j) d[j] = -g * std::exp(xr[j] - lse[r]);
    const int32_t t = target[r];
    if (t >= 0 && t < V) d[t] += g;
  }
}

}  // namespace as
