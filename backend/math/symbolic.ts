// Symbolic equality through the Cortex Compute Engine (parses LaTeX): closed forms are compared by value,
// expressions with free variables by simplifying the difference, then at several fixed random points.
//
// Version: @cortex-js/compute-engine 0.27.0 — the newest release whose `engines` allow Node 20 (>=16.14.2);
// 0.28.0 … 0.102.0 declare node >=21.7.3 and 0.119.0+ node >=22.3.0 (checked with `npm view`). It is pure
// JavaScript (no native code), so it also runs in Electron's Node. Calls are synchronous and cannot be
// interrupted: callers that need a hard time bound run this in the worker pool (cas-pool.ts).
import { ComputeEngine } from '@cortex-js/compute-engine';
import { roundedEqual, type CasOracle, type Decision, type OracleKind } from './equivalence.js';
import { isClose } from './numbers.js';
import { POINTS, pointFor } from './fast-eval.js';

type Boxed = ReturnType<ComputeEngine['parse']>;

/** Inputs beyond these limits are not given to the CAS at all (verdict: not equal, `too_complex`). */
export const CAS_LIMITS = { maxLength: 1500, maxBraceDepth: 24, maxExponentDigits: 5 };

let engine: ComputeEngine | null = null;
function ce(): ComputeEngine {
  if (!engine) {
    engine = new ComputeEngine();
    // The default precision (21 digits) is kept: 'machine' is faster but evaluates 100!/2^50 to 0 in 0.27.
    // The default tolerance (1e-10) rounds tiny values to 0 (1/2^98 would equal 2/2^98); keep them.
    engine.tolerance = 0;
  }
  return engine;
}

/** Why the CAS should not see this input, or null when it may. */
export function casRefusal(latex: string): string | null {
  if (latex.length > CAS_LIMITS.maxLength) return 'longer than the CAS limit';
  let depth = 0;
  let max = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if (c === '{' || c === '(' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ')' || c === ']') depth--;
  }
  if (max > CAS_LIMITS.maxBraceDepth) return 'nested deeper than the CAS limit';
  if (new RegExp(`\\^\\{?-?\\d{${CAS_LIMITS.maxExponentDigits + 1},}`).test(latex))
    return 'exponent too large';
  if (/!\s*!|\d{4,}!/.test(latex)) return 'factorial too large';
  return null;
}

/** Real and imaginary parts of a closed-form expression, or null when it has no numeric value. */
function valueOf(e: Boxed): { re: number; im: number } | null {
  const n = e.N();
  const nv = n.numericValue as unknown;
  if (typeof nv === 'number') return Number.isNaN(nv) ? null : { re: nv, im: 0 };
  if (nv === null || typeof nv !== 'object') return null;
  // `.re` of a high-precision value is rounded to 0 below the engine's tolerance: read the digits instead.
  const v = nv as { re?: number; im?: number; bignumRe?: { toString(): string } };
  const re = v.bignumRe !== undefined ? Number(v.bignumRe.toString()) : v.re;
  if (typeof re !== 'number' || Number.isNaN(re)) return null;
  return { re, im: typeof v.im === 'number' && !Number.isNaN(v.im) ? v.im : 0 };
}

/** Relative closeness per part; a part that is exactly 0 on one side accepts |other| ≤ 1e-15 (sin π). */
function partClose(a: number, b: number, relTol: number): boolean {
  if (a === 0 || b === 0) return Math.abs(a - b) <= 1e-15;
  return isClose(a, b, relTol);
}

function valuesClose(a: { re: number; im: number }, b: { re: number; im: number }, relTol: number): boolean {
  return partClose(a.re, b.re, relTol) && partClose(a.im, b.im, relTol);
}

/** Equality of two closed forms by value; huge values (beyond doubles) are compared by their ratio. */
function closedFormEqual(a: Boxed, b: Boxed, relTol: number): boolean | null {
  const va = valueOf(a);
  const vb = valueOf(b);
  if (!va || !vb) return null;
  if (Number.isFinite(va.re) && Number.isFinite(vb.re)) return valuesClose(va, vb, relTol);
  const ratio = valueOf(ce().box(['Divide', a, b]));
  return ratio !== null && Number.isFinite(ratio.re) && valuesClose(ratio, { re: 1, im: 0 }, relTol);
}

/**
 * a − b (or, for equations, a + b) is identically zero: closed forms by value; with free variables, by value
 * at fixed points, and only when too few points evaluate, by simplifying the difference.
 */
