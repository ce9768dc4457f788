// The decoder-only transformer (Llama/Qwen2 family; also the built-in model): weights as tf.Variables under
// Hugging Face tensor names, seeded initialisation, and the forward pass for training and cached decoding.
import { tf, type Tensor, type Tensor2D, type Variable } from './tf.js';
import { type ModelConfig, headDimOf, parseModelConfig } from './config.js';
import {
  attention,
  causalMask,
  linear,
  mm,
  rmsNorm,
  rotaryTable,
  applyRotary,
  rotaryForHeads,
  swiglu,
} from './ops.js';
import { Rng } from './rng.js';
import { attentionRows, rotaryRows } from '../native/native-attention.js';
import { activeAddon } from '../native/native-fused.js';
import { layerWeightNames, nativeLayer } from '../native/native-layer.js';
import { checkpointed, tapeRecording, type LayerFn } from './checkpointed-layer.js';

/** Keys and values of one layer, post-rotary: [B, Hkv, S, D] each. */
export interface LayerKv {
  k: Tensor;
  v: Tensor;
}

export interface ForwardOutput {
  /** [B, T, V] */
  logits: Tensor;
  /** [B, T] when the config has a value head. */
  values?: Tensor;
}

let modelCounter = 0;

/** Vocabularies up to this size embed by one-hot matMul: tfjs cpu's gather gradient (UnsortedSegmentSum) is very slow. */
const ONE_HOT_EMBED_MAX_VOCAB = 4096;

/** Embedding lookup: table [V, C], ids int32 [N] → [N, C]. */
function embed(table: Tensor, ids: Tensor): Tensor {
  const V = table.shape[0];
  return V <= ONE_HOT_EMBED_MAX_VOCAB ? mm(tf.oneHot(ids, V), table) : tf.gather(table, ids); // [N, C]
}

/** Every tensor name and shape of a config, in Hugging Face layout ([out, in] for linear weights). */
export function parameterShapes(c: ModelConfig): Map<string, number[]> {
  const D = headDimOf(c);
  const m = new Map<string, number[]>();
  m.set('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}.`;
    m.set(p + 'input_layernorm.weight', [c.hiddenSize]);
    m.set(p + 'self_attn.q_proj.weight', [c.numHeads * D, c.hiddenSize]);
    m.set(p + 'self_attn.k_proj.weight', [c.numKvHeads * D, c.hiddenSize]);
    m.set(p + 'self_attn.v_proj.weight', [c.numKvHeads * D, c.hiddenSize]);
    if (c.qkvBias) {
      m.set(p + 'self_attn.q_proj.bias', [c.numHeads * D]);
      m.set(p + 'self_attn.k_proj.bias', [c.numKvHeads * D]);
      m.set(p + 'self_attn.v_proj.bias', [c.numKvHeads * D]);
    }
    m.set(p + 'self_attn.o_proj.weight', [c.hiddenSize, c.numHeads * D]);
    m.set(p + 'post_attention_layernorm.weight', [c.hiddenSize]);
    m.set(p + 'mlp.gate_proj.weight', [c.intermediateSize, c.hiddenSize]);
    m.set(p + 'mlp.up_proj.weight', [c.intermediateSize, c.hiddenSize]);
    m.set(p + 'mlp.down_proj.weight', [c.hiddenSize, c.intermediateSize]);
  }
  m.set('model.norm.weight', [c.hiddenSize]);
  if (!c.tieEmbeddings) m.set('lm_head.weight', [c.vocabSize, c.hiddenSize]);
  if (c.valueHead) {
    m.set('value_head.weight', [1, c.hiddenSize]);
    m.set('value_head.bias', [1]);
  }
  return m;
}

