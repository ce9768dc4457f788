// Advantage estimators (gae, grpo, rloo, reinforce++) chosen by name from a registry, and masked whitening.
// Pure functions on Float32Arrays laid out [B, T] row-major; no tfjs. Only loss-mask tokens get values.
import type { BatchMasks } from './masks.js';

export interface AdvantageBatch {
  /** Loss mask and attempt structure from `buildBatchMasks`. */
  masks: Pick<BatchMasks, 'batch' | 'length' | 'lossMask' | 'next' | 'last'>;
  /** [B] the episode's scalar reward, placed on its last generated token. */
  rewards: ArrayLike<number>;
  /** [B·T] critic values V(s_t) at each token (gae). */
  values?: Float32Array;
  /** [B] which prompt each sample answers; samples of one prompt form a group (grpo, rloo). */
  groups?: ArrayLike<number>;
  /** [B·T] per-token KL estimate to the reference policy, e.g. log π_old − log π_ref (reinforce++). */
  kl?: Float32Array;
}

export interface AdvantageOptions {
  /** Discount γ inside an attempt (gae, reinforce++). Default 1. */
  gamma?: number;
  /** GAE λ inside an attempt. Default 0.99 (docs/ARCHITECTURE.md, "The method"). */
  lambda?: number;
  /** REINFORCE++ KL penalty β folded into the token rewards. Default 0. */
  klCoef?: number;
  /** GRPO: divide by the group's standard deviation (default true; false = mean-centring only). */
  normalizeByStd?: boolean;
  /** Numerical floor for standard deviations. Default 1e-6. */
  eps?: number;
}

export interface AdvantageResult {
  /** [B·T] advantages, 0 off the mask. */
  advantages: Float32Array;
  /** [B·T] value targets (gae: A + V) or returns; 0 off the mask. */
  returns: Float32Array;
}

export type AdvantageEstimator = (batch: AdvantageBatch, opts: AdvantageOptions) => AdvantageResult;

function need<T>(value: T | undefined, what: string, estimator: string): T {
  if (value === undefined) throw new Error(`advantages: '${estimator}' needs ${what}`);
  return value;
}

function checkRewards(batch: AdvantageBatch): void {
  const { masks, rewards } = batch;
  if (rewards.length !== masks.batch)
    throw new Error(`advantages: expected ${masks.batch} rewards (one per row), got ${rewards.length}`);
}

/**
 * Generalised Advantage Estimation (Schulman et al. 2016, "High-Dimensional Continuous Control Using
 * Generalized Advantage Estimation", arXiv:1506.02438), walking only over generated tokens:
 *   δ_t = r_t + γ_t V(s_{n(t)}) − V(s_t),   A_t = δ_t + γ_t λ_t A_{n(t)},   returns_t = A_t + V(s_t)
 * where n(t) = masks.next[t] is the next generated token, r_t = R on the episode's last generated token and
 * 0 elsewhere, and V(s_{n}) = A_{n} = 0 at the end. Inside an attempt γ_t, λ_t = γ, λ; when n(t) jumps over
 * a feedback span (the last token of attempt i → the first token of attempt i+1), γ_t = λ_t = 1: the injected
 * feedback is transparent and attempt i bootstraps from the value at the start of attempt i+1.
 */
export const gae: AdvantageEstimator = (batch, opts) => {
  checkRewards(batch);
  const { batch: B, length: T, lossMask, next, last } = batch.masks;
  const values = need(batch.values, 'values ([B·T] critic values)', 'gae');
  if (values.length !== B * T)
    throw new Error(`advantages: gae values must have ${B * T} entries, got ${values.length}`);
  const gamma = opts.gamma ?? 1;
  const lambda = opts.lambda ?? 0.99;
  const advantages = new Float32Array(B * T);
  const returns = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const row = b * T;
    for (let t = T - 1; t >= 0; t--) {
      if (lossMask[row + t] === 0) continue;
      const n = next[row + t]!;
      const r = t === last[b] ? batch.rewards[b]! : 0;
      let a: number;
      if (n < 0) a = r - values[row + t]!;
      else {
        const [g, l] = n === t + 1 ? [gamma, lambda] : [1, 1];
        a = r + g * values[row + n]! - values[row + t]! + g * l * advantages[row + n]!;
      }
      advantages[row + t] = a;
      returns[row + t] = a + values[row + t]!;
    }
  }
  return { advantages, returns };
};

