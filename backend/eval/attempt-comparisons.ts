// The comparisons later work reads beside greedy k-attempt accuracy (defined in docs/RESULTS.md): success
// within k sequential attempts with feedback (Succ@k) against independent sampling (pass@k, UFO 2025), the
// unique-answer ratio across attempts, and SCoRe's (2024) first-to-second-attempt deltas. Pure functions.
import { normalize } from '../math/normalize.js';
import type { AttemptOutcome } from './repeat-rate.js';

/** Succ@k for k = 1..K: the share of episodes solved within their first k attempts (solvedAt is 0-based). */
export function successWithinK(solvedAt: readonly (number | null)[], K: number): number[] {
  if (!Number.isInteger(K) || K < 1) throw new Error(`successWithinK: K must be a positive integer, got ${K}`);
  const n = solvedAt.length;
  return Array.from({ length: K }, (_, i) => (n === 0 ? 0 : solvedAt.filter((s) => s !== null && s <= i).length / n));
}

export interface SuccVsPassRow {
  k: number;
  /** The multi-attempt policy's success within k sequential attempts with feedback. */
  succ: number;
  /** The baseline's sampled pass@k: any of k independent samples right (no feedback). */
  pass: number;
  /** succ − pass (fraction; UFO reports +14% Succ@5 over Pass@5). */
  difference: number;
}

/** Succ@k of one policy beside pass@k of another at the same k, for every k both have. */
export function succVsPass(succByK: readonly number[], passByK: Readonly<Record<number, number>>): SuccVsPassRow[] {
  return succByK.flatMap((succ, i) => {
    const pass = passByK[i + 1];
    return pass === undefined ? [] : [{ k: i + 1, succ, pass, difference: succ - pass }];
  });
}

/**
 * Unique-answer ratio: per answer list of two or more attempts (an episode's attempts, or one question's k
 * samples), distinct answers (after `normalize`; attempts without an answer add none) over attempts made;
 * the mean over those lists, or null when no list has two attempts. 1 = every attempt a new answer.
 */
export function uniqueAnswerRatio(lists: readonly (readonly (string | null)[])[]): number | null {
  const ratios = lists
    .filter((l) => l.length >= 2)
    .map((l) => new Set(l.filter((a): a is string => a !== null).map((a) => normalize(a))).size / l.length);
  return ratios.length === 0 ? null : ratios.reduce((a, b) => a + b, 0) / ratios.length;
}

export interface FirstSecondDeltas {
  /** Accuracy of the first attempt. */
  accuracyT1: number;
  /** Accuracy of the answer standing after the second turn (a solved first attempt stands: no second turn). */
  accuracyT2: number;
  /** SCoRe's Δ(t1, t2) = accuracyT2 − accuracyT1. */
  delta: number;
  /** Δi→c: share of episodes whose first attempt was wrong and second correct. */
  incorrectToCorrect: number;
  /**
   * Δc→i: share whose first attempt was correct and second wrong. The environment gives feedback only after a
   * wrong answer and the episode ends at the first correct one, so this is 0 by construction here; it is
   * reported so a protocol that always asks for a second attempt (SCoRe's) can be compared field by field.
   */
  correctToIncorrect: number;
}

/** SCoRe's first-to-second-attempt deltas over episodes, each given as its attempts in order. */
export function firstSecondDeltas(episodes: readonly (readonly Pick<AttemptOutcome, 'verdict'>[])[]): FirstSecondDeltas {
  const n = episodes.length;
  if (n === 0) return { accuracyT1: 0, accuracyT2: 0, delta: 0, incorrectToCorrect: 0, correctToIncorrect: 0 };
  let t1 = 0;
  let t2 = 0;
  let iToC = 0;
  let cToI = 0;
  for (const attempts of episodes) {
    const first = attempts[0]?.verdict === 'correct';
    const second = attempts.length >= 2 ? attempts[1]!.verdict === 'correct' : first;
    if (first) t1++;
    if (second) t2++;
    if (!first && second) iToC++;
    if (first && !second) cToI++;
  }
  return { accuracyT1: t1 / n, accuracyT2: t2 / n, delta: (t2 - t1) / n, incorrectToCorrect: iToC / n, correctToIncorrect: cToI / n };
}

export interface AttemptComparisons {
  /** Episodes (questions). */
  n: number;
  /** Succ@k for k = 1..K. */
  succByK: number[];
  /** Over episodes with a retry; null when none had one. */
  uniqueAnswerRatio: number | null;
  deltas: FirstSecondDeltas;
}

/** All of one evaluation's comparisons from its K-attempt episodes (each episode's attempts in order). */
export function attemptComparisons(
  episodes: readonly (readonly Pick<AttemptOutcome, 'verdict' | 'extracted'>[])[],
  K: number,
): AttemptComparisons {
  return {
    n: episodes.length,
    succByK: successWithinK(
      episodes.map((a) => {
        const i = a.findIndex((x) => x.verdict === 'correct');
        return i >= 0 ? i : null;
      }),
      K,
    ),
    uniqueAnswerRatio: uniqueAnswerRatio(episodes.map((a) => a.map((x) => x.extracted))),
    deltas: firstSecondDeltas(episodes),
  };
}