/** Seeded initial values: norms 1, biases 0, weights N(0, initStd); residual outputs scaled by 1/√(2L) (GPT-2). */
function initialValue(name: string, shape: number[], c: ModelConfig, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (name.endsWith('norm.weight')) return out.fill(1);
  if (name.endsWith('.bias')) return out;
  const std = /o_proj|down_proj/.test(name) ? c.initStd / Math.sqrt(2 * c.numLayers) : c.initStd;
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

export class Transformer {
  readonly config: ModelConfig;
  readonly headDim: number;
  /** Trainable weights by Hugging Face name. */
  readonly params: ReadonlyMap<string, Variable>;
  private readonly cosTable: Tensor; // [P, D/2]
  private readonly sinTable: Tensor; // [P, D/2]
  private disposed = false;

  private constructor(config: ModelConfig, values: (name: string, shape: number[]) => Float32Array) {
    this.config = config;
    this.headDim = headDimOf(config);
    const id = ++modelCounter;
    const params = new Map<string, Variable>();
    for (const [name, shape] of parameterShapes(config)) {
      const data = values(name, shape);
      const init = tf.tensor(data, shape, 'float32');
      params.set(name, tf.variable(init, true, `m${id}/${name}`));
      init.dispose(); // the variable holds its own reference to the data
    }
    this.params = params;
    const rot = rotaryTable(this.headDim, config.maxPositions, config.ropeTheta, config.ropeScaling);
    this.cosTable = tf.tensor2d(rot.cos, [config.maxPositions, this.headDim / 2]);
    this.sinTable = tf.tensor2d(rot.sin, [config.maxPositions, this.headDim / 2]);
  }

  /** A freshly initialised model; the same seed gives the same weights on every backend. */
  static create(config: ModelConfig, seed = 0): Transformer {
    const c = parseModelConfig(config);
    const rng = new Rng(seed);
    return new Transformer(c, (name, shape) => initialValue(name, shape, c, rng));
  }

  /** A model from named float32 arrays; every tensor of the config must be present with its exact shape. */
  static fromWeights(
    config: ModelConfig,
    weights: ReadonlyMap<string, { data: Float32Array; shape: number[] }>,
    where = 'weights',
  ): Transformer {
    const c = parseModelConfig(config);
    const expected = parameterShapes(c);
    const missing = [...expected.keys()].filter((k) => !weights.has(k));
    if (missing.length > 0)
      throw new Error(
        `${where}: missing tensor(s) ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
    const extra = [...weights.keys()].filter((k) => !expected.has(k));
    if (extra.length > 0)
      throw new Error(`${where}: unexpected tensor(s) ${extra.slice(0, 5).join(', ')} for this config`);
    for (const [name, shape] of expected) {
      const got = weights.get(name)!.shape;
      if (got.join(',') !== shape.join(','))
        throw new Error(
          `${where}: tensor '${name}' has shape [${got.join(', ')}], the config needs [${shape.join(', ')}]`,
        );
    }
    return new Transformer(c, (name) => weights.get(name)!.data);
  }

  param(name: string): Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`model has no tensor '${name}'`);
    return v;
  }

  trainableVariables(): Variable[] {
    return [...this.params.values()];
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** cos/sin for int32 positions [B, t] → each [B, 1, t, D/2]. */
  rotaryFor(positions: Tensor): { cos: Tensor; sin: Tensor } {
    return tf.tidy(() => {
      const [B, t] = positions.shape;
      const flat = tf.reshape(positions, [-1]); // [B·t]
      const cos = tf.reshape(tf.gather(this.cosTable, flat), [B, 1, t, this.headDim / 2]); // [B, 1, t, D/2]
      const sin = tf.reshape(tf.gather(this.sinTable, flat), [B, 1, t, this.headDim / 2]); // [B, 1, t, D/2]
      return { cos, sin };
    });
  }

  /**
   * The core pass. ids int32 [B, t]; cos/sin [B or 1, 1, t, D/2]; mask additive [B or 1, 1, 1, t, S] where
   * S = past length + t; past: each layer's cached k/v [B, Hkv, S−t, D] (or null).
   * Returns the final-normed hidden state [B, t, C] and, when wantPresent, each layer's k/v [B, Hkv, S, D].
   * checkpoint: under a gradient tape, each decoder layer keeps only its input and recomputes its forward in
   * the backward pass (checkpointed-layer.ts); same values and gradients, less memory.
   * Call inside tf.tidy (and tf.keep what you retain).
   */
  run(
    ids: Tensor,
    cos: Tensor,
    sin: Tensor,
    mask: Tensor,
    past: LayerKv[] | null,
    wantPresent: boolean,
    checkpoint = false,
  ): { hidden: Tensor; present: LayerKv[] } {
    if (this.disposed) throw new Error('model was disposed');
    const c = this.config;
    const [B, t] = ids.shape as [number, number];
    const N = B * t;
    const present: LayerKv[] = [];
    const G = c.numHeads / c.numKvHeads;
    // Native kernels: fused rotary and attention on the projections' row layout [B, t, heads, D] (no tiling,
    // no transposes of q or of the attention output). Otherwise the stock composition below.
    const fused = activeAddon() !== undefined;
    // Broadcast once per pass, not per layer: same-shape element-wise ops are much faster on the cpu backend.
    let consts: Tensor[];
    if (fused) consts = [cos, sin, mask];
    else {
      const rq = rotaryForHeads(cos, sin, B, c.numHeads); // [B, H, t, D]
      const rk = rotaryForHeads(cos, sin, B, c.numKvHeads); // [B, Hkv, t, D]
      const ms = mask.shape as number[]; // [B or 1, 1, 1, t, S]
      const fullMask = tf.tile(mask, [B / ms[0], c.numKvHeads, G, t / ms[3], 1]); // [B, Hkv, G, t, S]
      consts = [rq.cos, rq.sin, rk.cos, rk.sin, fullMask];
    }
    const recompute = checkpoint && !past && !wantPresent && tapeRecording();
    let h = embed(this.param('model.embed_tokens.weight'), tf.reshape(ids, [N])); // [N, C]
    for (let i = 0; i < c.numLayers; i++) {
      const W = layerWeightNames(c, i).map((n) => this.param(n));
      const layer: LayerFn = (x, w, k) => this.layer(x, w, k, B, t, fused, past ? past[i] : null, wantPresent ? present : null);
      h = recompute ? checkpointed(layer, h, W, consts) : layer(h, W, consts); // [N, C]
    }
    const hidden = tf.reshape(rmsNorm(h, this.param('model.norm.weight'), c.rmsNormEps), [
      B,
      t,
      c.hiddenSize,
    ]); // [B, t, C]
    return { hidden, present };
  }

  /**
   * One decoder layer on h [N = B·t, C] → [N, C]. W: the layer's weights in layerWeightNames order; k: cos, sin,
   * mask (native kernels) or the per-head rotary tables and the full mask (stock tfjs). With past, the layer's
   * cached k/v come first; with present, this layer's k/v [B, Hkv, S, D] are appended to it.
   */
  private layer(h: Tensor, W: Tensor[], k: Tensor[], B: number, t: number, fused: boolean, past: LayerKv | null, present: LayerKv[] | null): Tensor {
    const c = this.config;
    const D = this.headDim;
    const N = B * t;
    const [wIn, wq, wk, wv] = W as [Tensor, Tensor, Tensor, Tensor];
    const [bq, bk, bv] = c.qkvBias ? W.slice(4, 7) : [undefined, undefined, undefined];
    const [wo, wPost, wg, wu, wd] = W.slice(c.qkvBias ? 7 : 4) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    let q: Tensor;
    let kk: Tensor;
    let v: Tensor;
    let mask: Tensor;
    if (fused) {
      const [cos, sin] = k as [Tensor, Tensor];
      mask = k[2]!;
      // Full-sequence pass (training, scoring): the whole layer as one native op, if it applies.
      const y = !past && !present ? nativeLayer(c, D, B, t, h, cos, sin, mask, W) : null; // [N, C]
      if (y) return y;
      const x = rmsNorm(h, wIn, c.rmsNormEps); // [N, C]
      const rows = (y: Tensor, H: number) => tf.reshape(y, [B, t, H, D]); // [B, t, H, D]
      const toHeads = (y: Tensor) => tf.transpose(y, [0, 2, 1, 3]); // [B, t, H, D] → [B, H, t, D]
      q = rotaryRows(rows(linear(x, wq, bq), c.numHeads), cos, sin); // [B, t, H, D]
      kk = toHeads(rotaryRows(rows(linear(x, wk, bk), c.numKvHeads), cos, sin)); // [B, Hkv, t, D]
      v = toHeads(rows(linear(x, wv, bv), c.numKvHeads)); // [B, Hkv, t, D]
    } else {
      const [rqCos, rqSin, rkCos, rkSin] = k as [Tensor, Tensor, Tensor, Tensor];
      mask = k[4]!;
      const x = rmsNorm(h, wIn, c.rmsNormEps); // [N, C]
      const heads = (y: Tensor, H: number) => tf.transpose(tf.reshape(y, [B, t, H, D]), [0, 2, 1, 3]); // [B, H, t, D]
      q = applyRotary(heads(linear(x, wq, bq), c.numHeads), rqCos, rqSin); // [B, H, t, D]
      kk = applyRotary(heads(linear(x, wk, bk), c.numKvHeads), rkCos, rkSin); // [B, Hkv, t, D]
      v = heads(linear(x, wv, bv), c.numKvHeads); // [B, Hkv, t, D]
    }
    if (past) {
      kk = tf.concat([past.k, kk], 2); // [B, Hkv, S, D]
      v = tf.concat([past.v, v], 2); // [B, Hkv, S, D]
    }
    present?.push({ k: kk, v });
    const merged = fused
      ? tf.reshape(attentionRows(q, kk, v, mask), [N, c.numHeads * D]) // [N, H·D]
      : tf.reshape(tf.transpose(attention(q, kk, v, mask), [0, 2, 1, 3]), [N, c.numHeads * D]); // [N, H·D]
    const hm = tf.add(h, linear(merged, wo)); // [N, C]
    const x2 = rmsNorm(hm, wPost, c.rmsNormEps); // [N, C]
    const f = swiglu(linear(x2, wg), linear(x2, wu)); // [N, F]
    return tf.add(hm, linear(f, wd)); // [N, C]
  }

  /** Logits from final hidden states: [N, C] → [N, V]. */
  lmHead(hidden2d: Tensor): Tensor {
    const w = this.config.tieEmbeddings
      ? this.param('model.embed_tokens.weight')
      : this.param('lm_head.weight');
    return linear(hidden2d, w); // [N, V]
  }

  /** Scalar values from final hidden states: [N, C] → [N]. */
  valueHead(hidden2d: Tensor): Tensor {
    return tf.tidy(() =>
      tf.reshape(linear(hidden2d, this.param('value_head.weight'), this.param('value_head.bias')), [-1]),
    ); // [N]
  }

  /**
   * Training forward. ids int32 [B, T], right-padded: real tokens first, padding after them (any id; the
   * causal mask means padding never influences real positions; mask padding out of the loss yourself).
   * Returns logits [B, T, V] and, with a value head, values [B, T]. checkpoint: activation checkpointing of
   * every decoder layer while a gradient is taken (see run).
   */
  forward(ids: Tensor2D | number[][], options: { checkpoint?: boolean } = {}): ForwardOutput {
    return tf.tidy(() => {
      const x = Array.isArray(ids) ? tf.tensor2d(ids, undefined, 'int32') : ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'); // [B, T]
      const [B, T] = x.shape;
      if (T > this.config.maxPositions)
        throw new Error(`sequence length ${T} exceeds maxPositions ${this.config.maxPositions}`);
      const cos = tf.reshape(tf.slice(this.cosTable, [0, 0], [T, -1]), [1, 1, T, this.headDim / 2]); // [1, 1, T, D/2]
      const sin = tf.reshape(tf.slice(this.sinTable, [0, 0], [T, -1]), [1, 1, T, this.headDim / 2]); // [1, 1, T, D/2]
      const { hidden } = this.run(x, cos, sin, causalMask(T), null, false, options.checkpoint); // [B, T, C]
      const h2 = tf.reshape(hidden, [B * T, this.config.hiddenSize]); // [B·T, C]
      const logits = tf.reshape(this.lmHead(h2), [B, T, this.config.vocabSize]); // [B, T, V]
      if (!this.config.valueHead) return { logits };
      return { logits, values: tf.reshape(this.valueHead(h2), [B, T]) }; // [B, T]
    });
  }

  /** Copies all weights to plain arrays (for checkpoints), HF names → data and shape. */
  async exportWeights(): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
    const out = new Map<string, { data: Float32Array; shape: number[] }>();
    for (const [name, v] of this.params)
      out.set(name, { data: (await v.data()) as Float32Array, shape: [...v.shape] });
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    this.cosTable.dispose();
    this.sinTable.dispose();
  }
}
