// `verify(gold, pred)`: the second half of Math-Verify-style grading. Compares two parsed answers structure
// by structure: assignments unwrapped (`x = 5` against `5`), relations up to rearrangement and a non-zero
// factor (inequalities: a positive one, or flipped), an inequality against the interval it describes, sets
// unordered, tuples and intervals ordered, and leaves by the scalar rules (equivalence.ts, CAS fallback).
// Not symmetric, as Math-Verify is not: the gold decides how an equation is read.
import type { Answer } from './answer.js';
import { toAnswer } from './answer.js';
import {
  compareNormalized,
  isNameLike,
  MAX_WORK,
  type CompareContext,
  type Decision,
  type Tri,
} from './equivalence.js';
import type { Parsed } from './parse.js';
import { compareRelations, isAssignment, isEquation, relationAsSet } from './relation.js';
import { allOrdered, matchUnordered } from './pairing.js';

export interface VerifyContext extends CompareContext {
  /** Decimal places a plain decimal is rounded to before it is compared (Math-Verify's default 6). */
  floatRounding: number;
  /** `auto`: ×100 / ÷100 variants when either leaf has a percent mark. */
  percentMode: 'auto' | 'always' | 'never';
  /** Compare an inequality in the prediction with a set / interval gold too (Math-Verify's default: false). */
  allowSetRelation: boolean;
}

/** The exact key long lists fall back to (pairing.ts). */
const answerKey = (x: Answer): string => JSON.stringify(x);

/** Is any gold candidate equal to any prediction candidate? */
export function verify(gold: Parsed, pred: Parsed, ctx: VerifyContext): Decision {
  if (gold.candidates.length === 0 || pred.candidates.length === 0) return { equal: false, method: 'empty' };
  ctx.work ??= { left: MAX_WORK };
  let undecided: Decision | null = null;
  let last: Decision = { equal: false, method: 'shape_mismatch' };
  for (const g of gold.candidates)
    for (const p of pred.candidates) {
      const d = compareAnswers(g, p, ctx, 0);
      if (d.equal === true) return d;
      if (d.equal === undefined) undecided ??= d;
      last = d;
    }
  return undecided ?? last;
}

const lastTerm = (a: Extract<Answer, { kind: 'relation' }>) => a.terms[a.terms.length - 1]!;

/** One gold answer against one predicted answer. */
export function compareAnswers(g: Answer, p: Answer, ctx: VerifyContext, depth: number): Decision {
  if (ctx.work && --ctx.work.left < 0) return { equal: false, method: 'too_complex' };
  if (depth > 8) return { equal: false, method: 'too_complex' };
  // The same reading on both sides (`m_{\max}=n^2-n-1` twice): equal without evaluating anything.
  if (g.kind === p.kind && JSON.stringify(g) === JSON.stringify(p)) return { equal: true, method: 'exact' };
  // `x \in [0,1]`: the set itself.
  if (g.kind === 'relation' && g.ops.length === 1 && g.ops[0] === '\\in' && isNameLike(g.terms[0]!))
    return compareAnswers(toAnswer(g.terms[1]!), p, ctx, depth + 1);
  if (p.kind === 'relation' && p.ops.length === 1 && p.ops[0] === '\\in' && isNameLike(p.terms[0]!))
    return compareAnswers(g, toAnswer(p.terms[1]!), ctx, depth + 1);
  const gAssign = isAssignment(g);
  const pAssign = isAssignment(p);
  // A chain of assignments keeps its first left side and its last right side (`x = 2+3 = 5` → `x = 5`).
  if (gAssign && g.kind === 'relation' && g.terms.length > 2)
    g = { kind: 'relation', terms: [g.terms[0]!, lastTerm(g)], ops: ['='] };
  if (pAssign && p.kind === 'relation' && p.terms.length > 2)
    p = { kind: 'relation', terms: [p.terms[0]!, lastTerm(p)], ops: ['='] };
  // The gold decides: a predicted equation against a non-equation gold is read as its last right side;
  // an assignment gold against a non-equation prediction as its right side.
  if (isEquation(p) && !isEquation(g) && p.kind === 'relation')
    return compareAnswers(g, toAnswer(lastTerm(p)), ctx, depth + 1);
  if (gAssign && !isEquation(p) && g.kind === 'relation')
    return compareAnswers(toAnswer(lastTerm(g)), p, ctx, depth + 1);
  const setLike = (a: Answer) =>
    a.kind === 'set' || a.kind === 'interval' || a.kind === 'union' || a.kind === 'tuple';
  if (g.kind === 'relation' && setLike(p)) {
    const s = relationAsSet(g);
    if (s) g = s;
  }
  if (ctx.allowSetRelation && p.kind === 'relation' && setLike(g)) {
    const s = relationAsSet(p);
    if (s) p = s;
  }
  if (g.kind === 'relation' && p.kind === 'relation') return compareRelations(g, p, ctx);
  if (g.kind === 'relation' || p.kind === 'relation') return { equal: false, method: 'shape_mismatch' };
  if (setLike(g) || setLike(p)) return compareSets(g, p, ctx, depth);
  return compareLeaves(g, p, ctx);
}

