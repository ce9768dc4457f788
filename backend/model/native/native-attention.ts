// Fused attention-block ops on the projections' row layout [B, T, heads, D] (reshape of a linear output, no
// transpose): masked grouped-query attention and rotary embedding, each one native call forward and one
// backward (tf.customGrad). Without active native kernels each runs the stock composition from ops.ts.
import { tf, type Tensor } from '../core/tf.js';
import { activeAddon, applyRotaryReference, floats, outArray, outTensor } from './native-fused.js';
import { attention } from '../core/ops.js';

const TO_HEADS = [0, 2, 1, 3];

/** Stock composition of attentionRows: transpose q to heads, ops.attention, transpose back. */
export function attentionRowsReference(q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => tf.transpose(attention(tf.transpose(q, TO_HEADS), k, v, mask), TO_HEADS)); // [B, T, H, D]
}

/** Element strides of mask broadcast to [B, Hkv, G, T, S] (0 on broadcast axes), or null if S is broadcast. */
export function maskStrides(mask: Tensor, full: number[]): Float64Array | null {
  if (mask.rank > 5) return null;
  const shape = [...new Array<number>(5 - mask.rank).fill(1), ...mask.shape];
  if (shape[4] !== full[4]) return null;
  const strides = new Float64Array(4);
  let stride = shape[4];
  for (let d = 3; d >= 0; d--) {
    if (shape[d] !== 1 && shape[d] !== full[d]) return null;
    strides[d] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

/**
 * Scaled dot-product attention with grouped-query heads (query head h uses key/value head floor(h / G)),
 * same maths as ops.attention but on rows: q [B, T, H, D], k/v [B, Hkv, S, D], additive mask broadcastable
 * to [B, Hkv, G, T, S] (no gradient flows to it) → [B, T, H, D].
 */
export function attentionRows(q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor {
  const addon = activeAddon();
  const [B, T, H, D] = q.shape as number[];
  const [kb, Hkv, S, kd] = k.shape as number[];
  const strides = addon && q.rank === 4 && k.rank === 4 && kb === B && kd === D && H % Hkv === 0 && v.shape.join() === k.shape.join()
    ? maskStrides(mask, [B, Hkv, H / Hkv, T, S])
    : null;
  if (!addon || !strides || [q, k, v, mask].some((t) => t.dtype !== 'float32')) return attentionRowsReference(q, k, v, mask);
  const scale = 1 / Math.sqrt(D);
  const f = tf.customGrad(((qq: Tensor, kk: Tensor, vv: Tensor, save: (t: Tensor[]) => void) => {
    const out = outArray(B * T * H * D);
    const probs = new Float32Array(B * H * T * S); // kept in this closure for the backward pass
    addon.attention(floats(qq)!, floats(kk)!, floats(vv)!, floats(mask)!, strides, out, probs, B, T, H, Hkv, S, D, scale);
    save([qq, kk, vv]);
    return {
      value: outTensor(out, qq.shape), // [B, T, H, D]
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sq, sk, sv] = saved;
        const dq = outArray(sq.size);
        const dk = outArray(sk.size);
        const dv = outArray(sv.size);
        addon.attentionBackward(floats(sq)!, floats(sk)!, floats(sv)!, probs, floats(dy)!, dq, dk, dv, B, T, H, Hkv, S, D, scale);
        return [outTensor(dq, sq.shape), outTensor(dk, sk.shape), outTensor(dv, sv.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(q, k, v);
}

/** Stock composition of rotaryRows (ops-free "rotate half" via split/concat on the heads layout). */
export function rotaryRowsReference(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return tf.tidy(() => tf.transpose(applyRotaryReference(tf.transpose(x, TO_HEADS), cos, sin), TO_HEADS)); // [B, T, H, D]
}

/**
 * Rotary embedding ("rotate half", HF Llama) on rows: x [B, T, H, D], cos/sin [B or 1, 1, T, D/2] → [B, T, H, D].
 * Gradient: the inverse rotation (none for cos/sin, which are position tables).
 */
export function rotaryRows(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const addon = activeAddon();
  const [B, T, H, D] = x.shape as number[];
  const cb = cos.shape[0];
  const ok = addon && x.rank === 4 && D % 2 === 0 && cos.rank === 4 && (cb === 1 || cb === B) && cos.shape.join() === sin.shape.join() &&
    cos.shape[1] === 1 && cos.shape[2] === T && cos.shape[3] === D / 2 && [x, cos, sin].every((t) => t.dtype === 'float32');
  if (!ok) return rotaryRowsReference(x, cos, sin);
  const perBatch = cb === B && B > 1;
  const run = (src: Float32Array, c: Tensor, s: Tensor, sign: number) => {
    const out = outArray(src.length);
    addon!.ropeRows(src, floats(c)!, floats(s)!, out, B, T, H, D, perBatch, sign);
    return out;
  };
  const f = tf.customGrad(((xx: Tensor, save: (t: Tensor[]) => void) => {
    save([cos, sin]); // the tables may be tidied away before the backward pass; saved clones keep their data
    return {
      value: outTensor(run(floats(xx)!, cos, sin, 1), xx.shape), // [B, T, H, D]
      gradFunc: (dy: Tensor, saved: Tensor[]) => [outTensor(run(floats(dy)!, saved[0], saved[1], -1), dy.shape)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}
