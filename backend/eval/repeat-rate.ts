// Does the model learn from "your answer is incorrect"? Two rates over the retries (attempts 2, 3, … of an
// episode): the repeat rate — the retry's answer equals an earlier wrong answer of the same episode — and
// the switch-to-correct rate — a retry right after a boxed wrong answer is correct (docs/ARCHITECTURE.md, "The method").
import { repeatFlags } from '../domain/repeat-rule.js';
import type { AttemptRecord } from '../domain/vocabulary.js';

/** What these rates need of one attempt. */
export type AttemptOutcome = Pick<AttemptRecord, 'extracted' | 'verdict'>;

export interface RetryStats {
  /** Attempts after the first, over all episodes. */
  retries: number;
  /** Retries whose answer (after `normalize`) equals the answer of an earlier wrong attempt of the episode. */
  repeats: number;
  /** repeats / retries (0 when there are no retries). A retry without an answer counts as no repeat. */
  repeatRate: number;
  /** Retries whose previous attempt was a boxed wrong answer (verdict 'wrong'). */
  retriesAfterWrong: number;
  /** Of those, the correct ones. */
  switchedToCorrect: number;
  /** switchedToCorrect / retriesAfterWrong (0 when there are none). */
  switchToCorrectRate: number;
}

/** Repeat and switch-to-correct statistics of episodes, each given as its attempts in order. */
export function retryStats(episodes: readonly (readonly AttemptOutcome[])[]): RetryStats {
  let retries = 0;
  let repeats = 0;
  let retriesAfterWrong = 0;
  let switchedToCorrect = 0;
  for (const attempts of episodes) {
    const repeatsAt = repeatFlags(attempts);
    attempts.forEach((a, j) => {
      if (j > 0) {
        retries++;
        if (repeatsAt[j]) repeats++;
        if (attempts[j - 1]!.verdict === 'wrong') {
          retriesAfterWrong++;
          if (a.verdict === 'correct') switchedToCorrect++;
        }
      }
    });
  }
  return {
    retries,
    repeats,
    repeatRate: retries > 0 ? repeats / retries : 0,
    retriesAfterWrong,
    switchedToCorrect,
    switchToCorrectRate: retriesAfterWrong > 0 ? switchedToCorrect / retriesAfterWrong : 0,
  };
}
