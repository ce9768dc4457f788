// One whole decoder layer (RMSNorm → q/k/v → rotary → masked GQA attention → o_proj + residual → RMSNorm →
// SwiGLU MLP + residual) as a single custom-gradient op under native kernels: forward and backward are direct
// addon calls on arrays, so a training step runs one tfjs op per layer instead of ~60 (engine bookkeeping, saved
// clones, transposes). Same float operations as the per-op native path; tests compare gradients with stock tfjs.
import { tf, type Tensor } from '../core/tf.js';
import { BINARY_OPS, REDUCE_OPS, type NativeAddon } from './native-addon.js';
import { activeAddon, floats, outTensor } from './native-fused.js';
import { maskStrides } from './native-attention.js';
import { bufferPool } from './native-buffer-pool.js';
import type { ModelConfig } from '../core/config.js';

const ZERO = new Float64Array([0]);
const ONE = new Float64Array([1]);

/** The layer's weights in the order the op takes (and returns gradients for) them; biases only with qkvBias. */
export function layerWeightNames(c: ModelConfig, i: number): string[] {
  const p = `model.layers.${i}.`;
  const names = ['input_layernorm.weight', 'self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight'];
  if (c.qkvBias) names.push('self_attn.q_proj.bias', 'self_attn.k_proj.bias', 'self_attn.v_proj.bias');
  names.push('self_attn.o_proj.weight', 'post_attention_layernorm.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight', 'mlp.down_proj.weight');
  return names.map((n) => p + n);
}

/** Arrays for one layer call, from the buffer pool; all given back after the backward pass. */
class Scratch {
  private readonly held: Float32Array[] = [];
  take(n: number): Float32Array {
    const a = bufferPool.take(n);
    this.held.push(a);
    return a;
  }
  release(): void {
    for (const a of this.held.splice(0)) bufferPool.recycle(a);
  }
}

