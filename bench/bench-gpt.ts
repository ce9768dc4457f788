// A Llama-style GPT (RMSNorm, rotary positions, grouped-query attention, SwiGLU, tied embeddings) written
// against tfjs directly, mirroring the project's transformer until backend/model/transformer.ts lands on main;
// bench/peers/gpt_torch.py is the same model in PyTorch. Only what the benchmark needs: train step, KV decode.
import { tf, type Tensor, type Variable } from '../backend/model/tf.js';
import { applyRotary, applyRotaryReference, rmsNorm, rmsNormReference, swiglu, swigluReference } from '../backend/model/native-fused.js';

export interface BenchShape {
  name: string;
  vocab: number;
  d: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  seq: number;
  batch: number;
  genBatch: number;
  genPrompt: number;
  genNew: number;
}

export const SHAPES: BenchShape[] = [
  // The built-in model (BUILTIN_MODEL_CONFIG on branch model: 114-char vocab, d 128, 4 layers, 4/2 heads, SwiGLU 384).
  { name: 'builtin', vocab: 114, d: 128, layers: 4, heads: 4, kvHeads: 2, ffn: 384, seq: 128, batch: 16, genBatch: 64, genPrompt: 16, genNew: 64 },
  // The reference shape: d 128, 4 layers, seq 64, batch 32 (4 MHA heads, SwiGLU 512, vocab 256).
  { name: 'd128-l4-s64-b32', vocab: 256, d: 128, layers: 4, heads: 4, kvHeads: 4, ffn: 512, seq: 64, batch: 32, genBatch: 64, genPrompt: 16, genNew: 64 },
];

const MASKED = -1e9;

/** Deterministic pseudo-random init (N(0, 0.02) via Box-Muller on an LCG). */
function normalInit(n: number, seed: number, std: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * std;
  return out;
}

export class BenchGpt {
  readonly p = new Map<string, Variable>();
  private readonly cos: Tensor; // [P, D/2]
  private readonly sin: Tensor; // [P, D/2]
  readonly hd: number;

