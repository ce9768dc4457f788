// Relations between expressions: equations and inequalities (and chains of them). Two relations are equal
// when each side-difference is a constant multiple of the other: any non-zero factor for `=` and `\ne`, a
// positive one for inequalities of the same direction (flipped inequalities are turned around first).
// A one-variable inequality (or chain) also reads as the interval it describes.
import { normalizeLeaf, type Answer, type RelOp } from './answer.js';
import { compareNormalized, isNameLike, type CompareContext, type Decision } from './equivalence.js';
import { compileLatex, pointFor, POINTS, type Compiled } from './fast-eval.js';

type Relation = Extract<Answer, { kind: 'relation' }>;

/** `(p, q)`: a tuple of names, as on the left of `(p,q) = (3,2)`. */
function isNameTuple(s: string): boolean {
  const m = /^\((.*)\)$/.exec(s);
  return !!m && m[1]!.split(',').every((x) => isNameLike(x.trim()));
}

/** All `=`; Math-Verify's "equation". */
export function isEquation(a: Answer): a is Relation {
  return a.kind === 'relation' && a.ops.every((o) => o === '=');
}

/**
 * Built from symbols alone, with no number (Math-Verify's is_expr_of_only_symbols): `x`, `MR`, `A/S`,
 * `a_{n}`, `f(x)`, `\angle ABC`; not `2x` or `x+1`.
 */
