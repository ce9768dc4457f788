// Inference-only cached forward pass under native kernels: the KV cache lives in plain arrays with room to grow
// ([B, Hkv, cap, D] per layer, new columns written in place, no per-step concat) and each block of tokens goes
// through the layers as direct addon calls on arrays (no tfjs ops, so no engine bookkeeping per op). Same float
// operations as Transformer.run on the native path (tests compare both against the stock kernels).
import { tf, type Tensor } from '../core/tf.js';
import { BINARY_OPS, type NativeAddon } from './native-addon.js';
import { floats } from './native-fused.js';
import { rotaryTable } from '../core/ops.js';
import type { LayerKv, Transformer } from '../core/transformer.js';

/** Per-layer keys and values in arrays [B, Hkv, cap, D]; columns ≥ `columns` are zero until written. */
export class NativeKvStore {
  readonly k: Float32Array[] = [];
  readonly v: Float32Array[] = [];
  cap: number;

  constructor(
    readonly batchSize: number,
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    cap: number,
  ) {
    this.cap = Math.max(1, cap);
    const n = batchSize * kvHeads * this.cap * headDim;
    for (let l = 0; l < layers; l++) {
      this.k.push(new Float32Array(n)); // zero-filled: unwritten columns must not hold NaN (0·NaN in attention)
      this.v.push(new Float32Array(n));
    }
  }

  /** Room for at least `columns` columns (grows by doubling; the first `used` columns are kept). */
  reserve(columns: number, used: number): void {
    if (columns <= this.cap) return;
    const cap = Math.max(columns, this.cap * 2);
    const { batchSize: B, kvHeads: H, headDim: D } = this;
    const grow = (old: Float32Array) => {
      const out = new Float32Array(B * H * cap * D);
      for (let bh = 0; bh < B * H; bh++) out.set(old.subarray(bh * this.cap * D, bh * this.cap * D + used * D), bh * cap * D);
      return out;
    };
    for (let l = 0; l < this.layers; l++) {
      this.k[l] = grow(this.k[l]);
      this.v[l] = grow(this.v[l]);
    }
    this.cap = cap;
  }

  /** A store holding only `rows` (same capacity and columns). */
  select(rows: number[]): NativeKvStore {
    const sub = new NativeKvStore(rows.length, this.layers, this.kvHeads, this.headDim, this.cap);
    const row = this.kvHeads * this.cap * this.headDim;
    for (let l = 0; l < this.layers; l++)
      rows.forEach((r, j) => {
        sub.k[l].set(this.k[l].subarray(r * row, (r + 1) * row), j * row);
        sub.v[l].set(this.v[l].subarray(r * row, (r + 1) * row), j * row);
      });
    return sub;
  }

  /** Copies sub's rows (made by select(rows)) back over `columns` columns; other rows' new columns stay zero. */
  mergeFrom(sub: NativeKvStore, rows: number[], columns: number, usedHere: number): void {
    this.reserve(Math.max(sub.cap, columns), usedHere);
    const D = this.headDim;
    const n = columns * D;
    for (let l = 0; l < this.layers; l++)
      rows.forEach((r, j) => {
        for (let h = 0; h < this.kvHeads; h++) {
          const src = (j * this.kvHeads + h) * sub.cap * D;
          const dst = (r * this.kvHeads + h) * this.cap * D;
          this.k[l].set(sub.k[l].subarray(src, src + n), dst);
          this.v[l].set(sub.v[l].subarray(src, src + n), dst);
        }
      });
  }

  /** The first `columns` columns as tensors [B, Hkv, S, D] (for the stock path if native kernels go away). */
  toLayers(columns: number): LayerKv[] {
    const { batchSize: B, kvHeads: H, headDim: D, cap } = this;
    const take = (a: Float32Array) => {
      const out = new Float32Array(B * H * columns * D);
      for (let bh = 0; bh < B * H; bh++) out.set(a.subarray(bh * cap * D, bh * cap * D + columns * D), bh * columns * D);
      return tf.tensor(out, [B, H, columns, D]);
    };
    return this.k.map((k, l) => ({ k: take(k), v: take(this.v[l]) }));
  }
}

const tables = new WeakMap<Transformer, { cos: Float32Array; sin: Float32Array }>();

/** Per layer: [Wq; Wk; Wv] as one [QD + 2·KD, C] matrix and [Wgate; Wup] as one [2F, C] (one GEMM each). */
interface Stacked {
  sources: object[]; // the variables' dataIds when stacked: an optimizer step assigns new ones
  qkv: Float32Array[];
  gateUp: Float32Array[];
}
const stackedWeights = new WeakMap<Transformer, Stacked>();

