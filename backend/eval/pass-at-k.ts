// Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", §2.1) and the
// summary of a sampled evaluation: n independent samples per question at temperature > 0. This is NOT
// k-attempt accuracy: pass@k asks whether any of k independent samples is right, with no feedback between
// them; k-attempt accuracy (k-attempt.ts) lets the model see "your answer is incorrect" and retry.

/**
 * pass@k for one question with `n` samples of which `c` are correct: 1 − C(n−c, k) / C(n, k), computed
 * as 1 − ∏_{i=n−c+1..n} (1 − k / i) so no binomial coefficient is ever formed (stable for large n).
 * Exactly 1 when k > n − c (every k-subset holds a correct sample), exactly 0 when c = 0.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`passAtK: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n)
    throw new Error(`passAtK: c must be an integer in 0..${n}, got ${c}`);
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`passAtK: k must be an integer in 1..${n}, got ${k}`);
  if (c === 0) return 0;
  if (n - c < k) return 1;
  let fail = 1; // C(n−c, k) / C(n, k)
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/** Correct-sample counts of one question. */
export interface SampleCounts {
  /** Samples drawn for the question. */
  n: number;
  /** How many of them were correct. */
  correct: number;
}

export interface SampledSummary {
  /** Questions evaluated. */
  questions: number;
  /** Samples per question (the same for all). */
  samplesPerQuestion: number;
  /** Correct samples over all questions. */
  correctSamples: number;
  /** Mean per-sample accuracy: correctSamples / (questions × samplesPerQuestion). */
  meanAccuracy: number;
  /** k → mean over questions of the unbiased pass@k, for k = 1..samplesPerQuestion. pass@1 = meanAccuracy. */
  passAtK: Record<number, number>;
}

/** Mean accuracy and pass@k for k = 1..n over questions that each drew the same number n of samples. */
export function summarizeSamples(counts: readonly SampleCounts[]): SampledSummary {
  if (counts.length === 0)
    return { questions: 0, samplesPerQuestion: 0, correctSamples: 0, meanAccuracy: 0, passAtK: {} };
  const n = counts[0]!.n;
  counts.forEach((q, i) => {
    if (q.n !== n) throw new Error(`summarizeSamples: question ${i} drew ${q.n} samples, others ${n}`);
  });
  const correctSamples = counts.reduce((s, q) => s + q.correct, 0);
  const passAt: Record<number, number> = {};
  for (let k = 1; k <= n; k++)
    passAt[k] = counts.reduce((s, q) => s + passAtK(n, q.correct, k), 0) / counts.length;
  return {
    questions: counts.length,
    samplesPerQuestion: n,
    correctSamples,
    meanAccuracy: correctSamples / (counts.length * n),
    passAtK: passAt,
  };
}
