// The synthetic integer-arithmetic curriculum for the built-in model: seeded problem families at several
// difficulty levels, exact answers, and train/validation/test splits that are disjoint by construction (a
// problem's split is a hash of its canonical text, so no problem can be drawn into two of them).
import type { DatasetRecord } from './record.js';

export type Family = 'add' | 'sub' | 'mul' | 'mixed' | 'carry' | 'root';
export const FAMILIES: Family[] = ['add', 'sub', 'mul', 'mixed', 'carry', 'root'];

/**
 * Operand digit counts per level (level 1 = index 0). `sub`: third entry 1 allows negative results.
 * `mixed`: digits of a, b, c in `a+b*c`, `a*b-c`, `(a+b)*c`. `carry`: both addends of n digits whose
 * every column carries (the natural near miss is a dropped carry: one digit off). `root`: digits of the two
 * distinct roots a, b of `(x-a)(x-b)=0,x=`; the gold answer is ONE of them, chosen by a hash of the expression
 * (the setter's hidden intent), so a first answer is right half the time at best and a second one can be
 * right for sure — the task where using the feedback "incorrect" is the whole skill (see docs/RESULTS.md).
 */
export const DEFAULT_LEVELS: Record<Family, number[][]> = {
  add: [
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [5, 5],
  ],
  sub: [
    [1, 1, 0],
    [2, 2, 0],
    [3, 3, 0],
    [3, 3, 1],
    [4, 4, 1],
  ],
  mul: [
    [1, 1],
    [2, 1],
    [3, 1],
    [2, 2],
    [3, 2],
  ],
  mixed: [
    [1, 1, 1],
    [2, 1, 1],
    [2, 2, 1],
    [3, 2, 1],
    [3, 2, 2],
  ],
  carry: [[2], [3], [4], [5], [6]],
  root: [[1], [2]],
};

/**
 * Where a problem belongs. `validation` is for every tuning decision (bench:finding, bench:base-model, the
 * held-out curve during training); `test` is evaluated once per reported configuration (docs/RESULTS.md).
 */
export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

export interface SyntheticOptions {
  seed?: number;
  count: number;
  split: Split;
  families?: Family[];
  /** Levels to draw from (1-based); default all levels of each family. */
  levels?: number[];
  /** Override the digit table of some families. */
  digits?: Partial<Record<Family, number[][]>>;
  /** Share of the problem space that belongs to the test split (default 0.1). */
  testFraction?: number;
  /** Share of the problem space that belongs to the validation split (default 0.1). */
  validationFraction?: number;
  /** Question text; `{expr}` is replaced by the expression. Kept short: the model is char-level. */
  template?: string;
}

export interface SyntheticProblem extends DatasetRecord {
  family: Family;
  level: number;
  split: Split;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The split a canonical problem belongs to: a pure function of its text, so splits never overlap. The hash
 * bucket u ∈ [0, 1) puts [0, testFraction) in test (the same test split as before validation existed), the
 * next validationFraction in validation, the rest in train.
 */
export function splitOf(canonical: string, testFraction = 0.1, validationFraction = 0.1): Split {
  const u = (fnv1a(canonical) % 10_000) / 10_000;
  if (u < testFraction) return 'test';
  return u < testFraction + validationFraction ? 'validation' : 'train';
}

/** The share of the problem space a split holds. */
export function splitFraction(split: Split, testFraction = 0.1, validationFraction = 0.1): number {
  if (!(testFraction >= 0 && validationFraction >= 0 && testFraction + validationFraction < 1))
    throw new Error(`synthetic: testFraction ${testFraction} + validationFraction ${validationFraction} must be in [0, 1)`);
  return split === 'test' ? testFraction : split === 'validation' ? validationFraction : 1 - testFraction - validationFraction;
}

function operand(rand: () => number, digits: number): number {
  if (digits <= 1) return Math.floor(rand() * 10);
  const lo = 10 ** (digits - 1);
  return lo + Math.floor(rand() * (9 * lo));
}

/** An n-digit pair whose every column sum is ≥ 10 (so every column carries). */
function carryPair(rand: () => number, n: number): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const da = 1 + Math.floor(rand() * 9); // 1..9
    const db = 10 - da + Math.floor(rand() * da); // 10-da..9, so da+db ≥ 10
    a = a * 10 + da;
    b = b * 10 + db;
  }
  return [a, b];
}

/** Number of carries when adding a and b (for meta: how error-prone the problem is). */
export function countCarries(a: number, b: number): number {
  let carries = 0;
  let carry = 0;
  for (let x = a, y = b; x > 0 || y > 0; x = Math.floor(x / 10), y = Math.floor(y / 10)) {
    carry = (x % 10) + (y % 10) + carry >= 10 ? 1 : 0;
    carries += carry;
  }
  return carries;
}

