// Token sampling from one row of logits (greedy / temperature / top-p) with the seeded RNG, and the log-prob
// RL needs: log p(token) under the temperature-scaled distribution *before* top-p truncation.
import type { Rng } from './rng.js';

export interface SamplingOptions {
  /** 0 = greedy (argmax; log-probs then reported at temperature 1). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of most likely tokens whose probability sums to ≥ topP. 1 = off. */
  topP: number;
}

export function validateSampling(o: SamplingOptions): void {
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature))
    throw new Error(`sampling: temperature must be ≥ 0, got ${o.temperature}`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${o.topP}`);
}

/** Log-softmax of logits/temperature at one index (temperature 0 is treated as 1). */
export function logProbAt(logits: ArrayLike<number>, token: number, temperature: number): number {
  const t = temperature > 0 ? temperature : 1;
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) if (logits[j] > max) max = logits[j];
  let z = 0;
  for (let j = 0; j < logits.length; j++) z += Math.exp((logits[j] - max) / t);
  return (logits[token] - max) / t - Math.log(z);
}

function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
  return best;
}

/**
 * Samples one token. Greedy when temperature is 0 (lowest index wins ties; the RNG is not used).
 * Top-p is exact: candidates are the tokens above a probability threshold that is lowered until their
 * total reaches topP, so only those few are sorted (cheap for large vocabularies).
 */
export function sampleToken(
  logits: ArrayLike<number>,
  opts: SamplingOptions,
  rng: Rng,
): { token: number; logprob: number } {
  if (opts.temperature === 0) {
    const token = argmax(logits);
    return { token, logprob: logProbAt(logits, token, 1) };
  }
  const V = logits.length;
  const t = opts.temperature;
  let max = -Infinity;
  for (let j = 0; j < V; j++) if (logits[j] > max) max = logits[j];
  const p = new Float64Array(V);
  let z = 0;
  for (let j = 0; j < V; j++) z += p[j] = Math.exp((logits[j] - max) / t);
  for (let j = 0; j < V; j++) p[j] /= z;
  const u = rng.next();
  let token = V - 1;
  if (opts.topP >= 1) {
    let acc = 0;
    for (let j = 0; j < V; j++) {
      acc += p[j];
      if (u < acc) {
        token = j;
        break;
      }
    }
  } else {
    let threshold = 1 / V;
    let cand: number[] = [];
    for (;;) {
      cand = [];
      let mass = 0;
      for (let j = 0; j < V; j++)
        if (p[j] >= threshold) {
          cand.push(j);
          mass += p[j];
        }
      if (mass >= opts.topP || threshold < 1e-30) break;
      threshold /= 16;
    }
    cand.sort((a, b) => p[b] - p[a] || a - b);
    const kept: number[] = [];
    let mass = 0;
    for (const j of cand) {
      kept.push(j);
      mass += p[j];
      if (mass >= opts.topP) break;
    }
    let acc = 0;
    token = kept[kept.length - 1];
    for (const j of kept) {
      acc += p[j] / mass;
      if (u < acc) {
        token = j;
        break;
      }
    }
  }
  return { token, logprob: Math.log(p[token]) };
}
