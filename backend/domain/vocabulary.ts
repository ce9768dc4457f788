// The words every layer shares, in one tfjs-free module with no imports: run kinds and statuses (and which
// statuses are final), attempt verdicts, evaluation metric names, and the records of an episode and its
// attempts as they are stored. The API contract, the database, rl/, eval/ and the renderer all import them.

/** What a run does: RL training (with its periodic evaluation) or a k-attempt evaluation of a checkpoint. */
export const RUN_KINDS = ['train', 'eval'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** A run's lifecycle: queued → running → one of the terminal statuses (backend/jobs/run-status.ts checks the moves). */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The statuses a run ends in: no process works on it any more (resume starts it again). */
export const TERMINAL_STATUSES = ['completed', 'stopped', 'failed', 'interrupted'] as const satisfies readonly RunStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: RunStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly RunStatus[]).includes(status);
}

/**
 * How one attempt ended: boxed and right, boxed and wrong, the turn ended (stop token) without a `\boxed{}`,
 * or the token budget ran out before the attempt held a boxed answer.
 */
export const VERDICTS = ['correct', 'wrong', 'no_box', 'over_budget'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Names of stored evaluation results: k_attempt — solved within k attempts of one N = K episode;
 * k_attempt_separate — a run with N = k in the prompt for each k; pass_at_k — unbiased pass@k of sampled
 * single attempts; mean_accuracy — the mean over datasets of k_attempt (or k_attempt_separate).
 */
export const EVAL_METRICS = ['k_attempt', 'k_attempt_separate', 'pass_at_k', 'mean_accuracy'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Where an episode's question came from: the training questions or an evaluation. */
export type EpisodeSplit = 'train' | 'eval';

/** One attempt as generated, graded and stored. */
export interface AttemptRecord {
  /** The attempt's text (without the stop token that ended the turn). */
  response: string;
  /** The graded answer, or null when the attempt had no box. */
  extracted: string | null;
  verdict: Verdict;
  /** Tokens the model generated for it. */
  tokens: number;
}

/** One episode as stored: its question and its attempts in order. */
export interface EpisodeRecord {
  split: EpisodeSplit;
  dataset: string;
  questionId: string;
  question: string;
  gold: string;
  sampleIndex?: number;
  attemptsAllowed: number;
  reward: number;
  /** In order; attempts_used, solved_at, verdict and tokens of the episode are derived from them. */
  attempts: AttemptRecord[];
}

/** 0-based index of the correct attempt (an episode ends on it), or null when unsolved. Everywhere: `solvedAt`. */
export function solvedAtOf(attempts: readonly Pick<AttemptRecord, 'verdict'>[]): number | null {
  const i = attempts.findIndex((a) => a.verdict === 'correct');
  return i >= 0 ? i : null;
}
