// The repeat rule, in one place: a retry "repeats" when its graded answer equals (after `normalize`) the
// answer of an earlier wrong attempt of the same episode. The database's per-episode count, the attempts
// explorer's per-attempt flag and the evaluation's repeat rate all use it.
import { normalize } from '../math/normalize.js';
import type { AttemptRecord } from './vocabulary.js';

/** For each attempt in order: whether it repeats an earlier wrong answer of the episode (the first never does). */
export function repeatFlags(attempts: readonly Pick<AttemptRecord, 'extracted' | 'verdict'>[]): boolean[] {
  const wrong = new Set<string>();
  return attempts.map((a, i) => {
    const key = a.extracted === null ? null : normalize(a.extracted);
    const repeats = i > 0 && key !== null && wrong.has(key);
    if (a.verdict === 'wrong' && key !== null) wrong.add(key);
    return repeats;
  });
}

/** Retries of the episode that repeat an earlier wrong answer (the repeat rate's count). */
export function repeatCount(attempts: readonly Pick<AttemptRecord, 'extracted' | 'verdict'>[]): number {
  return repeatFlags(attempts).filter(Boolean).length;
}
