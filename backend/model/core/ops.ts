// The transformer's building blocks as small pure functions (RMSNorm, rotary positions, causal GQA attention,
// SwiGLU). Each is a candidate for a fused native kernel later (tf.customGrad), so keep them separate.
import { tf, type Tensor } from './tf.js';
import { inverseFrequencies, type RopeScaling } from './rope-scaling.js';
import { activeAddon, rmsNorm as fusedRmsNorm, swiglu as fusedSwiglu } from '../native/native-fused.js';

/** Swaps the last two axes. [..., M, N] → [..., N, M]. */
function transposeLast(x: Tensor): Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/**
 * a @ b (batched over leading axes), with a gradient that transposes explicitly instead of using matMul's
 * transpose flags, which are several times slower on the wasm and cpu backends. a [..., M, K], b [..., K, N] → [..., M, N].
 */
const mmExplicit: (a: Tensor, b: Tensor) => Tensor = tf.customGrad(((
  a: Tensor,
  b: Tensor,
  save: (t: Tensor[]) => void,
) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b), // [..., M, N]
    gradFunc: (dy: Tensor, saved: Tensor[]) => [
      tf.matMul(dy, transposeLast(saved[1])),
      tf.matMul(transposeLast(saved[0]), dy),
    ],
  };
}) as any) as unknown as (a: Tensor, b: Tensor) => Tensor;

/**
 * a @ b (batched over leading axes). Under native kernels a plain matMul: the native BatchMatMul takes
 * transpose flags at full speed, so tfjs's own gradient (flags, no Transpose kernels) is the cheaper one.
 * a [..., M, K], b [..., K, N] → [..., M, N].
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  return activeAddon() ? tf.matMul(a, b) : mmExplicit(a, b); // [..., M, N]
}

/** Additive mask value for disallowed attention (finite, so a fully masked row gives a uniform, not NaN). */
export const MASKED = -1e9;

/**
 * RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight. x [..., C], weight [C] → [..., C].
 * One fused native op (custom gradient) under the cpu-native runtime; this same composition elsewhere.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return fusedRmsNorm(x, weight, eps);
}

/** Rotary tables for positions 0..maxPositions-1: cos/sin of pos·inv_freq (θ^(-2i/D), scaled), each [P, D/2] (HF Llama layout). */
export function rotaryTable(
  headDim: number,
  maxPositions: number,
  theta: number,
  scaling?: RopeScaling,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const inv = inverseFrequencies(headDim, theta, scaling);
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * inv[i];
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** The [D, D] matrix P with x·P = rotate_half(x) = [−x2, x1]. */
function rotateHalfMatrix(D: number): Tensor {
  const h = D / 2;
  const p = new Float32Array(D * D);
  for (let j = 0; j < h; j++) {
    p[(j + h) * D + j] = -1;
    p[j * D + j + h] = 1;
  }
  return tf.tensor2d(p, [D, D]);
}

/**
 * Rotary position embedding in the "rotate half" layout Hugging Face Llama/Qwen2 use:
 * x·cos + rotate_half(x)·sin with rotate_half([x1, x2]) = [−x2, x1] and cos/sin repeated over both halves.
 * rotate_half is one [D, D] matMul (the tfjs cpu backend slices the last axis slowly). Pass cos/sin already
 * tiled to x's shape for speed (broadcasting also works). x [B, H, T, D], cos/sin [B, H, T, D] → [B, H, T, D].
 */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return tf.tidy(() => {
    const D = x.shape[x.rank - 1];
    const rot = tf.reshape(mm(tf.reshape(x, [-1, D]), rotateHalfMatrix(D)), x.shape); // [B, H, T, D]
    return tf.add(tf.mul(x, cos), tf.mul(rot, sin)); // [B, H, T, D]
  });
}

/** cos/sin [B or 1, 1, T, D/2] → both halves, tiled for H heads: [B, H, T, D] each (built once per forward). */
export function rotaryForHeads(
  cos: Tensor,
  sin: Tensor,
  batch: number,
  heads: number,
): { cos: Tensor; sin: Tensor } {
  return tf.tidy(() => {
    const reps = [batch / cos.shape[0], heads, 1, 1];
    return {
      cos: tf.tile(tf.concat([cos, cos], -1), reps), // [B, H, T, D]
      sin: tf.tile(tf.concat([sin, sin], -1), reps), // [B, H, T, D]
    };
  });
}

/**
 * Scaled dot-product attention with grouped-query heads: query head h uses key/value head floor(h / G),
 * G = H / Hkv (Hugging Face repeat_kv order). Keys are not repeated: queries are grouped instead, so each
 * step is one batched matMul. mask is additive (0 or MASKED), broadcastable to [B, Hkv, G, T, S] (pass it
 * tiled to that shape for speed on the cpu backend).
 * q [B, H, T, D], k/v [B, Hkv, S, D] → [B, H, T, D].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, H, T, D] = q.shape as [number, number, number, number];
    const [, Hkv, S] = k.shape as [number, number, number, number];
    const G = H / Hkv;
    const qg = tf.reshape(q, [B, Hkv, G * T, D]); // [B, Hkv, G·T, D]
    const scores = tf.mul(mm(qg, transposeLast(k)), 1 / Math.sqrt(D)); // [B, Hkv, G·T, S]
    const masked = tf.add(tf.reshape(scores, [B, Hkv, G, T, S]), mask); // [B, Hkv, G, T, S]
    const probs = tf.reshape(tf.softmax(masked, -1), [B, Hkv, G * T, S]); // [B, Hkv, G·T, S]
    return tf.reshape(mm(probs, v), [B, H, T, D]); // [B, H, T, D]
  });
}

/** Causal additive mask for a full sequence: [1, 1, 1, T, T], 0 on and below the diagonal. */
export function causalMask(T: number): Tensor {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = MASKED;
  return tf.tensor(m, [1, 1, 1, T, T]);
}

/** SwiGLU activation: silu(gate) · up, fused natively under cpu-native. gate/up [..., F] → [..., F]. */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  return fusedSwiglu(gate, up);
}

/**
 * x @ Wᵀ (+ b) with W stored [out, in] as Hugging Face does. Transposing W first and multiplying without the
 * transpose flag is several times faster on the wasm and cpu backends. x [N, in] → [N, out].
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  return tf.tidy(() => {
    const y = activeAddon() ? tf.matMul(x, weight, false, true) : mm(x, tf.transpose(weight)); // [N, out]
    return bias ? tf.add(y, bias) : y;
  });
}