export function isSymbolsOnly(s: string): boolean {
  if (s.length > 40) return false;
  const t = s
    .replace(/_\{?[\w\\]+\}?/g, '')
    .replace(/\^\{?\\prime\}?|'/g, '')
    .replace(/\\(?:frac|cdot|angle|[a-zA-Z]+)/g, 'a');
  return /[a-zA-Z]/.test(t) && /^[a-zA-Z+\-*/(){} ,]+$/.test(t);
}

/** An equation whose left side is a name: `x = 5`, `f(x) = 2x`, `a_{n} = …`, `(p,q) = (3,2)`, `MR = …`. */
export function isAssignment(a: Answer): a is Relation {
  return isEquation(a) && (isNameLike(a.terms[0]!) || isNameTuple(a.terms[0]!) || isSymbolsOnly(a.terms[0]!));
}

/** `y` or a function call `f(x)`: the two ways of naming a function of x. */
const FUNCTION_NAME = /^(?:y|[a-zA-Z](?:_\{?\w+\}?)?\([a-z](?:,[a-z])*\)|[fgh]_\{?[a-z]\}?)$/;

const FLIP: Record<string, RelOp> = { '<': '>', '\\le': '\\ge', '>': '<', '\\ge': '\\le' };

/** One relation `l op r` as `d op' 0` with op' in =, \ne, >, \ge: d = l − r, or r − l for `<` / `\le`. */
function canonical(l: string, op: RelOp, r: string): { lhs: string; rhs: string; op: string } {
  if (op === '<' || op === '\\le') return { lhs: r, rhs: l, op: FLIP[op]! };
  return { lhs: l, rhs: r, op };
}

/** Compiled l − r, or null when a side is outside the fast evaluator's subset. */
function compiledDiff(l: string, r: string): Compiled | null {
  const a = compileLatex(normalizeLeaf(l));
  const b = a ? compileLatex(normalizeLeaf(r)) : null;
  if (!a || !b) return null;
  return { vars: [...new Set([...a.vars, ...b.vars])].sort(), fn: (e) => a.fn(e) - b.fn(e) };
}

/**
 * The constant c with a = c·b at every fixed point (both zero at a point is consistent), or null when
 * there is none; undefined when too few points evaluate.
 */
export function constantRatio(a: Compiled, b: Compiled, relTol: number): number | null | undefined {
  const vars = [...new Set([...a.vars, ...b.vars])].sort();
  if (vars.length > 8) return undefined;
  let ratio: number | null = null;
  let tried = 0;
  const rounds = vars.length === 0 ? 1 : POINTS.length;
  for (let k = 0; k < rounds; k++) {
    const env: Record<string, number> = {};
    vars.forEach((v, j) => (env[v] = pointFor(k, j)));
    const x = a.fn(env);
    const y = b.fn(env);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    tried++;
    const tiny = 1e-12;
    if (Math.abs(x) <= tiny && Math.abs(y) <= tiny) continue;
    if (Math.abs(x) <= tiny || Math.abs(y) <= tiny) return null;
    const r = x / y;
    if (ratio === null) ratio = r;
    else if (Math.abs(r - ratio) > relTol * Math.max(Math.abs(r), Math.abs(ratio))) return null;
  }
  if (tried === 0 || (vars.length > 0 && tried < 3)) return undefined;
  return ratio ?? 1;
}

/** Equal relations: same shape, each pair of relations equal in order. */
export function compareRelations(g: Relation, p: Relation, ctx: CompareContext): Decision {
  if (g.ops.length !== p.ops.length) return { equal: false, method: 'equation' };
  // `f(x) = 2x + 3` and `y = 2x + 3` name the same function: compare the right sides.
  if (
    g.ops.length === 1 &&
    g.ops[0] === '=' &&
    p.ops[0] === '=' &&
    g.terms[0] !== p.terms[0] &&
    FUNCTION_NAME.test(g.terms[0]!.replace(/\s+/g, '')) &&
    FUNCTION_NAME.test(p.terms[0]!.replace(/\s+/g, ''))
  ) {
    const pair = oneRelation(`y-(${g.terms[1]})`, '=', '0', `y-(${p.terms[1]})`, '=', '0', ctx);
    return pair;
  }
  // The same relation written the other way round (`a = b` ⇄ `b = a`, `a < b` ⇄ `b > a`), term for term.
  const turned = (op: RelOp): RelOp => FLIP[op] ?? op;
  if (
    p.terms.every((t, i) => t === g.terms[g.terms.length - 1 - i]) &&
    p.ops.every((o, i) => o === turned(g.ops[g.ops.length - 1 - i]!))
  )
    return { equal: true, method: 'equation' };
  let result: Decision = { equal: true, method: 'equation' };
  for (let i = 0; i < g.ops.length; i++) {
    const d = oneRelation(
      g.terms[i]!,
      g.ops[i]!,
      g.terms[i + 1]!,
      p.terms[i]!,
      p.ops[i]!,
      p.terms[i + 1]!,
      ctx,
    );
    if (d.equal === false) return d;
    if (d.equal === undefined) result = d;
  }
  return result;
}

function oneRelation(
  gl: string,
  gop: RelOp,
  gr: string,
  pl: string,
  pop: RelOp,
  pr: string,
  ctx: CompareContext,
): Decision {
  if (gop === '\\in' || pop === '\\in') return { equal: false, method: 'equation' };
  // `f(n) = n^2` ⇄ `f(n) = n^{2}`: the same left side, so the right sides decide (sufficient, not necessary).
  if (
    gop === '=' &&
    pop === '=' &&
    gl === pl &&
    compareNormalized(pr, gr, { ...ctx, percent: false }).equal === true
  )
    return { equal: true, method: 'equation' };
  const g = canonical(gl, gop, gr);
  const p = canonical(pl, pop, pr);
  if (g.op !== p.op) return { equal: false, method: 'equation' };
  const anySign = g.op === '=' || g.op === '\\ne';
  const a = compiledDiff(p.lhs, p.rhs);
  const b = a ? compiledDiff(g.lhs, g.rhs) : null;
  if (a && b) {
    // Without variables a relation is a statement: two are equal only when both are true equalities.
    if (a.vars.length === 0 && b.vars.length === 0 && g.op === '=') {
      const x = a.fn({});
      const y = b.fn({});
      return { equal: Math.abs(x) <= 1e-12 && Math.abs(y) <= 1e-12, method: 'equation' };
    }
    const c = constantRatio(a, b, Math.max(ctx.relTol, 1e-9));
    if (c !== undefined) return { equal: c !== null && (anySign ? c !== 0 : c > 0), method: 'equation' };
  }
  const pd = `(${normalizeLeaf(p.lhs)})-(${normalizeLeaf(p.rhs)})`;
  const gd = `(${normalizeLeaf(g.lhs)})-(${normalizeLeaf(g.rhs)})`;
  return ctx.oracle(pd, gd, anySign ? 'ratio_any' : 'ratio_pos');
}

const isConstant = (s: string) => {
  const c = compileLatex(normalizeLeaf(s));
  return c !== null ? c.vars.length === 0 : /^-?\\infty$/.test(s.replace(/\s+/g, ''));
};

const INF = { kind: 'expr', latex: '\\infty', percent: false } as const;
const NEG_INF = { kind: 'expr', latex: '-\\infty', percent: false } as const;
const leafOf = (s: string): Answer => ({ kind: 'expr', latex: normalizeLeaf(s), percent: false });

/**
 * The set a one-variable inequality describes: `a < x < b` → (a, b), `x \ge 2` → [2, ∞), `x \ne 3` →
 * (−∞, 3) ∪ (3, ∞); null for anything else (the relation then stays a relation).
 */
export function relationAsSet(r: Relation): Answer | null {
  if (r.ops.length === 1) {
    const [l, rr] = r.terms as [string, string];
    const op = r.ops[0]!;
    const varLeft = isNameLike(l) && isConstant(rr);
    const varRight = isNameLike(rr) && isConstant(l);
    if (!varLeft && !varRight) return null;
    const bound = leafOf(varLeft ? rr : l);
    // Read as `x op bound`.
    const o = varLeft ? op : (FLIP[op] ?? op);
    if (o === '<' || o === '\\le')
      return { kind: 'interval', lo: NEG_INF, hi: bound, loOpen: true, hiOpen: o === '<' };
    if (o === '>' || o === '\\ge')
      return { kind: 'interval', lo: bound, hi: INF, loOpen: o === '>', hiOpen: true };
    if (o === '\\ne')
      return {
        kind: 'union',
        parts: [
          { kind: 'interval', lo: NEG_INF, hi: bound, loOpen: true, hiOpen: true },
          { kind: 'interval', lo: bound, hi: INF, loOpen: true, hiOpen: true },
        ],
      };
    return null;
  }
  if (r.ops.length === 2) {
    const [a, x, b] = r.terms as [string, string, string];
    if (!isNameLike(x) || !isConstant(a) || !isConstant(b)) return null;
    const [o1, o2] = r.ops as [RelOp, RelOp];
    const up = (o: RelOp) => o === '<' || o === '\\le';
    const down = (o: RelOp) => o === '>' || o === '\\ge';
    if (up(o1) && up(o2))
      return { kind: 'interval', lo: leafOf(a), hi: leafOf(b), loOpen: o1 === '<', hiOpen: o2 === '<' };
    if (down(o1) && down(o2))
      return { kind: 'interval', lo: leafOf(b), hi: leafOf(a), loOpen: o2 === '>', hiOpen: o1 === '>' };
  }
  return null;
}