/** C = op(A)·op(B): A [m, k] (transA: [k, m]), B [k, n] (transB: [n, k]). */
function gemm(addon: NativeAddon, a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float32Array {
  addon.matmul(a, b, c, ZERO, ZERO, m, n, k, ta, tb);
  return c;
}

/** out = a + b elementwise (out may be a). */
function add(addon: NativeAddon, a: Float32Array, b: Float32Array, out: Float32Array): Float32Array {
  addon.binary(BINARY_OPS.Add, a, b, out, new Float64Array([a.length]), ONE, ONE);
  return out;
}

/**
 * The layer on h [N = B·T, C] with rotary tables cos/sin [1 or B, 1, T, D/2] and an additive mask broadcastable
 * to [B, Hkv, G, T, T]; weights as layerWeightNames. Returns h' [N, C], or null where this op does not apply
 * (no native kernels, other dtypes or layouts): the caller then runs the per-op path.
 */
export function nativeLayer(c: ModelConfig, D: number, B: number, T: number, h: Tensor, cos: Tensor, sin: Tensor, mask: Tensor, weights: Tensor[]): Tensor | null {
  const addon = activeAddon();
  const H = c.numHeads;
  const Hkv = c.numKvHeads;
  const G = H / Hkv;
  const cb = cos.shape[0];
  const ms = addon ? maskStrides(mask, [B, Hkv, G, T, T]) : null;
  const tablesOk = cos.rank === 4 && (cb === 1 || cb === B) && cos.shape.join() === sin.shape.join() && cos.shape[2] === T && cos.shape[3] === D / 2;
  if (!addon || !ms || !tablesOk || D % 2 !== 0 || [h, cos, sin, mask, ...weights].some((x) => x.dtype !== 'float32')) return null;
  const N = B * T;
  const C = c.hiddenSize;
  const F = c.intermediateSize;
  const QD = H * D;
  const KD = Hkv * D;
  const perBatch = cb === B && B > 1;
  const eps = c.rmsNormEps;
  const scale = 1 / Math.sqrt(D);
  const rowsToHeads = { shape: new Float64Array([B, T, Hkv, D]), rows: new Float64Array([T * KD, KD, D, 1]), heads: new Float64Array([Hkv * T * D, D, T * D, 1]) };
  const bias = c.qkvBias;
  // No tape (scoring, or the forward of a checkpointed layer): no backward pass will need the intermediates.
  const taping = tf.engine().isTapeOn();
  const f = tf.customGrad(((...args: unknown[]) => {
    const inputs = args.slice(0, -1) as Tensor[];
    const save = args.at(-1) as (t: Tensor[]) => void;
    const s = new Scratch();
    const hv = floats(inputs[0])!;
    const W = inputs.slice(1).map((t) => floats(t)!);
    const [wIn, wq, wk, wv] = W;
    const [bq, bk, bv] = bias ? W.slice(4, 7) : [];
    const [wo, wPost, wg, wu, wd] = W.slice(bias ? 7 : 4);
    const cv = floats(cos)!;
    const sv = floats(sin)!;
    // attention half
    const x1 = s.take(N * C);
    const rstd1 = s.take(N);
    addon.rmsNormForward(hv, wIn, x1, rstd1, N, C, eps);
    const q = gemm(addon, x1, wq, s.take(N * QD), N, QD, C, false, true);
    const k = gemm(addon, x1, wk, s.take(N * KD), N, KD, C, false, true);
    const v = gemm(addon, x1, wv, s.take(N * KD), N, KD, C, false, true);
    if (bias) {
      for (const [y, b, n] of [[q, bq, QD], [k, bk, KD], [v, bv, KD]] as const)
        addon.binary(BINARY_OPS.Add, y, b, y, new Float64Array([N, n]), new Float64Array([n, 1]), new Float64Array([0, 1]));
    }
    addon.ropeRows(q, cv, sv, q, B, T, H, D, perBatch, 1);
    addon.ropeRows(k, cv, sv, k, B, T, Hkv, D, perBatch, 1);
    const kh = s.take(N * KD);
    const vh = s.take(N * KD);
    addon.copy(k, 0, rowsToHeads.rows, kh, 0, rowsToHeads.heads, rowsToHeads.shape);
    addon.copy(v, 0, rowsToHeads.rows, vh, 0, rowsToHeads.heads, rowsToHeads.shape);
    const probs = s.take(B * H * T * T);
    const att = s.take(N * QD);
    addon.attention(q, kh, vh, floats(mask)!, ms, att, probs, B, T, H, Hkv, T, D, scale);
    const hm = add(addon, hv, gemm(addon, att, wo, s.take(N * C), N, C, QD, false, true), s.take(N * C));
    // MLP half
    const x2 = s.take(N * C);
    const rstd2 = s.take(N);
    addon.rmsNormForward(hm, wPost, x2, rstd2, N, C, eps);
    const g = gemm(addon, x2, wg, s.take(N * F), N, F, C, false, true);
    const u = gemm(addon, x2, wu, s.take(N * F), N, F, C, false, true);
    const fa = s.take(N * F);
    addon.swigluForward(g, u, fa);
    const out = bufferPool.take(N * C);
    add(addon, hm, gemm(addon, fa, wd, s.take(N * C), N, C, F, false, true), out);
    if (!taping) s.release();
    save([inputs[0], ...inputs.slice(1), cos, sin]); // h, weights and tables stay alive until the backward pass
    return {
      value: outTensor(out, [N, C]), // [N, C]
      gradFunc: (dyT: Tensor, saved: Tensor[]) => {
        const dy = floats(dyT)!;
        const sh = floats(saved[0])!;
        const SW = saved.slice(1, 1 + W.length).map((t) => floats(t)!);
        const [swIn, swq, swk, swv] = SW;
        const [swo, swPost, swg, swu, swd] = SW.slice(bias ? 7 : 4);
        const scv = floats(saved[saved.length - 2])!;
        const ssv = floats(saved[saved.length - 1])!;
        const t = new Scratch();
        const grads = new Map<Float32Array, Float32Array>(); // weight → gradient array
        const gw = (w: Float32Array, n: number) => {
          const a = bufferPool.take(n);
          grads.set(w, a);
          return a;
        };
        // MLP half: out = hm + down(swiglu(gate(x2), up(x2)))
        const df = gemm(addon, dy, swd, t.take(N * F), N, F, C, false, false);
        gemm(addon, dy, fa, gw(swd, C * F), C, F, N, true, false);
        const dg = t.take(N * F);
        const du = t.take(N * F);
        addon.swigluBackward(g, u, df, dg, du);
        gemm(addon, dg, x2, gw(swg, F * C), F, C, N, true, false);
        gemm(addon, du, x2, gw(swu, F * C), F, C, N, true, false);
        const dx2 = add(addon, gemm(addon, dg, swg, t.take(N * C), N, C, F, false, false), gemm(addon, du, swu, t.take(N * C), N, C, F, false, false), t.take(N * C));
        const dhm = t.take(N * C);
        addon.rmsNormBackward(hm, swPost, rstd2, dx2, dhm, gw(swPost, C), N, C);
        add(addon, dhm, dy, dhm);
        // attention half: hm = h + o_proj(attention(rope(q(x1)), rope(k(x1)), v(x1)))
        const datt = gemm(addon, dhm, swo, t.take(N * QD), N, QD, C, false, false);
        gemm(addon, dhm, att, gw(swo, C * QD), C, QD, N, true, false);
        const dq = t.take(N * QD);
        const dkh = t.take(N * KD);
        const dvh = t.take(N * KD);
        addon.attentionBackward(q, kh, vh, probs, datt, dq, dkh, dvh, B, T, H, Hkv, T, D, scale);
        const dk = t.take(N * KD);
        const dv = t.take(N * KD);
        addon.copy(dkh, 0, rowsToHeads.heads, dk, 0, rowsToHeads.rows, rowsToHeads.shape);
        addon.copy(dvh, 0, rowsToHeads.heads, dv, 0, rowsToHeads.rows, rowsToHeads.shape);
        addon.ropeRows(dq, scv, ssv, dq, B, T, H, D, perBatch, -1);
        addon.ropeRows(dk, scv, ssv, dk, B, T, Hkv, D, perBatch, -1);
        gemm(addon, dq, x1, gw(swq, QD * C), QD, C, N, true, false);
        gemm(addon, dk, x1, gw(swk, KD * C), KD, C, N, true, false);
        gemm(addon, dv, x1, gw(swv, KD * C), KD, C, N, true, false);
        const dx1 = gemm(addon, dq, swq, t.take(N * C), N, C, QD, false, false);
        add(addon, dx1, gemm(addon, dk, swk, t.take(N * C), N, C, KD, false, false), dx1);
        add(addon, dx1, gemm(addon, dv, swv, t.take(N * C), N, C, KD, false, false), dx1);
        const biasGrads = bias
          ? [[dq, QD], [dk, KD], [dv, KD]].map(([d, n]) => {
              const a = bufferPool.take(n as number);
              addon.reduce(REDUCE_OPS.Sum, d as Float32Array, a, 1, N, n as number);
              return a;
            })
          : [];
        const dh = bufferPool.take(N * C);
        addon.rmsNormBackward(sh, swIn, rstd1, dx1, dh, gw(swIn, C), N, C);
        add(addon, dh, dhm, dh);
        t.release();
        s.release();
        const order = [swIn, swq, swk, swv];
        const gradArrays = [...order.map((w) => grads.get(w)!), ...biasGrads, ...[swo, swPost, swg, swu, swd].map((w) => grads.get(w)!)];
        return [outTensor(dh, [N, C]), ...gradArrays.map((a, j) => outTensor(a, saved[1 + j].shape))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(h, ...weights);
}
