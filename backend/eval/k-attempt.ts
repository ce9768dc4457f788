// k-attempt evaluation (docs/ARCHITECTURE.md, "The method"): greedy decoding, the training prompt and feedback turns;
// a question is solved at k when one of its first k attempts is correct. Per dataset, accuracy for
// k = 1..K, and the mean over datasets.
//
// What the protocols compute, precisely:
// - 'one-episode' (default): ONE greedy episode of K attempts per question, prompt "You have K attempts",
//   feedback "K−1, K−2, … attempts left". solved@k = solvedAt < k (0-based). Greedy decoding is deterministic, so
//   attempts 1..k of this episode are exactly what a run with the SAME prompt (N = K) stopped after k
//   attempts would generate: 'one-episode' equals 'truncated' question by question (tested in
//   tests/backend/eval/k-attempt.test.ts). Cost: at most K attempts per question.
// - 'truncated': K separate runs, run k stops after k attempts with the N = K prompt and count-down. It
//   exists to check 'one-episode'; its numbers are identical. Cost: up to K(K+1)/2 attempts per question.
// - 'separate': the reference's literal protocol, K separate runs with N = k in the prompt ("You have k
//   attempts", feedback counting down from k). Its prompt differs from 'one-episode' for every k < K, so
//   its accuracies differ in general (they agree at k = K). Cost: up to K(K+1)/2 attempts per question.
// All protocols evaluate the same questions for every k: context fitting (run-questions.ts) reserves room
// for K attempts, so a skipped question is skipped at every k.
// The single-turn prompt (no attempts sentence) is allowed only for K = 1 (a baseline evaluated at k = 1).
import {
  runQuestions,
  type EvalModel,
  type EvalQuestion,
  type GenerationOptions,
  type EpisodePlan,
} from './run-questions.js';
import type { EpisodeResult } from '../rl/episode.js';
import { retryStats, type RetryStats } from './repeat-rate.js';
import { K_ATTEMPT_PROTOCOLS, type KAttemptProtocol } from './eval-defaults.js';


export interface DatasetQuestions {
  name: string;
  questions: EvalQuestion[];
}

export interface KAttemptOptions extends Omit<
  GenerationOptions,
  'temperature' | 'topP' | 'seed' | 'onProgress'
> {
  /** K: the sweep is k = 1..K. */
  maxAttempts: number;
  protocol?: KAttemptProtocol;
  /** 'single-turn' uses the baseline prompt without the attempts sentence; only with maxAttempts = 1. */
  prompt?: 'multi-attempt' | 'single-turn';
  /** Progress over all datasets and runs: units of work done / total (a unit = one question-run). */
  onProgress?: (done: number, total: number, dataset: string) => void;
}

export interface KAttemptDatasetResult {
  dataset: string;
  /** Questions evaluated (skipped ones excluded). */
  n: number;
  /** Ids of questions that did not fit the model's context. */
  skipped: string[];
  /** Evaluated questions whose generation budget was cut to fit the context. */
  reducedBudget: number;
  /** correctByK[k − 1]: questions solved within k attempts. */
  correctByK: number[];
  /** accuracyByK[k − 1] = correctByK[k − 1] / n (0 when n = 0). */
  accuracyByK: number[];
  /** Repeat / switch-to-correct rates over the K-attempt episodes. */
  retry: RetryStats;
  /** 'one-episode': the K-attempt episodes; otherwise every run's episodes (attemptsAllowed tells the run). */
  episodes: EpisodeResult[];
}

export interface KAttemptResult {
  maxAttempts: number;
  protocol: KAttemptProtocol;
  prompt: 'multi-attempt' | 'single-turn';
  datasets: KAttemptDatasetResult[];
  /** Mean over datasets (each weighted equally, as the reference reports) of accuracy at k; datasets with n = 0 excluded. */
  meanAccuracyByK: number[];
}

/** Pure: correct counts at k = 1..K from each question's 0-based solving attempt (null = unsolved). */
export function sweepFromSolvedAt(solvedAt: readonly (number | null)[], maxAttempts: number): number[] {
  const out = new Array<number>(maxAttempts).fill(0);
  for (const s of solvedAt) {
    if (s === null) continue;
    if (!Number.isInteger(s) || s < 0 || s >= maxAttempts)
      throw new Error(`sweepFromSolvedAt: solving attempt index ${s} is outside 0..${maxAttempts - 1}`);
    for (let k = s + 1; k <= maxAttempts; k++) out[k - 1]!++;
  }
  return out;
}

