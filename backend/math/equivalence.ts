// The comparison rules between two normalised answers: exact, integer, numeric, element-wise structures
// (tuples, intervals, sets, lists, unions, matrices) and equations; anything else goes to a CAS oracle.
// Three-valued: true / false / undefined (undecided), so a cheap pass can run without the CAS.
import { canonicalInteger, isIntegerLiteral, numericEqual, parseSimpleNumber } from './numbers.js';
import { compareCompiled, compileEquation, compileLatex } from './fast-eval.js';
import { shapeOf, splitTopLevel, type Shape } from './structure.js';
import { allOrdered, matchUnordered } from './pairing.js';

export type Method =
  | 'exact'
  | 'integer'
  | 'numeric'
  | 'text'
  | 'tuple'
  | 'interval'
  | 'set'
  | 'list'
  | 'union'
  | 'matrix'
  | 'equation'
  | 'symbolic'
  | 'cas_numeric'
  | 'random_points'
  | 'shape_mismatch'
  | 'unparseable'
  | 'empty'
  | 'too_long'
  | 'too_complex'
  | 'timeout'
  | 'cas_error'
  | 'undecided'
  | 'evaluated';

export type Tri = boolean | undefined;

export interface Decision {
  equal: Tri;
  method: Method;
}

/** Decides what the cheap rules cannot: symbolic equality of two expressions or two equations. */
export type CasOracle = (pred: string, gold: string, kind: OracleKind) => Decision;

/**
 * expr: same value / function; expr_rounded: a plain decimal against a closed form, both rounded to
 * `floatRounding` places; equation: `l=r` strings equal up to sign; ratio_any / ratio_pos: one difference
 * is a constant non-zero / positive multiple of the other.
 */
export type OracleKind = 'expr' | 'expr_rounded' | 'equation' | 'ratio_any' | 'ratio_pos';

export interface CompareContext {
  oracle: CasOracle;
  /** Allow ×100 / ÷100 variants of the gold value. */
  percent: boolean;
  relTol: number;
  /** Plain decimals are compared after rounding to this many places (Math-Verify's float_rounding). */
  floatRounding?: number;
  /** Element comparisons left for this whole comparison (bounds nested structures); decremented. */
  work?: { left: number };
}

/** Element comparisons one top-level comparison may make before it gives up as `too_complex`. */
export const MAX_WORK = 5000;

/** The oracle of the cheap pass: everything it is asked stays undecided. */
export const undecidedOracle: CasOracle = () => ({ equal: undefined, method: 'undecided' });

const MAX_DEPTH = 6;

/** The exact key long lists fall back to (pairing.ts): the normalised string itself. */
const same = (x: string): string => x;

/** Compares two normalised answers. */
export function compareNormalized(p: string, g: string, ctx: CompareContext, depth = 0): Decision {
  if (p === g) return { equal: true, method: 'exact' };
  ctx.work ??= { left: MAX_WORK };
  if (--ctx.work.left < 0) return { equal: false, method: 'too_complex' };
  if (p === '' || g === '') return { equal: false, method: 'empty' };
  if (isIntegerLiteral(p) && isIntegerLiteral(g)) {
    // Integers compare exactly: a tolerance would accept 3986730 for 3986729.
    if (canonicalInteger(p) === canonicalInteger(g)) return { equal: true, method: 'integer' };
    if (!ctx.percent) return { equal: false, method: 'integer' };
  }
  const np = parseSimpleNumber(p);
  const ng = parseSimpleNumber(g);
  if (np !== null && ng !== null) {
    if (ctx.floatRounding !== undefined && (isDecimalLiteral(p) || isDecimalLiteral(g)))
      return {
        equal:
          /e/i.test(p) || /e/i.test(g)
            ? numericEqual(np, ng, ctx.percent, SCIENTIFIC_REL_TOL)
            : roundedEqual(np, ng, ctx.floatRounding, ctx.percent),
        method: 'numeric',
      };
    return { equal: numericEqual(np, ng, ctx.percent, ctx.relTol), method: 'numeric' };
  }
  if (/^[A-Za-z]{3,}$/.test(p) && /^[A-Za-z]{3,}$/.test(g) && p.toLowerCase() === g.toLowerCase()) {
    return { equal: true, method: 'text' };
  }
  if (depth >= MAX_DEPTH) return { equal: false, method: 'too_complex' };

  const sp = shapeOf(p);
  const sg = shapeOf(g);
  if (sp.kind !== 'scalar' || sg.kind !== 'scalar') return compareShapes(sp, sg, ctx, depth);

  const ep = splitTopLevel(p, '=');
  const eg = splitTopLevel(g, '=');
  const pIsEq = ep !== null && ep.length === 2;
  const gIsEq = eg !== null && eg.length === 2;
  if (pIsEq && gIsEq) {
    const a = compileEquation(p, ep[0]!, ep[1]!);
    const b = compileEquation(g, eg[0]!, eg[1]!);
    const fast = a && b ? compareCompiled(a, b, ctx.relTol, true) : undefined;
    return fast !== undefined ? { equal: fast, method: 'equation' } : ctx.oracle(p, g, 'equation');
  }
  // `f(x)=2x` against `2x`: compare the right side when the left side is a name, not an expression.
  if (pIsEq && !gIsEq && isNameLike(ep[0]!)) return compareNormalized(ep[1]!, g, ctx, depth + 1);
  if (gIsEq && !pIsEq && isNameLike(eg[0]!)) return compareNormalized(p, eg[1]!, ctx, depth + 1);
  if (pIsEq !== gIsEq) return { equal: false, method: 'equation' };
  // Everyday arithmetic is evaluated here in microseconds; the CAS gets only what this cannot read.
  const a = compileLatex(p);
  const b = a ? compileLatex(g) : null;
  // A plain decimal against a closed form (`0.333333` vs `\frac{1}{3}`): both rounded, as Math-Verify does.
  const rounded = ctx.floatRounding !== undefined && (isDecimalLiteral(p) || isDecimalLiteral(g));
  if (rounded && a && b && a.vars.length === 0 && b.vars.length === 0) {
    const x = a.fn({});
    const y = b.fn({});
    if (Number.isFinite(x) && Number.isFinite(y))
      return { equal: roundedEqual(x, y, ctx.floatRounding!, ctx.percent), method: 'evaluated' };
  }
  const fast = a && b ? compareCompiled(a, b, ctx.relTol) : undefined;
  if (fast !== undefined) return { equal: fast, method: 'evaluated' };
  return ctx.oracle(p, g, rounded ? 'expr_rounded' : 'expr');
}

