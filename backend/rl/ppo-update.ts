// The tensor side of an RL step: log-probs and values of a token batch without gradients, and one optimizer
// update of the actor (policy + KL + entropy) or the critic (clipped value loss) with global-norm clipping.
// Tensors are read with `await t.data()`: the only read WebGPU has (its dataSync needs a browser canvas); on
// the cpu backends it resolves at once with the same array.
import { tf, type Tensor } from '../model/core/tf.js';
import type { Transformer } from '../model/core/transformer.js';
import { tokenLogProbs } from '../model/core/logprobs.js';
import { actorLoss, clippedValueLoss, readMetrics, type KlEstimator, type LossResult } from './losses.js';

/** Rows [start, end) of a flat [B·W] array as a [end−start, W] tensor. */
export function rowsTensor(data: Float32Array | Int32Array, width: number, start: number, end: number, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const slice = data.subarray(start * width, end * width);
  return tf.tensor2d(dtype === 'int32' ? Int32Array.from(slice) : Float32Array.from(slice), [end - start, width], dtype);
}

/**
 * log π(token_{j+1} | tokens_{≤j}) for every action j: ids int32 [b, T] → [b, T−1] (inside a tidy).
 * checkpoint: activation checkpointing of the decoder layers when a gradient is taken (Transformer.forward).
 */
export function actionLogProbs(model: Transformer, ids: Tensor, checkpoint = false): { logits: Tensor; logp: Tensor } {
  const [b, T] = ids.shape as [number, number];
  const { logits } = model.forward(ids as tf.Tensor2D, { checkpoint }); // [b, T, V]
  const V = logits.shape[2]!;
  const actionLogits = tf.slice(logits, [0, 0, 0], [b, T - 1, V]); // [b, T−1, V]
  const targets = tf.slice(ids, [0, 1], [b, T - 1]); // [b, T−1]
  return { logits: actionLogits, logp: tokenLogProbs(actionLogits, targets) }; // [b, T−1]
}

/** Action log-probs of the whole batch in micro-batches, without gradients: → [B·(T−1)]. */
export async function batchLogProbs(model: Transformer, ids: Int32Array, B: number, T: number, microBatch: number): Promise<Float32Array> {
  const out = new Float32Array(B * (T - 1));
  for (let s = 0; s < B; s += microBatch) {
    const e = Math.min(B, s + microBatch);
    const lp = tf.tidy(() => actionLogProbs(model, rowsTensor(ids, T, s, e, 'int32')).logp); // [e−s, T−1]
    out.set((await readAndDispose(lp)) as Float32Array, s * (T - 1));
  }
  return out;
}

/** The values of t (then disposed). */
async function readAndDispose(t: Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  try {
    return (await t.data()) as Float32Array | Int32Array | Uint8Array;
  } finally {
    t.dispose();
  }
}

/** Critic values V(s_j) at every action j of the batch (the state before token j+1): → [B·(T−1)]. */
export async function batchValues(critic: Transformer, ids: Int32Array, B: number, T: number, microBatch: number): Promise<Float32Array> {
  if (!critic.config.valueHead) throw new Error('critic model has no value head');
  const out = new Float32Array(B * (T - 1));
  for (let s = 0; s < B; s += microBatch) {
    const e = Math.min(B, s + microBatch);
    const v = tf.tidy(() => {
      const x = rowsTensor(ids, T, s, e, 'int32'); // [b, T]
      const { values } = critic.forward(x as tf.Tensor2D); // [b, T]
      return tf.slice(values!, [0, 0], [e - s, T - 1]); // [b, T−1]
    });
    out.set((await readAndDispose(v)) as Float32Array, s * (T - 1));
  }
  return out;
}

/** One micro-batch of an accumulated update: its loss and the weight of its gradient in the sum. */
export interface MicroLoss {
  weight: number;
  lossFn: () => LossResult;
}

/**
 * Token weights of micro-batches: N_k / Σ N with N_k the loss-mask tokens of micro-batch k. A mini-batch's
 * token-level masked mean is Σ_k (N_k / N) · (micro-batch k's masked mean), so these weights make the
 * accumulated gradient (and the metrics) equal the whole mini-batch's. One micro-batch → [1].
 */
export async function microBatchWeights(masks: Tensor[]): Promise<number[]> {
  if (masks.length === 1) return [1];
  const counts: number[] = [];
  for (const m of masks) counts.push((await readAndDispose(tf.sum(m)))[0]!);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((n) => (total > 0 ? n / total : 0));
}

/**
 * Gradient accumulation: the gradients of every micro-batch's loss, each scaled by its weight, are summed;
 * the sum is clipped to a global L2 norm of `maxNorm` and applied with `optimizer` in one step (in `vars`
 * order, which optimizer-state checkpoints rely on). Returns the weighted loss metrics plus `gradNorm`
 * (before clipping). One part with weight 1 is exactly a plain clipped update.
 */