  /** fused: RMSNorm, rotary and SwiGLU as fused custom-gradient ops (native when active), else the plain compositions. */
  constructor(readonly s: BenchShape, readonly fused = true) {
    this.hd = s.d / s.heads;
    let seed = 1;
    const add = (name: string, shape: number[], init: 'one' | 'normal') => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = init === 'one' ? new Float32Array(n).fill(1) : normalInit(n, seed++, 0.02);
      const t = tf.tensor(data, shape);
      this.p.set(name, tf.variable(t, true, `bench${Math.random()}/${name}`));
      t.dispose();
    };
    add('emb', [s.vocab, s.d], 'normal');
    for (let i = 0; i < s.layers; i++) {
      add(`${i}.n1`, [s.d], 'one');
      add(`${i}.q`, [s.heads * this.hd, s.d], 'normal');
      add(`${i}.k`, [s.kvHeads * this.hd, s.d], 'normal');
      add(`${i}.v`, [s.kvHeads * this.hd, s.d], 'normal');
      add(`${i}.o`, [s.d, s.heads * this.hd], 'normal');
      add(`${i}.n2`, [s.d], 'one');
      add(`${i}.gate`, [s.ffn, s.d], 'normal');
      add(`${i}.up`, [s.ffn, s.d], 'normal');
      add(`${i}.down`, [s.d, s.ffn], 'normal');
    }
    add('norm', [s.d], 'one');
    const P = s.seq + s.genPrompt + s.genNew;
    const half = this.hd / 2;
    const c = new Float32Array(P * half);
    const sn = new Float32Array(P * half);
    for (let pos = 0; pos < P; pos++)
      for (let i = 0; i < half; i++) {
        const a = pos * Math.pow(10000, (-2 * i) / this.hd);
        c[pos * half + i] = Math.cos(a);
        sn[pos * half + i] = Math.sin(a);
      }
    this.cos = tf.tensor2d(c, [P, half]);
    this.sin = tf.tensor2d(sn, [P, half]);
  }

  private w(n: string): Variable {
    return this.p.get(n)!;
  }

  private rms(x: Tensor, w: Tensor): Tensor {
    return this.fused ? rmsNorm(x, w, 1e-6) : rmsNormReference(x, w, 1e-6); // [N, C]
  }

  private rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    return this.fused ? applyRotary(x, cos, sin) : applyRotaryReference(x, cos, sin); // [B, H, t, D]
  }

  /** Hidden states [B·t, C] for ids [B, t] at positions start.., with optional cached k/v per layer. */
  run(ids: Tensor, start: number, past: { k: Tensor; v: Tensor }[] | null, present: { k: Tensor; v: Tensor }[]): Tensor {
    const s = this.s;
    const [B, t] = ids.shape as [number, number];
    const D = this.hd;
    const G = s.heads / s.kvHeads;
    const N = B * t;
    const cos = tf.reshape(tf.slice(this.cos, [start, 0], [t, -1]), [1, 1, t, D / 2]);
    const sin = tf.reshape(tf.slice(this.sin, [start, 0], [t, -1]), [1, 1, t, D / 2]);
    const S = start + t;
    const m = new Float32Array(t * S);
    for (let i = 0; i < t; i++) for (let j = start + i + 1; j < S; j++) m[i * S + j] = MASKED;
    const mask = tf.tensor(m, [1, 1, 1, t, S]);
    let h = tf.gather(this.w('emb'), tf.reshape(ids, [N])); // [N, C]
    for (let i = 0; i < s.layers; i++) {
      const x = this.rms(h, this.w(`${i}.n1`)); // [N, C]
      const heads = (y: Tensor, H: number) => tf.transpose(tf.reshape(y, [B, t, H, D]), [0, 2, 1, 3]); // [B, H, t, D]
      const q = this.rope(heads(tf.matMul(x, this.w(`${i}.q`), false, true), s.heads), cos, sin); // [B, H, t, D]
      let k = this.rope(heads(tf.matMul(x, this.w(`${i}.k`), false, true), s.kvHeads), cos, sin); // [B, Hkv, t, D]
      let v = heads(tf.matMul(x, this.w(`${i}.v`), false, true), s.kvHeads); // [B, Hkv, t, D]
      if (past) {
        k = tf.concat([past[i].k, k], 2); // [B, Hkv, S, D]
        v = tf.concat([past[i].v, v], 2);
      }
      present.push({ k, v });
      const qg = tf.reshape(q, [B, s.kvHeads, G * t, D]); // [B, Hkv, G·t, D]
      const scores = tf.reshape(tf.mul(tf.matMul(qg, k, false, true), 1 / Math.sqrt(D)), [B, s.kvHeads, G, t, S]);
      const probs = tf.reshape(tf.softmax(tf.add(scores, mask), -1), [B, s.kvHeads, G * t, S]); // [B, Hkv, G·t, S]
      const a = tf.reshape(tf.matMul(probs, v), [B, s.heads, t, D]); // [B, H, t, D]
      const merged = tf.reshape(tf.transpose(a, [0, 2, 1, 3]), [N, s.heads * D]); // [N, H·D]
      h = tf.add(h, tf.matMul(merged, this.w(`${i}.o`), false, true)); // [N, C]
      const x2 = this.rms(h, this.w(`${i}.n2`));
      const g = tf.matMul(x2, this.w(`${i}.gate`), false, true); // [N, F]
      const up = tf.matMul(x2, this.w(`${i}.up`), false, true); // [N, F]
      const f = this.fused ? swiglu(g, up) : swigluReference(g, up); // [N, F]
      h = tf.add(h, tf.matMul(f, this.w(`${i}.down`), false, true)); // [N, C]
    }
    return this.rms(h, this.w('norm')); // [N, C]
  }

  logits(h: Tensor): Tensor {
    return tf.matMul(h, this.w('emb'), false, true); // [N, V]
  }

  /** Mean next-token cross-entropy on ids [B, T+1]. */
  loss(ids: Tensor): tf.Scalar {
    const [B, T1] = ids.shape as [number, number];
    const T = T1 - 1;
    const x = tf.slice(ids, [0, 0], [B, T]);
    const y = tf.reshape(tf.slice(ids, [0, 1], [B, T]), [B * T]);
    const logp = tf.logSoftmax(this.logits(this.run(x, 0, null, []))); // [N, V]
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, this.s.vocab), logp), -1))) as tf.Scalar;
  }

  /** Greedy decoding with a KV cache: prompt [B, P] → new tokens [B, n] (int32 array). */
  generate(prompt: Tensor, n: number): Int32Array {
    let past: { k: Tensor; v: Tensor }[] = [];
    let next = tf.tidy(() => {
      const present: { k: Tensor; v: Tensor }[] = [];
      const h = this.run(prompt, 0, null, present);
      const [B, P] = prompt.shape as [number, number];
      const last = tf.reshape(tf.slice(tf.reshape(h, [B, P, this.s.d]), [0, P - 1, 0], [B, 1, this.s.d]), [B, this.s.d]);
      past = present.map((kv) => ({ k: tf.keep(kv.k), v: tf.keep(kv.v) }));
      return tf.reshape(tf.argMax(this.logits(last), -1), [B, 1]); // [B, 1]
    });
    const B = prompt.shape[0] as number;
    const out = new Int32Array(B * n);
    let pos = prompt.shape[1] as number;
    for (let step = 0; step < n; step++) {
      const ids = next.dataSync();
      for (let b = 0; b < B; b++) out[b * n + step] = ids[b];
      if (step === n - 1) break;
      const prev = past;
      const cur = next;
      next = tf.tidy(() => {
        const present: { k: Tensor; v: Tensor }[] = [];
        const h = this.run(cur, pos, prev, present);
        past = present.map((kv) => ({ k: tf.keep(kv.k), v: tf.keep(kv.v) }));
        return tf.reshape(tf.argMax(this.logits(h), -1), [B, 1]);
      });
      tf.dispose([cur, ...prev.flatMap((kv) => [kv.k, kv.v])]);
      pos++;
    }
    tf.dispose([next, ...past.flatMap((kv) => [kv.k, kv.v])]);
    return out;
  }

  dispose(): void {
    for (const v of this.p.values()) v.dispose();
    tf.dispose([this.cos, this.sin]);
  }
}