/** Groups rows by `batch.groups`, checking every group has at least 2 samples. */
function groupRows(batch: AdvantageBatch, estimator: string): Map<number, number[]> {
  checkRewards(batch);
  const groups = need(batch.groups, 'groups ([B] prompt id per sample)', estimator);
  if (groups.length !== batch.masks.batch)
    throw new Error(`advantages: expected ${batch.masks.batch} group ids, got ${groups.length}`);
  const byGroup = new Map<number, number[]>();
  for (let b = 0; b < groups.length; b++) {
    const g = groups[b]!;
    byGroup.set(g, [...(byGroup.get(g) ?? []), b]);
  }
  for (const [g, rows] of byGroup) {
    if (rows.length < 2)
      throw new Error(
        `advantages: '${estimator}' needs at least 2 samples per prompt; group ${g} has ${rows.length}`,
      );
  }
  return byGroup;
}

/** Writes one scalar per row onto every masked token of that row (outcome supervision). */
function broadcastRows(batch: AdvantageBatch, perRow: Float64Array): AdvantageResult {
  const { batch: B, length: T, lossMask } = batch.masks;
  const advantages = new Float32Array(B * T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) advantages[b * T + t] = lossMask[b * T + t]! * perRow[b]!;
  return { advantages, returns: advantages.slice() };
}

/**
 * GRPO group-normalised outcome advantage (Shao et al. 2024, "DeepSeekMath", arXiv:2402.03300, §4.1.2):
 *   A_i = (R_i − mean(R_group)) / (std(R_group) + eps)
 * on every generated token of sample i; std is the unbiased (n−1) standard deviation, as in verl/OpenRLHF.
 * A group whose rewards are all equal gets advantage 0. `normalizeByStd: false` keeps only the centring.
 */
export const grpo: AdvantageEstimator = (batch, opts) => {
  const eps = opts.eps ?? 1e-6;
  const perRow = new Float64Array(batch.masks.batch);
  for (const rows of groupRows(batch, 'grpo').values()) {
    const rs = rows.map((b) => batch.rewards[b]!);
    const mean = rs.reduce((s, r) => s + r, 0) / rs.length;
    const std = Math.sqrt(rs.reduce((s, r) => s + (r - mean) ** 2, 0) / (rs.length - 1));
    rows.forEach(
      (b, i) => (perRow[b] = opts.normalizeByStd === false ? rs[i]! - mean : (rs[i]! - mean) / (std + eps)),
    );
  }
  return broadcastRows(batch, perRow);
};

/**
 * REINFORCE Leave-One-Out (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization
 * for Learning from Human Feedback in LLMs", arXiv:2402.14740): with k samples of one prompt,
 *   A_i = R_i − (1/(k−1)) Σ_{j≠i} R_j
 * on every generated token of sample i. Equal rewards in a group give advantage 0.
 */
export const rloo: AdvantageEstimator = (batch) => {
  const perRow = new Float64Array(batch.masks.batch);
  for (const rows of groupRows(batch, 'rloo').values()) {
    const sum = rows.reduce((s, b) => s + batch.rewards[b]!, 0);
    for (const b of rows) perRow[b] = batch.rewards[b]! - (sum - batch.rewards[b]!) / (rows.length - 1);
  }
  return broadcastRows(batch, perRow);
};

/**
 * REINFORCE++ (Hu 2025, "REINFORCE++: A Simple and Efficient Approach for Aligning Large Language Models",
 * arXiv:2501.03262): no critic; token rewards r_t = −β·KL_t, plus R on the last generated token; the
 * advantage is the discounted return over generated tokens
 *   G_t = r_t + γ_t G_{n(t)}   (γ_t = 1 across a feedback span, as in gae)
 * normalised over the whole batch (global masked whitening, applied by `computeAdvantages` by default).
 * Without `batch.kl` (or with β = 0) the KL term is left to the actor loss instead.
 */
