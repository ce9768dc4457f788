// The transformer's building blocks as small pure functions (RMSNorm, rotary positions, causal GQA attention,
// SwiGLU). Each is a candidate for a fused native kernel later (tf.customGrad), so keep them separate.
import { tf, type Tensor } from './tf.js';

/** Additive mask value for disallowed attention (finite, so a fully masked row gives a uniform, not NaN). */
export const MASKED = -1e9;

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight. x [..., C], weight [C] → [..., C]. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight); // [..., C]
  });
}

/** Rotary tables for positions 0..maxPositions-1: cos/sin of pos·θ^(-2i/D), each [P, D/2] (HF Llama layout). */
export function rotaryTable(
  headDim: number,
  maxPositions: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(theta, (-2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Rotary position embedding in the "rotate half" layout Hugging Face Llama/Qwen2 use:
 * [x1, x2] → [x1·cos − x2·sin, x2·cos + x1·sin]. x [B, H, T, D], cos/sin [B or 1, 1, T, D/2] → [B, H, T, D].
 */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, -1); // [B, H, T, D/2] each
    const r1 = tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)); // [B, H, T, D/2]
    const r2 = tf.add(tf.mul(x2, cos), tf.mul(x1, sin)); // [B, H, T, D/2]
    return tf.concat([r1, r2], -1); // [B, H, T, D]
  });
}

/**
 * Scaled dot-product attention with grouped-query heads: query head h uses key/value head floor(h / G),
 * G = H / Hkv (Hugging Face repeat_kv order). Keys are not repeated: queries are grouped instead, so each
 * step is one batched matMul. mask is additive (0 or MASKED), broadcastable to [B, 1, 1, T, S].
 * q [B, H, T, D], k/v [B, Hkv, S, D] → [B, H, T, D].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, H, T, D] = q.shape as [number, number, number, number];
    const [, Hkv, S] = k.shape as [number, number, number, number];
    const G = H / Hkv;
    const qg = tf.reshape(q, [B, Hkv, G * T, D]); // [B, Hkv, G·T, D]
    const scores = tf.mul(tf.matMul(qg, k, false, true), 1 / Math.sqrt(D)); // [B, Hkv, G·T, S]
    const masked = tf.add(tf.reshape(scores, [B, Hkv, G, T, S]), mask); // [B, Hkv, G, T, S]
    const probs = tf.reshape(tf.softmax(masked, -1), [B, Hkv, G * T, S]); // [B, Hkv, G·T, S]
    return tf.reshape(tf.matMul(probs, v), [B, H, T, D]); // [B, H, T, D]
  });
}

/** Causal additive mask for a full sequence: [1, 1, 1, T, T], 0 on and below the diagonal. */
export function causalMask(T: number): Tensor {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = MASKED;
  return tf.tensor(m, [1, 1, 1, T, T]);
}

/** SwiGLU activation: silu(gate) · up. gate/up [..., F] → [..., F]. */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up)); // [..., F]
}

/** x @ Wᵀ (+ b) with W stored [out, in] as Hugging Face does. x [N, in] → [N, out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return tf.tidy(() => {
    const y = tf.matMul(x, weight, false, true); // [N, out]
    return bias ? tf.add(y, bias) : y;
  });
}