/** One problem of a family at a level: canonical expression and exact answer. */
export function makeProblem(
  family: Family,
  spec: number[],
  rand: () => number,
): { expr: string; answer: number; carries?: number } {
  switch (family) {
    case 'add': {
      const a = operand(rand, spec[0]!);
      const b = operand(rand, spec[1]!);
      return { expr: `${a}+${b}`, answer: a + b, carries: countCarries(a, b) };
    }
    case 'sub': {
      let a = operand(rand, spec[0]!);
      let b = operand(rand, spec[1]!);
      if (!spec[2] && b > a) [a, b] = [b, a];
      return { expr: `${a}-${b}`, answer: a - b };
    }
    case 'mul': {
      const a = operand(rand, spec[0]!);
      const b = operand(rand, spec[1]!);
      return { expr: `${a}*${b}`, answer: a * b };
    }
    case 'mixed': {
      const a = operand(rand, spec[0]!);
      const b = operand(rand, spec[1]!);
      const c = operand(rand, spec[2]!);
      const v = Math.floor(rand() * 3);
      if (v === 0) return { expr: `${a}+${b}*${c}`, answer: a + b * c };
      if (v === 1) return { expr: `${a}*${c}-${b}`, answer: a * c - b };
      return { expr: `(${a}+${b})*${c}`, answer: (a + b) * c };
    }
    case 'carry': {
      const [a, b] = carryPair(rand, spec[0]!);
      return { expr: `${a}+${b}`, answer: a + b, carries: countCarries(a, b) };
    }
    case 'root': {
      const a = operand(rand, spec[0]!);
      let b = operand(rand, spec[0]!);
      while (b === a) b = operand(rand, spec[0]!);
      const expr = `(x-${a})(x-${b})=0,x`;
      return { expr, answer: fnv1a(expr) & 1 ? b : a };
    }
  }
}

/** The two roots of a `root` question, in the order the question lists them; null for other questions. */
export function rootCandidates(question: string): [string, string] | null {
  const m = /^\(x-(\d+)\)\(x-(\d+)\)=0,x/.exec(question);
  return m ? [m[1]!, m[2]!] : null;
}

/** Distinct problems (ignoring the mixed variants) a family has at a level: how much there is to memorise. */
export function problemSpaceSize(family: Family, spec: number[]): number {
  const n = (d: number) => (d <= 1 ? 10 : 9 * 10 ** (d - 1));
  if (family === 'carry') return 45 ** spec[0]!; // per column: 45 digit pairs (da 1..9, db ≥ 10−da)
  if (family === 'root') return n(spec[0]!) * (n(spec[0]!) - 1); // ordered pairs of distinct roots
  const size = spec.reduce((p, d, i) => (family === 'sub' && i === 2 ? p : p * n(d)), 1);
  return family === 'mixed' ? size * 3 : size;
}

/** About how many distinct problems one split of these families/levels holds (default digit tables). */
export function splitSpaceSize(split: Split, families: Family[] = FAMILIES, levels?: number[], testFraction = 0.1, validationFraction = 0.1): number {
  let total = 0;
  for (const f of families)
    DEFAULT_LEVELS[f].forEach((spec, i) => {
      if (!levels || levels.includes(i + 1)) total += problemSpaceSize(f, spec);
    });
  return Math.floor(total * splitFraction(split, testFraction, validationFraction));
}

/**
 * Generates `count` distinct problems of one split, deterministic in (seed, split, options). Throws when
 * the chosen families/levels hold too few problems of that split.
 */
export function generateSynthetic(opts: SyntheticOptions): SyntheticProblem[] {
  const families = opts.families ?? FAMILIES;
  const table = { ...DEFAULT_LEVELS, ...(opts.digits ?? {}) };
  const testFraction = opts.testFraction ?? 0.1;
  const validationFraction = opts.validationFraction ?? 0.1;
  if (!SPLITS.includes(opts.split)) throw new Error(`unknown synthetic split '${String(opts.split)}' (known: ${SPLITS.join(', ')})`);
  splitFraction(opts.split, testFraction, validationFraction); // validates the fractions
  const template = opts.template ?? '{expr}=';
  for (const f of families)
    if (!(f in DEFAULT_LEVELS))
      throw new Error(`unknown synthetic family '${f}' (known: ${FAMILIES.join(', ')})`);
  const choices: { family: Family; level: number; spec: number[] }[] = [];
  for (const family of families) {
    table[family].forEach((spec, i) => {
      if (!opts.levels || opts.levels.includes(i + 1)) choices.push({ family, level: i + 1, spec });
    });
  }
  if (choices.length === 0)
    throw new Error(`no synthetic levels selected (levels ${opts.levels?.join(',')})`);
  const rand = rng32(((opts.seed ?? 0) ^ fnv1a(opts.split)) >>> 0);
  const out: SyntheticProblem[] = [];
  const seen = new Set<string>();
  const maxTries = opts.count * 200 + 1000;
  for (let tries = 0; out.length < opts.count; tries++) {
    if (tries > maxTries) {
      throw new Error(
        `only ${out.length} distinct ${opts.split} problems found for ${opts.count} requested: widen the families or levels`,
      );
    }
    const c = choices[Math.floor(rand() * choices.length)]!;
    const p = makeProblem(c.family, c.spec, rand);
    const canonical = `${c.family}:${p.expr}`;
    if (seen.has(canonical) || splitOf(canonical, testFraction, validationFraction) !== opts.split) continue;
    seen.add(canonical);
    out.push({
      id: canonical,
      question: template.replace('{expr}', p.expr),
      answer: String(p.answer),
      source: 'synthetic',
      family: c.family,
      level: c.level,
      split: opts.split,
      meta: {
        family: c.family,
        level: c.level,
        split: opts.split,
        ...(p.carries !== undefined ? { carries: p.carries } : {}),
      },
    });
  }
  return out;
}