export const reinforcePlusPlus: AdvantageEstimator = (batch, opts) => {
  checkRewards(batch);
  const { batch: B, length: T, lossMask, next, last } = batch.masks;
  const gamma = opts.gamma ?? 1;
  const beta = opts.klCoef ?? 0;
  if (beta !== 0) need(batch.kl, 'kl ([B·T] per-token KL) when klCoef ≠ 0', 'reinforce++');
  const advantages = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const row = b * T;
    for (let t = T - 1; t >= 0; t--) {
      if (lossMask[row + t] === 0) continue;
      const n = next[row + t]!;
      const r = (t === last[b] ? batch.rewards[b]! : 0) - (beta !== 0 ? beta * batch.kl![row + t]! : 0);
      advantages[row + t] = n < 0 ? r : r + (n === t + 1 ? gamma : 1) * advantages[row + n]!;
    }
  }
  return { advantages, returns: advantages.slice() };
};

interface EstimatorEntry {
  fn: AdvantageEstimator;
  /** Whether `computeAdvantages` whitens the result over the batch unless told otherwise. */
  whitenByDefault: boolean;
}

/** The registry: estimator name → function. PPO uses `gae`. */
export const ADVANTAGE_ESTIMATORS: Readonly<Record<string, EstimatorEntry>> = {
  gae: { fn: gae, whitenByDefault: true },
  grpo: { fn: grpo, whitenByDefault: false },
  rloo: { fn: rloo, whitenByDefault: false },
  'reinforce++': { fn: reinforcePlusPlus, whitenByDefault: true },
};

export function advantageEstimator(name: string): EstimatorEntry {
  const entry = Object.hasOwn(ADVANTAGE_ESTIMATORS, name) ? ADVANTAGE_ESTIMATORS[name] : undefined;
  if (!entry)
    throw new Error(
      `advantages: unknown estimator '${name}' (supported: ${Object.keys(ADVANTAGE_ESTIMATORS).join(', ')})`,
    );
  return entry;
}

/** The estimator an algorithm of the run config uses: ppo → gae; the others are their own estimator. */
export function estimatorForAlgorithm(algorithm: 'ppo' | 'grpo' | 'rloo' | 'reinforce++'): string {
  return algorithm === 'ppo' ? 'gae' : algorithm;
}

/** Runs the named estimator, then masked whitening of the advantages when `whiten` (default per estimator). */
export function computeAdvantages(
  name: string,
  batch: AdvantageBatch,
  opts: AdvantageOptions & { whiten?: boolean } = {},
): AdvantageResult {
  const entry = advantageEstimator(name);
  const result = entry.fn(batch, opts);
  if (opts.whiten ?? entry.whitenByDefault)
    result.advantages = maskedWhiten(result.advantages, batch.masks.lossMask);
  return result;
}

/**
 * Masked whitening over the whole batch: with μ and σ² the mean and unbiased variance of x over tokens with
 * mask 1, returns (x − μ)/sqrt(σ² + eps) on the mask (or x/sqrt(σ² + eps) with shiftMean false) and 0 off it.
 * Tokens with mask 0 (prompt, feedback, pad) never enter μ or σ².
 */
export function maskedWhiten(
  x: Float32Array,
  mask: Float32Array,
  opts: { shiftMean?: boolean; eps?: number } = {},
): Float32Array {
  if (x.length !== mask.length)
    throw new Error(
      `advantages: whitening needs x and mask of equal length, got ${x.length} and ${mask.length}`,
    );
  const eps = opts.eps ?? 1e-8;
  let n = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask[i] !== 0) {
      n++;
      sum += x[i]!;
    }
  }
  const out = new Float32Array(x.length);
  if (n === 0) return out;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (mask[i] !== 0) ss += (x[i]! - mean) ** 2;
  const variance = n > 1 ? ss / (n - 1) : 0;
  const scale = 1 / Math.sqrt(variance + eps);
  for (let i = 0; i < x.length; i++)
    if (mask[i] !== 0) out[i] = (opts.shiftMean === false ? x[i]! : x[i]! - mean) * scale;
  return out;
}
