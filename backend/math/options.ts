// Options and result type of an answer comparison, and the cheap (CAS-free) comparison every path starts with.
import { undecidedOracle, type CasOracle, type Method } from './equivalence.js';
import { canonicalInteger } from './numbers.js';
import { parse } from './parse.js';
import { verify } from './verify.js';

const INTEGER = /^-?\d{1,300}$/;

export interface EquivalenceOptions {
  /** Budget for one comparison in milliseconds (the CAS path runs in a worker killed after this). */
  timeoutMs?: number;
  /** Answers longer than this many characters are not compared (verdict `too_long`). */
  maxLength?: number;
  /** Relative tolerance when two exact forms are compared by value (floating-point noise only). */
  relTol?: number;
  /** Plain decimals are rounded to this many places before comparing (Math-Verify's default 6). */
  floatRounding?: number;
  /** Also compare an inequality prediction with a set / interval gold (Math-Verify's default: false). */
  allowSetRelation?: boolean;
  /** ×100 / ÷100 variants: `auto` when either answer has a `%` / "percent" mark. */
  percent?: 'auto' | 'always' | 'never';
  /** Use the computer-algebra path for what the cheap rules cannot decide (default true). */
  symbolic?: boolean;
}

export interface Equivalence {
  equal: boolean;
  method: Method;
  timedOut: boolean;
}

export const DEFAULT_OPTIONS: Required<EquivalenceOptions> = {
  timeoutMs: 1000,
  maxLength: 10_000,
  relTol: 1e-9,
  floatRounding: 6,
  allowSetRelation: false,
  percent: 'auto',
  symbolic: true,
};

export function resolveOptions(opts: EquivalenceOptions = {}): Required<EquivalenceOptions> {
  return {
    ...DEFAULT_OPTIONS,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
}

/**
 * Parses both answers (parse.ts: delimiters, boxes, "final answer is", plain text) and verifies the
 * prediction against the gold (verify.ts) with the given oracle; an undecided result is returned as
 * `undefined` equal so the caller can decide whether to escalate to the CAS.
 */
export function compareAnswers(
  pred: string,
  gold: string,
  opts: Required<EquivalenceOptions>,
  oracle: CasOracle,
): { equal: boolean | undefined; method: Method } {
  if (pred.length > opts.maxLength || gold.length > opts.maxLength)
    return { equal: false, method: 'too_long' };
  // Hot path of the RL reward: two plain integers need no normalisation.
  if (INTEGER.test(pred) && INTEGER.test(gold) && opts.percent !== 'always') {
    const a = canonicalInteger(pred);
    const b = canonicalInteger(gold);
    return { equal: a === b, method: a === b && pred === gold ? 'exact' : 'integer' };
  }
  const d = verify(parse(gold), parse(pred), {
    oracle,
    percent: false,
    percentMode: opts.percent,
    relTol: opts.relTol,
    floatRounding: opts.floatRounding,
    allowSetRelation: opts.allowSetRelation,
  });
  return { equal: d.equal, method: d.method };
}

/** The cheap rules only: a decided Equivalence, or null when only the CAS can decide. Never slow. */
export function isEquivalentCheap(
  pred: string,
  gold: string,
  opts: EquivalenceOptions = {},
): Equivalence | null {
  const d = compareAnswers(pred, gold, resolveOptions(opts), undecidedOracle);
  return d.equal === undefined ? null : { equal: d.equal, method: d.method, timedOut: false };
}