/** Pure: mean over datasets of accuracy at each k, skipping datasets with no evaluated question. */
export function meanAccuracy(
  datasets: readonly Pick<KAttemptDatasetResult, 'n' | 'accuracyByK'>[],
  maxAttempts: number,
): number[] {
  const used = datasets.filter((d) => d.n > 0);
  return Array.from({ length: maxAttempts }, (_, i) =>
    used.length === 0 ? 0 : used.reduce((s, d) => s + d.accuracyByK[i]!, 0) / used.length,
  );
}

function plansOf(
  K: number,
  protocol: KAttemptProtocol,
  singleTurn: boolean,
): { k: number; plan: EpisodePlan }[] {
  if (singleTurn) return [{ k: 1, plan: { promptAttempts: null, attempts: 1 } }];
  if (protocol === 'one-episode') return [{ k: K, plan: { promptAttempts: K, attempts: K } }];
  return Array.from({ length: K }, (_, i) => ({
    k: i + 1,
    plan: { promptAttempts: protocol === 'truncated' ? K : i + 1, attempts: i + 1, fitAttempts: K },
  }));
}

/** k-attempt evaluation of a live model (a loaded checkpoint or the model being trained) on datasets. */
export async function evaluateKAttempt(
  m: EvalModel,
  datasets: readonly DatasetQuestions[],
  opts: KAttemptOptions,
): Promise<KAttemptResult> {
  const K = opts.maxAttempts;
  if (!Number.isInteger(K) || K < 1)
    throw new Error(`k-attempt evaluation: maxAttempts must be a positive integer, got ${K}`);
  const protocol = opts.protocol ?? 'one-episode';
  if (!K_ATTEMPT_PROTOCOLS.includes(protocol))
    throw new Error(
      `k-attempt evaluation: unknown protocol '${protocol}' (known: ${K_ATTEMPT_PROTOCOLS.join(', ')})`,
    );
  const prompt = opts.prompt ?? 'multi-attempt';
  if (prompt === 'single-turn' && K !== 1)
    throw new Error(
      `k-attempt evaluation: the single-turn prompt is evaluated at k = 1 only, got maxAttempts ${K}`,
    );
  const plans = plansOf(K, protocol, prompt === 'single-turn');
  const total = datasets.reduce((s, d) => s + d.questions.length, 0) * plans.length;
  let doneBefore = 0;
  const results: KAttemptDatasetResult[] = [];
  for (const d of datasets) {
    const correctByK = new Array<number>(K).fill(0);
    const episodes: EpisodeResult[] = [];
    let skipped: string[] = [];
    let reducedBudget = 0;
    let n = 0;
    let lastRun: EpisodeResult[] = [];
    for (const { k, plan } of plans) {
      const r = await runQuestions(m, d.questions, plan, {
        ...opts,
        temperature: 0,
        onProgress: (done) => opts.onProgress?.(doneBefore + done, total, d.name),
      });
      doneBefore += d.questions.length;
      episodes.push(...r.episodes);
      skipped = r.skipped;
      reducedBudget = Math.max(reducedBudget, r.reducedBudget);
      n = r.episodes.length;
      lastRun = r.episodes;
      if (plans.length === 1)
        sweepFromSolvedAt(
          r.episodes.map((e) => e.solvedAt),
          K,
        ).forEach((c, i) => (correctByK[i] = c));
      else correctByK[k - 1] = r.episodes.filter((e) => e.solvedAt !== null).length;
    }
    results.push({
      dataset: d.name,
      n,
      skipped,
      reducedBudget,
      correctByK,
      accuracyByK: correctByK.map((c) => (n > 0 ? c / n : 0)),
      retry: retryStats(lastRun.map((e) => e.attempts)),
      episodes,
    });
  }
  return { maxAttempts: K, protocol, prompt, datasets: results, meanAccuracyByK: meanAccuracy(results, K) };
}
