// Context fitting, shared by training and evaluation: an episode needs its prompt, up to (N − 1) feedback
// turns and the tokens it generates within the model's context. Pure arithmetic on token counts, plus the
// training set's one-time filter (prompts measured with the run's tokenizer and dialogue).
//
// An episode's generation budget is min(maxTotalTokens, context − prompt − (N − 1) × longest feedback turn).
// A question whose budget is under min(N × min(minTokensPerAttempt, maxTokensPerAttempt), maxTotalTokens)
// cannot fit: it is skipped and counted, never truncated and never an error.
import type { EpisodeDialogue, EpisodeTokenizer } from './episode.js';

/** Smallest generation room per attempt a question must have to be run at all (unless the budgets are smaller). */
export const MIN_TOKENS_PER_ATTEMPT = 8;

export interface FitBudgets {
  /** The model's context (maxPositions). */
  context: number;
  maxTokensPerAttempt: number;
  maxTotalTokens: number;
  /** Default MIN_TOKENS_PER_ATTEMPT. */
  minTokensPerAttempt?: number;
}

/** The longest feedback turn any count-down of an N-attempt episode injects (lengths differ only in digits). */
export function longestFeedback(tokenizer: EpisodeTokenizer, dialogue: EpisodeDialogue, maxAttempts: number): number {
  let len = 0;
  for (let left = 1; left < maxAttempts; left++) len = Math.max(len, tokenizer.encode(dialogue.feedback(left, false)).length);
  return len;
}

/** Pure: the smallest budget an episode of `attempts` attempts may run with. */
export function requiredBudget(attempts: number, b: FitBudgets): number {
  return Math.min(attempts * Math.min(b.minTokensPerAttempt ?? MIN_TOKENS_PER_ATTEMPT, b.maxTokensPerAttempt), b.maxTotalTokens);
}

/** Pure: an episode's generation budget, or null when it cannot fit (`attempts` feedback turns reserved as N − 1). */
export function episodeBudget(promptTokens: number, attempts: number, feedbackTokens: number, b: FitBudgets): number | null {
  const room = b.context - promptTokens - (attempts - 1) * feedbackTokens;
  const budget = Math.min(b.maxTotalTokens, room);
  return budget < requiredBudget(attempts, b) ? null : budget;
}

export interface TrainingPoolFit<Q> {
  /** Questions that fit the context with the largest N the run draws. */
  kept: Q[];
  /** Ids of those that do not. */
  skipped: string[];
  /** The longest prompt among the skipped ones (0 when none): for the log line. */
  longestSkippedPrompt: number;
}

/**
 * Splits a training set into the questions that fit `maxAttempts` attempts (the worst case of every drawn N)
 * and those that do not. `attempts` null measures the single-turn prompt (one attempt).
 */
export function fitTrainingPool<Q extends { id: string; question: string }>(
  questions: readonly Q[],
  text: { tokenizer: EpisodeTokenizer; dialogue: EpisodeDialogue },
  maxAttempts: number | null,
  b: FitBudgets,
): TrainingPoolFit<Q> {
  const N = maxAttempts ?? 1;
  const fb = longestFeedback(text.tokenizer, text.dialogue, N);
  const kept: Q[] = [];
  const skipped: string[] = [];
  let longestSkippedPrompt = 0;
  for (const q of questions) {
    const promptLen = text.tokenizer.encode(text.dialogue.prompt(q.question, maxAttempts)).length;
    if (episodeBudget(promptLen, N, fb, b) === null) {
      skipped.push(q.id);
      longestSkippedPrompt = Math.max(longestSkippedPrompt, promptLen);
    } else kept.push(q);
  }
  return { kept, skipped, longestSkippedPrompt };
}