export async function accumulatedUpdate(optimizer: tf.Optimizer, vars: tf.Variable[], maxNorm: number, parts: MicroLoss[]): Promise<Record<string, number>> {
  if (parts.length === 0) throw new Error('accumulatedUpdate: no micro-batches');
  const acc: Record<string, Tensor> = {};
  const out: Record<string, number> = {};
  let loss = 0;
  try {
    for (const part of parts) {
      const plain = parts.length === 1 && part.weight === 1;
      let metrics: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const r = part.lossFn();
        metrics = r.metrics;
        for (const m of Object.values(metrics)) tf.keep(m);
        return plain ? r.loss : (tf.mul(r.loss, part.weight) as tf.Scalar);
      }, vars);
      loss += (await readAndDispose(value))[0]!;
      for (const [name, m] of Object.entries(await readMetrics(metrics))) out[name] = (out[name] ?? 0) + (plain ? m : part.weight * m);
      for (const [name, g] of Object.entries(grads)) {
        const prev = acc[name];
        if (!prev) acc[name] = g;
        else {
          acc[name] = tf.add(prev, g);
          prev.dispose();
          g.dispose();
        }
      }
    }
    // A variable the loss does not reach (e.g. the critic's unused LM head) has no gradient and no update.
    const reached = vars.filter((v) => acc[v.name] !== undefined);
    const normT = tf.tidy(() => tf.sqrt(tf.addN(reached.map((v) => tf.sum(tf.square(acc[v.name]!)))))); // []
    const norm = (await readAndDispose(normT))[0]!;
    const scale = Number.isFinite(norm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    if (!Number.isFinite(norm)) throw new Error(`non-finite gradient norm (${norm}); the update was skipped`);
    tf.tidy(() => {
      optimizer.applyGradients(reached.map((v) => ({ name: v.name, tensor: scale === 1 ? acc[v.name]! : tf.mul(acc[v.name]!, scale) })));
    });
    out.loss = loss;
    out.gradNorm = norm;
    return out;
  } finally {
    for (const g of Object.values(acc)) g.dispose();
  }
}

export interface ActorBatch {
  ids: Tensor; // int32 [b, T]
  mask: Tensor; // [b, T−1]
  oldLogp: Tensor; // [b, T−1]
  advantages: Tensor; // [b, T−1]
  refLogp?: Tensor; // [b, T−1]
}

export interface ActorUpdateOptions {
  clipEps: number;
  clipEpsHigh?: number;
  klCoef: number;
  klKind: KlEstimator;
  entropyCoef: number;
  gradClip: number;
  /** Activation checkpointing in the update's forward pass (config model.gradientCheckpointing). */
  checkpoint?: boolean;
}

/**
 * One actor update on a mini-batch: PPO clipped loss + KL to the reference + entropy bonus. Given several
 * micro-batches, their token-weighted gradients are accumulated into the one update (see accumulatedUpdate).
 */
export async function actorUpdate(actor: Transformer, optimizer: tf.Optimizer, batches: ActorBatch | ActorBatch[], o: ActorUpdateOptions): Promise<Record<string, number>> {
  const micro = Array.isArray(batches) ? batches : [batches];
  const weights = await microBatchWeights(micro.map((b) => b.mask));
  return accumulatedUpdate(optimizer, actor.trainableVariables(), o.gradClip, micro.map((b, k) => ({ weight: weights[k]!, lossFn: () => {
    const { logits, logp } = actionLogProbs(actor, b.ids, o.checkpoint); // [b, T−1, V], [b, T−1]
    return actorLoss({
      logp,
      oldLogp: b.oldLogp,
      advantages: b.advantages,
      mask: b.mask,
      clipEps: o.clipEps,
      clipEpsHigh: o.clipEpsHigh,
      refLogp: b.refLogp,
      klCoef: o.klCoef,
      klKind: o.klKind,
      logits,
      entropyCoef: o.entropyCoef,
    });
  } })));
}

export interface CriticBatch {
  ids: Tensor; // int32 [b, T]
  mask: Tensor; // [b, T−1]
  oldValues: Tensor; // [b, T−1]
  returns: Tensor; // [b, T−1]
}

/**
 * One critic update on a mini-batch (or its micro-batches, accumulated): clipped value loss against the GAE
 * returns; checkpoint: activation checkpointing in its forward pass.
 */
export async function criticUpdate(critic: Transformer, optimizer: tf.Optimizer, batches: CriticBatch | CriticBatch[], clip: number, gradClip: number, checkpoint = false): Promise<Record<string, number>> {
  const micro = Array.isArray(batches) ? batches : [batches];
  const weights = await microBatchWeights(micro.map((b) => b.mask));
  return accumulatedUpdate(optimizer, critic.trainableVariables(), gradClip, micro.map((b, k) => ({ weight: weights[k]!, lossFn: () => {
    const [n, T] = b.ids.shape as [number, number];
    const { values } = critic.forward(b.ids as tf.Tensor2D, { checkpoint }); // [b, T]
    const v = tf.slice(values!, [0, 0], [n, T - 1]); // [b, T−1]
    return clippedValueLoss({ values: v, oldValues: b.oldValues, returns: b.returns, mask: b.mask, clip });
  } })));
}