function sameFunction(a: Boxed, b: Boxed, relTol: number, allowSign: boolean): Decision {
  const engineRef = ce();
  const vars = [...new Set([...a.unknowns, ...b.unknowns])].sort();
  if (vars.length === 0) {
    const eq = closedFormEqual(a, b, relTol);
    if (eq === true || !allowSign)
      return { equal: eq ?? false, method: eq === null ? 'unparseable' : 'cas_numeric' };
    const neg = closedFormEqual(a, engineRef.box(['Negate', b]), relTol);
    return { equal: neg === true, method: 'cas_numeric' };
  }
  if (vars.length > 8) return { equal: false, method: 'too_complex' };
  let agree = 0;
  let agreeNeg = 0;
  let tried = 0;
  for (let k = 0; k < POINTS.length; k++) {
    const sub: Record<string, Boxed> = {};
    vars.forEach((v, i) => (sub[v] = engineRef.number(pointFor(k, i))));
    const va = valueOf(a.subs(sub));
    const vb = valueOf(b.subs(sub));
    if (!va || !vb || !Number.isFinite(va.re) || !Number.isFinite(vb.re)) continue;
    tried++;
    if (valuesClose(va, vb, relTol)) agree++;
    if (allowSign && valuesClose(va, { re: -vb.re, im: -vb.im }, relTol)) agreeNeg++;
    // One point where neither a = b nor (for equations) a = −b holds decides "not equal".
    if (agree < tried && (!allowSign || agreeNeg < tried)) return { equal: false, method: 'random_points' };
  }
  if (tried >= 3)
    return { equal: agree === tried || (allowSign && agreeNeg === tried), method: 'random_points' };
  const diff = engineRef.box(['Subtract', a, b]).simplify();
  return { equal: diff.isSame(engineRef.Zero), method: 'symbolic' };
}

/** a = c·b at the fixed points for one constant c ≠ 0 (c > 0 when `positive`); both zero is consistent. */
function sameRatio(a: Boxed, b: Boxed, positive: boolean): boolean {
  const engineRef = ce();
  const vars = [...new Set([...a.unknowns, ...b.unknowns])].sort();
  if (vars.length > 8) return false;
  let ratio: number | null = null;
  let tried = 0;
  const rounds = vars.length === 0 ? 1 : POINTS.length;
  for (let k = 0; k < rounds; k++) {
    const sub: Record<string, Boxed> = {};
    vars.forEach((v, i) => (sub[v] = engineRef.number(pointFor(k, i))));
    const va = valueOf(vars.length ? a.subs(sub) : a);
    const vb = valueOf(vars.length ? b.subs(sub) : b);
    if (!va || !vb || !Number.isFinite(va.re) || !Number.isFinite(vb.re) || va.im !== 0 || vb.im !== 0)
      continue;
    tried++;
    const tiny = 1e-12;
    if (Math.abs(va.re) <= tiny && Math.abs(vb.re) <= tiny) continue;
    if (Math.abs(va.re) <= tiny || Math.abs(vb.re) <= tiny) return false;
    const r = va.re / vb.re;
    if (ratio === null) ratio = r;
    else if (!isClose(r, ratio, REL_TOL)) return false;
  }
  if (tried === 0 || (vars.length > 0 && tried < 3)) return false;
  const c = ratio ?? 1;
  return positive ? c > 0 : c !== 0;
}

function parse(latex: string): Boxed | null {
  const e = ce().parse(latex);
  return e.isValid ? e : null;
}

/**
 * The CAS oracle (synchronous, in this thread). The engine reports some internal type errors with
 * console.error; they are silenced during the call (the call is synchronous, so nothing else is muted).
 */
export const casOracle: CasOracle = (pred, gold, kind) => {
  if (casRefusal(pred) !== null || casRefusal(gold) !== null) return { equal: false, method: 'too_complex' };
  const saved = { error: console.error, warn: console.warn, log: console.log };
  console.error = console.warn = console.log = () => {};
  // Each comparison parses in its own scope, so symbols it declares (`x` as a function after `x(t)`)
  // do not change how later comparisons read the same letters.
  const engineRef = ce();
  engineRef.pushScope();
  try {
    return casCompare(pred, gold, kind);
  } finally {
    engineRef.popScope();
    Object.assign(console, saved);
  }
};

/** Relative tolerance of the CAS's value comparisons (21-digit arithmetic: only rounding noise). */
const REL_TOL = 1e-9;
/** Decimal places of the `expr_rounded` comparison (Math-Verify's default float rounding). */
export const FLOAT_ROUNDING = 6;

function casCompare(pred: string, gold: string, kind: OracleKind): Decision {
  try {
    if (kind === 'ratio_any' || kind === 'ratio_pos') {
      const a = parse(pred);
      const b = parse(gold);
      if (!a || !b) return { equal: false, method: 'unparseable' };
      return { equal: sameRatio(a, b, kind === 'ratio_pos'), method: 'equation' };
    }
    if (kind === 'expr_rounded') {
      const a = parse(pred);
      const b = parse(gold);
      if (!a || !b) return { equal: false, method: 'unparseable' };
      const va = valueOf(a);
      const vb = valueOf(b);
      if (!va || !vb || va.im !== 0 || vb.im !== 0) return sameFunction(a, b, REL_TOL, false);
      return { equal: roundedEqual(va.re, vb.re, FLOAT_ROUNDING), method: 'cas_numeric' };
    }
    if (kind === 'equation') {
      const [pl, pr] = pred.split('=');
      const [gl, gr] = gold.split('=');
      const a = parse(`(${pl})-(${pr})`);
      const b = parse(`(${gl})-(${gr})`);
      if (!a || !b) return { equal: false, method: 'unparseable' };
      const d = sameFunction(a, b, REL_TOL, true);
      return {
        equal: d.equal,
        method: d.method === 'unparseable' || d.method === 'too_complex' ? d.method : 'equation',
      };
    }
    const a = parse(pred);
    const b = parse(gold);
    if (!a || !b) return { equal: false, method: 'unparseable' };
    return sameFunction(a, b, REL_TOL, false);
  } catch {
    // The engine throws on some inputs (internal type errors, its own evaluation limits): not equal.
    return { equal: false, method: 'cas_error' };
  }
}