function stack(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Stacked copies cost memory: beyond stackMaxFloats (default 64 MB) the projections run as separate GEMMs. */
export const nativeDecodeLimits = { stackMaxFloats: 16 * 1024 * 1024 };

/** The model's stacked projection weights (rebuilt when a source variable changed), or null for large models. */
function stackedFor(model: Transformer): Stacked | null {
  const c = model.config;
  const L = c.numLayers;
  const D = model.headDim;
  if (L * c.hiddenSize * ((c.numHeads + 2 * c.numKvHeads) * D + 2 * c.intermediateSize) > nativeDecodeLimits.stackMaxFloats) return null;
  const vars: tf.Variable[] = [];
  for (let i = 0; i < L; i++)
    for (const n of ['self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight', 'mlp.gate_proj.weight', 'mlp.up_proj.weight'])
      vars.push(model.param(`model.layers.${i}.${n}`));
  const have = stackedWeights.get(model);
  if (have && have.sources.every((id, j) => id === vars[j].dataId)) return have;
  const f = vars.map((v) => floats(v)!);
  const built: Stacked = { sources: vars.map((v) => v.dataId), qkv: [], gateUp: [] };
  for (let i = 0; i < L; i++) {
    built.qkv.push(stack(f.slice(5 * i, 5 * i + 3)));
    built.gateUp.push(stack(f.slice(5 * i + 3, 5 * i + 5)));
  }
  stackedWeights.set(model, built);
  return built;
}

/** y[N, out] = x[N, in] · Wᵀ (W [out, in]). */
function linearInto(addon: NativeAddon, x: Float32Array, w: tf.Variable, N: number, out: Float32Array): Float32Array {
  const [o, i] = w.shape;
  addon.matmul(x, floats(w)!, out, ZERO, ZERO, N, o, i, false, true);
  return out;
}
const ZERO = new Float64Array([0]);

/** a += b over n floats (a residual). */
function addInto(addon: NativeAddon, a: Float32Array, b: Float32Array): void {
  addon.binary(BINARY_OPS.Add, a, b, a, new Float64Array([a.length]), ONE, ONE);
}
const ONE = new Float64Array([1]);

export interface NativeFeedInput {
  /** Token ids [B, t] and their positions [B, t]. */
  ids: Int32Array;
  positions: Int32Array;
  /** Additive mask [B, t, S] over the S = S0 + t columns. */
  mask: Float32Array;
  t: number;
  /** Columns already in the store. */
  S0: number;
  /** Rows of [B·t] whose logits are returned (all rows when null: [B, t, V]). */
  pick: Int32Array | null;
}

/**
 * Feeds one block through the model, appending its keys and values to `store` at columns S0..S0+t−1
 * (the store is grown first). Returns logits [pick.length, V] or [B, t, V]. Weights are read in place.
 */
export function nativeFeed(addon: NativeAddon, model: Transformer, store: NativeKvStore, input: NativeFeedInput): Tensor {
  const c = model.config;
  const { ids, positions, mask, t, S0, pick } = input;
  const B = store.batchSize;
  const N = B * t;
  const S = S0 + t;
  const C = c.hiddenSize;
  const D = model.headDim;
  const H = c.numHeads;
  const Hkv = c.numKvHeads;
  const F = c.intermediateSize;
  const half = D / 2;
  store.reserve(S, S0);
  const cap = store.cap;
  let tab = tables.get(model);
  if (!tab) tables.set(model, (tab = rotaryTable(D, c.maxPositions, c.ropeTheta)));
  const cos = new Float32Array(N * half);
  const sin = new Float32Array(N * half);
  for (let r = 0; r < N; r++) {
    const p = positions[r] * half;
    cos.set(tab.cos.subarray(p, p + half), r * half);
    sin.set(tab.sin.subarray(p, p + half), r * half);
  }
  const w = (name: string) => model.param(name);
  const emb = w('model.embed_tokens.weight');
  const h = new Float32Array(N * C); // [N, C]
  addon.gather(floats(emb)!, ids, h, 1, c.vocabSize, C);
  const x = new Float32Array(N * C);
  const rstd = new Float32Array(N);
  const QD = H * D;
  const KD = Hkv * D;
  const WQKV = QD + 2 * KD;
  const stacked = stackedFor(model);
  const qkv = new Float32Array(stacked ? N * WQKV : 0);
  const q = new Float32Array(N * QD);
  const k = new Float32Array(N * KD);
  const v = new Float32Array(N * KD);
  const gateUp = new Float32Array(stacked ? N * 2 * F : 0);
  const att = new Float32Array(N * H * D);
  const probs = new Float32Array(B * H * t * S);
  const proj = new Float32Array(N * C);
  const gate = new Float32Array(N * F);
  const up = new Float32Array(N * F);
  const maskStrides = new Float64Array([t * S, 0, 0, S]);
  const scale = 1 / Math.sqrt(D);
  const srcStrides = new Float64Array([t * Hkv * D, Hkv * D, D, 1]); // [B, t, Hkv, D] rows
  const dstStrides = new Float64Array([Hkv * cap * D, D, cap * D, 1]); // into [B, Hkv, cap, D]
  const kvShape = new Float64Array([B, t, Hkv, D]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}.`;
    const bias = (n: string) => (c.qkvBias ? w(p + n) : undefined);
    addon.rmsNormForward(h, floats(w(p + 'input_layernorm.weight'))!, x, rstd, N, C, c.rmsNormEps);
    if (stacked) addon.matmul(x, stacked.qkv[i], qkv, ZERO, ZERO, N, WQKV, C, false, true); // [N, QD + 2·KD]
    for (const [y, at, n, b] of [[q, 0, QD, 'self_attn.q_proj.bias'], [k, QD, KD, 'self_attn.k_proj.bias'], [v, QD + KD, KD, 'self_attn.v_proj.bias']] as const) {
      if (stacked) addon.copy(qkv, at, new Float64Array([WQKV, 1]), y, 0, new Float64Array([n, 1]), new Float64Array([N, n]));
      else linearInto(addon, x, w(p + b.replace('.bias', '.weight')), N, y);
      const bv = bias(b);
      if (bv) addon.binary(BINARY_OPS.Add, y, floats(bv)!, y, new Float64Array([N, n]), new Float64Array([n, 1]), new Float64Array([0, 1]));
    }
    addon.ropeRows(q, cos, sin, q, B, t, H, D, true, 1);
    addon.ropeRows(k, cos, sin, k, B, t, Hkv, D, true, 1);
    addon.copy(k, 0, srcStrides, store.k[i], S0 * D, dstStrides, kvShape);
    addon.copy(v, 0, srcStrides, store.v[i], S0 * D, dstStrides, kvShape);
    addon.attention(q, store.k[i], store.v[i], mask, maskStrides, att, probs, B, t, H, Hkv, S, D, scale, cap);
    addInto(addon, h, linearInto(addon, att, w(p + 'self_attn.o_proj.weight'), N, proj));
    addon.rmsNormForward(h, floats(w(p + 'post_attention_layernorm.weight'))!, x, rstd, N, C, c.rmsNormEps);
    if (stacked) {
      addon.matmul(x, stacked.gateUp[i], gateUp, ZERO, ZERO, N, 2 * F, C, false, true); // [N, 2F]
      addon.copy(gateUp, 0, new Float64Array([2 * F, 1]), gate, 0, new Float64Array([F, 1]), new Float64Array([N, F]));
      addon.copy(gateUp, F, new Float64Array([2 * F, 1]), up, 0, new Float64Array([F, 1]), new Float64Array([N, F]));
    } else {
      linearInto(addon, x, w(p + 'mlp.gate_proj.weight'), N, gate);
      linearInto(addon, x, w(p + 'mlp.up_proj.weight'), N, up);
    }
    addon.swigluForward(gate, up, gate);
    addInto(addon, h, linearInto(addon, gate, w(p + 'mlp.down_proj.weight'), N, proj));
  }
  const rows = pick ? pick.length : N;
  let last = h;
  if (pick) {
    last = new Float32Array(rows * C);
    addon.gather(h, pick, last, 1, N, C);
  }
  const normed = new Float32Array(rows * C);
  addon.rmsNormForward(last, floats(w('model.norm.weight'))!, normed, new Float32Array(rows), rows, C, c.rmsNormEps);
  const head = c.tieEmbeddings ? emb : w('lm_head.weight');
  const logits = linearInto(addon, normed, head, rows, new Float32Array(rows * c.vocabSize));
  return tf.tensor(logits, pick ? [rows, c.vocabSize] : [B, t, c.vocabSize]);
}
