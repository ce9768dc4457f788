// The grading entry points the RL reward and the evaluation call: isEquivalent (async, hard time budget),
// grade / gradeSync (extract the answer from a response, then compare) → correct | wrong | no_answer.
import { sharedCasPool } from './cas-pool.js';
import { isEquivalentSync } from './equivalent-sync.js';
import { extractAnswer, type ExtractOptions } from './extract-answer.js';
import { isEquivalentCheap, resolveOptions, type Equivalence, type EquivalenceOptions } from './options.js';

export type Verdict = 'correct' | 'wrong' | 'no_answer';

export interface GradeResult extends Equivalence {
  verdict: Verdict;
  /** The extracted answer, or null with `reason` when none was found. */
  extracted: string | null;
  reason?: string;
}

export interface GradeOptions extends EquivalenceOptions, ExtractOptions {
  /** Responses longer than this are not searched (verdict no_answer). Default 1 MB. */
  maxResponseLength?: number;
}

/**
 * Is `pred` the same answer as `gold`? Cheap rules run in this thread (microseconds for numbers); what
 * only the CAS can decide runs in the shared worker pool, abandoned after `timeoutMs` (default 1000) and
 * then reported `{ equal: false, method: 'timeout', timedOut: true }`.
 */
export async function isEquivalent(
  pred: string,
  gold: string,
  opts: EquivalenceOptions = {},
): Promise<Equivalence> {
  const o = resolveOptions(opts);
  const cheap = isEquivalentCheap(pred, gold, o);
  if (cheap) return cheap;
  if (!o.symbolic) return { equal: false, method: 'undecided', timedOut: false };
  return sharedCasPool().compare(pred, gold, o);
}

function extract(response: string, opts: GradeOptions): { answer: string } | { result: GradeResult } {
  const max = opts.maxResponseLength ?? 1_000_000;
  if (response.length > max) {
    const reason = `response longer than ${max} characters`;
    return {
      result: {
        verdict: 'no_answer',
        extracted: null,
        reason,
        equal: false,
        method: 'too_long',
        timedOut: false,
      },
    };
  }
  const e = extractAnswer(response, opts);
  if (e.answer === null) {
    return {
      result: {
        verdict: 'no_answer',
        extracted: null,
        reason: e.reason,
        equal: false,
        method: 'empty',
        timedOut: false,
      },
    };
  }
  return { answer: e.answer };
}

const verdictOf = (eq: Equivalence, extracted: string): GradeResult => ({
  ...eq,
  verdict: eq.equal ? 'correct' : 'wrong',
  extracted,
});

/** Grades a full response against the gold answer, with the CAS in the worker pool (bounded time). */
export async function grade(response: string, gold: string, opts: GradeOptions = {}): Promise<GradeResult> {
  const x = extract(response, opts);
  if ('result' in x) return x.result;
  return verdictOf(await isEquivalent(x.answer, gold, opts), x.answer);
}

/**
 * Synchronous grading for hot loops: the cheap rules, and the CAS in this thread only behind the
 * input-complexity limits (set `symbolic: false` to never call it). Not interruptible; see `grade`.
 */
export function gradeSync(response: string, gold: string, opts: GradeOptions = {}): GradeResult {
  const x = extract(response, opts);
  if ('result' in x) return x.result;
  return verdictOf(isEquivalentSync(x.answer, gold, opts), x.answer);
}
