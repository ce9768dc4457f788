// The scalar reward of one episode from the sequence of its attempts' final statuses (docs/ARCHITECTURE.md, "The method").
// Pure, no tfjs: the episode generator calls it once per finished episode; the trainer places the value
// on the episode's last generated token.

import { VERDICTS, type Verdict } from '../domain/vocabulary.js';

export interface RewardValues {
  /** A correct boxed answer in any attempt (reference: +1). */
  correct: number;
  /** At least one boxed answer, none correct (reference: −0.5). */
  wrong: number;
  /** No boxed answer in any attempt, including running out of budget (reference: −1). */
  noBox: number;
}

export const REFERENCE_REWARDS: Readonly<RewardValues> = { correct: 1, wrong: -0.5, noBox: -1 };

export interface RewardOptions {
  values?: RewardValues;
  /**
   * Optional per-attempt discount δ ∈ (0, 1] on the success reward (default 1 = off, as in the reference).
   * With δ < 1 an episode solved at attempt index i (0-based) earns `correct · δ^i`: solving on the first
   * try earns the full reward, each retry costs a factor δ. Failure rewards are never discounted, so a
   * late success is always worth more than any failure as long as `correct · δ^(N−1) > wrong`.
   */
  attemptDiscount?: number;
}

export interface EpisodeOutcome {
  reward: number;
  /** 0-based index of the correct attempt, or -1 when unsolved. */
  solvedAt: number;
  /** Whether any attempt held a boxed answer. */
  anyBoxed: boolean;
  attemptsUsed: number;
}

/**
 * Reward of an episode (multi-attempt or the single-turn baseline, which is the same with one attempt):
 * start at `noBox` (−1); any boxed wrong answer sets it to `wrong` (−0.5); a correct answer in any attempt
 * sets it to `correct` (+1), times `attemptDiscount^i` for the solving attempt i. An episode ends on its
 * first correct attempt, so `correct` may only be the last status.
 */
export function episodeOutcome(statuses: readonly Verdict[], opts: RewardOptions = {}): EpisodeOutcome {
  const values = opts.values ?? REFERENCE_REWARDS;
  const discount = opts.attemptDiscount ?? 1;
  if (!(discount > 0 && discount <= 1))
    throw new Error(`rewards: attemptDiscount must be in (0, 1], got ${discount}`);
  if (statuses.length === 0)
    throw new Error('rewards: an episode has at least one attempt, got an empty status list');
  let anyBoxed = false;
  let solvedAt = -1;
  statuses.forEach((s, i) => {
    if (!VERDICTS.includes(s))
      throw new Error(
        `rewards: attempt ${i} has unknown status '${String(s)}' (expected one of: ${VERDICTS.join(', ')})`,
      );
    if (s === 'correct') {
      if (i !== statuses.length - 1)
        throw new Error(
          `rewards: attempt ${i} is correct but the episode continued to ${statuses.length} attempts`,
        );
      solvedAt = i;
    }
    if (s === 'wrong' || s === 'correct') anyBoxed = true;
  });
  const reward =
    solvedAt >= 0 ? values.correct * Math.pow(discount, solvedAt) : anyBoxed ? values.wrong : values.noBox;
  return { reward, solvedAt, anyBoxed, attemptsUsed: statuses.length };
}
