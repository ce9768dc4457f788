// The RL losses as pure tensor functions returning `{ loss, metrics }` (OpenRLHF/verl style): masked
// token-level mean, PPO clipped policy loss, clipped value loss, k1/k2/k3 KL, entropy, and the actor total.
import { tf, type Tensor } from '../model/core/tf.js';

/** Scalar diagnostics of a loss (tensors, so they can be read after the step; see {@link readMetrics}). */
export type Metrics = Record<string, tf.Scalar>;

export interface LossResult {
  loss: tf.Scalar;
  metrics: Metrics;
}

/**
 * Token-level masked mean: Σ mask·x / max(Σ mask, 1) over all elements (every token of the batch weighs the
 * same, whatever its sequence's length). Off-mask entries are selected away with `where`, so their value
 * (even a huge or non-finite one) never reaches the result and their gradient is exactly 0.
 */
export function maskedMean(x: Tensor, mask: Tensor): tf.Scalar {
  return tf.tidy(() => {
    const on = tf.greater(mask, 0); // [B, T] bool
    const num = tf.sum(tf.mul(tf.where(on, x, tf.zerosLike(x)), mask));
    return tf.div(num, tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

// Per-token log-probabilities and entropy are the model's (one implementation, backend/model/core/logprobs.ts).
import { tokenLogProbs, entropyFromLogits } from '../model/core/logprobs.js';
export { tokenLogProbs, entropyFromLogits };

export type KlEstimator = 'k1' | 'k2' | 'k3';
export const KL_ESTIMATORS: readonly KlEstimator[] = ['k1', 'k2', 'k3'];

/**
 * Per-token estimate of KL(π ‖ π_ref) from samples of π (Schulman 2020, "Approximating KL Divergence",
 * http://joschu.net/blog/kl-approx.html), with log r = log π_ref − log π:
 *   k1 = −log r          (unbiased, high variance, can be negative)
 *   k2 = ½ (log r)²      (biased, low variance)
 *   k3 = (r − 1) − log r (unbiased, low variance, ≥ 0; the reference's choice)
 * log r is clamped to [−20, 20] and k3 to at most 10, as verl does, so one outlier token cannot explode the loss.
 */
export function computeApproxKl(logp: Tensor, refLogp: Tensor, kind: KlEstimator): Tensor {
  if (!KL_ESTIMATORS.includes(kind))
    throw new Error(
      `losses: unknown KL estimator '${String(kind)}' (supported: ${KL_ESTIMATORS.join(', ')})`,
    );
  return tf.tidy(() => {
    const logR = tf.clipByValue(tf.sub(refLogp, logp), -20, 20); // [B, T]
    if (kind === 'k1') return tf.neg(logR);
    if (kind === 'k2') return tf.mul(tf.square(logR), 0.5);
    return tf.minimum(tf.sub(tf.sub(tf.exp(logR), 1), logR), 10);
  });
}

export interface PolicyLossInput {
  /** [B, T] log-probs of the sampled tokens under the current policy (carries the gradient). */
  logp: Tensor;
  /** [B, T] log-probs under the policy that generated the rollout. */
  oldLogp: Tensor;
  /** [B, T] advantages (already whitened if wanted). */
  advantages: Tensor;
  /** [B, T] loss mask: 1 on generated tokens. */
  mask: Tensor;
  /** Clip range ε (reference 0.2); the ratio is kept in [1 − ε, 1 + εHigh]. */
  clipEps: number;
  /** Upper clip range; defaults to ε. */
  clipEpsHigh?: number;
}

/**
 * PPO clipped surrogate (Schulman et al. 2017, "Proximal Policy Optimization Algorithms", arXiv:1707.06347):
 *   ρ_t = exp(log π − log π_old),  L = mean_t max(−A_t ρ_t, −A_t clip(ρ_t, 1 − ε, 1 + ε))
 * as a token-level masked mean. Metrics: `clipFraction` (share of tokens where the clipped term is the
 * active one), `approxKl` = mean(log π_old − log π) between the rollout policy and the current one.
 */
export function ppoPolicyLoss(input: PolicyLossInput): LossResult {
  const { logp, oldLogp, advantages, mask, clipEps } = input;
  const high = input.clipEpsHigh ?? clipEps;
  return tf.tidy(() => {
    const logRatio = tf.clipByValue(tf.sub(logp, oldLogp), -20, 20); // [B, T]
    const ratio = tf.exp(logRatio); // [B, T]
    const unclipped = tf.neg(tf.mul(advantages, ratio)); // [B, T]
    const clipped = tf.neg(tf.mul(advantages, tf.clipByValue(ratio, 1 - clipEps, 1 + high))); // [B, T]
    const loss = maskedMean(tf.maximum(unclipped, clipped), mask);
    const clipFraction = maskedMean(tf.cast(tf.greater(clipped, unclipped), 'float32'), mask);
    const approxKl = maskedMean(tf.neg(logRatio), mask);
    return { loss, metrics: { policyLoss: loss.clone(), clipFraction, approxKl } };
  });
}

export interface ValueLossInput {
  /** [B, T] current critic values (carries the gradient). */
  values: Tensor;
  /** [B, T] values at rollout time. */
  oldValues: Tensor;
  /** [B, T] value targets (GAE returns). */
  returns: Tensor;
  mask: Tensor;
  /** Value clip range (reference 0.2). */
  clip: number;
}

/**
 * Clipped value loss (PPO2 style, as in OpenRLHF/verl): V_clip = V_old + clip(V − V_old, −c, c),
 *   L = ½ mean_t max((V − R)², (V_clip − R)²)
 * Metrics: `valueError` = mean (V − R)², `valueClipFraction` = share of tokens where the clipped error is larger.
 */
export function clippedValueLoss(input: ValueLossInput): LossResult {
  const { values, oldValues, returns, mask, clip } = input;
  return tf.tidy(() => {
    const vClipped = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clip, clip)); // [B, T]
    const err = tf.square(tf.sub(values, returns)); // [B, T]
    const errClipped = tf.square(tf.sub(vClipped, returns)); // [B, T]
    const loss = tf.mul(maskedMean(tf.maximum(err, errClipped), mask), 0.5) as tf.Scalar;
    const valueError = maskedMean(err, mask);
    const valueClipFraction = maskedMean(tf.cast(tf.greater(errClipped, err), 'float32'), mask);
    return { loss, metrics: { valueLoss: loss.clone(), valueError, valueClipFraction } };
  });
}

/** KL to the frozen reference policy as a loss term: coef · mean_t KL_t (not folded into the reward). Metric `kl`. */
export function klLoss(
  logp: Tensor,
  refLogp: Tensor,
  mask: Tensor,
  kind: KlEstimator,
  coef: number,
): LossResult {
  return tf.tidy(() => {
    const kl = maskedMean(computeApproxKl(logp, refLogp, kind), mask);
    return { loss: tf.mul(kl, coef) as tf.Scalar, metrics: { kl } };
  });
}

export interface ActorLossInput extends PolicyLossInput {
  /** [B, T] reference-model log-probs; required when klCoef > 0. */
  refLogp?: Tensor;
  klCoef: number;
  klKind: KlEstimator;
  /** [B, T, V] logits, for the entropy (metric, and bonus when entropyCoef > 0). */
  logits?: Tensor;
  entropyCoef?: number;
}

/**
 * The actor's total loss: PPO policy loss + klCoef · KL(π ‖ π_ref) − entropyCoef · H(π), every term a
 * token-level masked mean over the same loss mask, so feedback and prompt tokens receive no gradient.
 * Metrics: policyLoss, clipFraction, approxKl, kl (when refLogp is given), entropy (when logits are given).
 */
export function actorLoss(input: ActorLossInput): LossResult {
  const entropyCoef = input.entropyCoef ?? 0;
  if (input.klCoef !== 0 && !input.refLogp)
    throw new Error('losses: actorLoss needs refLogp when klCoef ≠ 0');
  if (entropyCoef !== 0 && !input.logits)
    throw new Error('losses: actorLoss needs logits when entropyCoef ≠ 0');
  return tf.tidy(() => {
    const pg = ppoPolicyLoss(input);
    let total: tf.Scalar = pg.loss;
    const metrics: Metrics = { ...pg.metrics };
    if (input.refLogp) {
      const kl = klLoss(input.logp, input.refLogp, input.mask, input.klKind, input.klCoef);
      if (input.klCoef !== 0) total = tf.add(total, kl.loss);
      metrics.kl = kl.metrics.kl!;
    }
    if (input.logits) {
      const entropy = maskedMean(entropyFromLogits(input.logits), input.mask);
      if (entropyCoef !== 0) total = tf.sub(total, tf.mul(entropy, entropyCoef));
      metrics.entropy = entropy;
    }
    return { loss: total, metrics };
  });
}

/** Reads scalar metrics into numbers and disposes them (async: WebGPU reads only asynchronously). */
export async function readMetrics(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    for (const [name, t] of Object.entries(metrics)) out[name] = (await t.data())[0]!;
  } finally {
    for (const t of Object.values(metrics)) t.dispose();
  }
  return out;
}