/** Numbers written in scientific notation (`2.7778e-6`) compare to 6 significant digits, not 6 places. */
const SCIENTIFIC_REL_TOL = 1e-6;

/** Rounded values must also agree to this relative tolerance (matters only below ~0.002). */
const SMALL_REL_TOL = 5e-4;

/** A plain decimal literal (`0.5`, `-1.25`, `4.5e3`): Math-Verify's Float. */
export function isDecimalLiteral(s: string): boolean {
  return /^-?(?:\d+\.\d*|\.\d+|\d+(?:\.\d+)?e[+-]?\d+)$/i.test(s);
}

/** Equal after rounding both to `places` decimals (and the ×100 / ÷100 variants when `percent`). */
export function roundedEqual(x: number, y: number, places: number, percent = false): boolean {
  const same = (a: number, b: number) => {
    // Below the rounding unit both would round to 0: compare significant digits instead (7.4e-12 ≠ 8.4e-12).
    if (Math.max(Math.abs(a), Math.abs(b)) < 10 ** -places)
      return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
    // Small values keep their leading digits too: 0.0000672 and 0.0000673 both round to 0.000067.
    if (Math.abs(a - b) > SMALL_REL_TOL * Math.max(Math.abs(a), Math.abs(b))) return false;
    const k = 10 ** places;
    const ra = Math.round(a * k);
    const rb = Math.round(b * k);
    if (Math.abs(ra) < 2 ** 52 && Math.abs(rb) < 2 ** 52) return ra === rb;
    return Math.abs(a - b) <= 1e-15 * Math.max(Math.abs(a), Math.abs(b));
  };
  return same(x, y) || (percent && (same(x, y * 100) || same(x, y / 100)));
}

/** `f(x)`, `y`, `M`, `m_{\max}`, `N(n)`, `a_{n}`: a function or variable name, not arithmetic. */
export function isNameLike(lhs: string): boolean {
  return (
    lhs.length <= 16 &&
    /^(?:[A-Za-z](?:_\{?[\w\\]+\}?)?(?:'|\^\{?\\prime\}?)?(?:\([a-z,]+\))?|\\[a-zA-Z]+(?:_\{?\w+\}?)?)$/.test(
      lhs,
    )
  );
}

function compareShapes(sp: Shape, sg: Shape, ctx: CompareContext, depth: number): Decision {
  const sub = (a: string, b: string) => compareNormalized(a, b, ctx, depth + 1).equal;
  if (sp.kind === 'matrix' && sg.kind === 'matrix') {
    if (sp.rows.length !== sg.rows.length || sp.rows.some((r, i) => r.length !== sg.rows[i]!.length)) {
      return { equal: false, method: 'matrix' };
    }
    return { equal: allOrdered(sp.rows.flat(), sg.rows.flat(), sub, same), method: 'matrix' };
  }
  // A one-row or one-column matrix against a tuple `(a,b,c)`: a vector either way.
  const vector = (s: Shape): string[] | null =>
    s.kind === 'matrix' && (s.rows.length === 1 || s.rows.every((r) => r.length === 1))
      ? s.rows.flat()
      : s.kind === 'bracketed' && s.open === '(' && s.close === ')'
        ? s.items
        : null;
  if ((sp.kind === 'matrix') !== (sg.kind === 'matrix')) {
    const vp = vector(sp);
    const vg = vector(sg);
    if (vp && vg) return { equal: allOrdered(vp, vg, sub, same), method: 'matrix' };
    return { equal: false, method: 'shape_mismatch' };
  }
  if (sp.kind === 'bracketed' && sg.kind === 'bracketed') {
    const method = sg.open === '(' && sg.close === ')' ? 'tuple' : 'interval';
    if (sp.open !== sg.open || sp.close !== sg.close) return { equal: false, method };
    return { equal: allOrdered(sp.items, sg.items, sub, same), method };
  }
  const unordered = (s: Shape): string[] | null => (s.kind === 'set' || s.kind === 'list' ? s.items : null);
  const up = unordered(sp);
  const ug = unordered(sg);
  if (up && ug) return { equal: matchUnordered(up, ug, sub, same), method: sg.kind === 'set' ? 'set' : 'list' };
  if (sp.kind === 'union' && sg.kind === 'union')
    return { equal: matchUnordered(sp.parts, sg.parts, sub, same), method: 'union' };
  return { equal: false, method: 'shape_mismatch' };
}