/** Two leaves through the scalar rules, with the float rounding and percent conventions. */
function compareLeaves(g: Answer, p: Answer, ctx: VerifyContext): Decision {
  if (g.kind !== 'expr' || p.kind !== 'expr') return { equal: false, method: 'shape_mismatch' };
  const percent = ctx.percentMode === 'always' || (ctx.percentMode === 'auto' && (g.percent || p.percent));
  return compareNormalized(p.latex, g.latex, { ...ctx, percent });
}

type SetLike = Extract<Answer, { kind: 'set' | 'tuple' | 'interval' | 'union' }>;

function compareSets(g: Answer, p: Answer, ctx: VerifyContext, depth: number): Decision {
  const asSet = (a: Answer): SetLike =>
    a.kind === 'expr' || a.kind === 'relation' ? { kind: 'set', items: [a] } : a;
  const gs = asSet(g);
  const ps = asSet(p);
  const sub = (a: Answer, b: Answer): Tri => compareAnswers(a, b, ctx, depth + 1).equal;
  if (gs.kind === 'interval' && ps.kind === 'interval') {
    const equal =
      gs.loOpen === ps.loOpen && gs.hiOpen === ps.hiOpen
        ? allOrdered([gs.lo, gs.hi], [ps.lo, ps.hi], sub)
        : false;
    return { equal, method: 'interval' };
  }
  if (gs.kind === 'union' || ps.kind === 'union') {
    if (gs.kind !== 'union' || ps.kind !== 'union') return { equal: false, method: 'union' };
    return { equal: matchUnordered(gs.parts, ps.parts, sub, answerKey), method: 'union' };
  }
  // An open interval `(a, b)` is also the pair (a, b) (Math-Verify reads `(1,2)` as an interval).
  const items = (s: SetLike): Answer[] | null =>
    s.kind === 'interval'
      ? s.loOpen && s.hiOpen
        ? [s.lo, s.hi]
        : null
      : s.kind === 'union'
        ? null
        : s.items;
  // A set holds each element once: `-2, -2` is the set {-2} (as Math-Verify reads it).
  const unique = (xs: Answer[] | null, set: boolean) => {
    if (!xs || !set) return xs;
    const seen = new Set<string>();
    return xs.filter((x) => {
      const k = JSON.stringify(x);
      return seen.has(k) ? false : (seen.add(k), true);
    });
  };
  const gi = unique(items(gs), gs.kind === 'set');
  const pi = unique(items(ps), ps.kind === 'set');
  if (!gi || !pi) return { equal: false, method: 'interval' };
  if (gi.length !== pi.length) return { equal: false, method: gs.kind === 'set' ? 'set' : 'tuple' };
  if (gs.kind === 'set') return { equal: matchUnordered(gi, pi, sub, answerKey), method: 'set' };
  return { equal: allOrdered(gi, pi, sub), method: 'tuple' };
}
