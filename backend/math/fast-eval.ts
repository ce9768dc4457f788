// A small, fast evaluator for the everyday LaTeX arithmetic subset (numbers, letters, + − × ÷ ^, \frac,
// \sqrt, \pi, e, \sin/\cos/\tan/\ln/\exp, !, implicit products). It compiles a normalised answer to a
// function of its variables, or returns null for anything outside the subset (which then goes to the CAS).
// Equality by evaluation at fixed points, as the CAS path does, in microseconds instead of milliseconds.

export interface Compiled {
  vars: string[];
  fn: (env: Record<string, number>) => number;
}

type Node = (env: Record<string, number>) => number;

const MAX_LENGTH = 2000;
const MAX_DEPTH = 64;
const FUNCS: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  ln: Math.log,
  exp: Math.exp,
  sec: (x) => 1 / Math.cos(x),
  csc: (x) => 1 / Math.sin(x),
  cot: (x) => 1 / Math.tan(x),
};

/** Greek letters read as variables (not \\gamma, \\varphi, \\Gamma: the CAS reads those as constants). */
const GREEK = new Set([
  'alpha',
  'beta',
  'delta',
  'epsilon',
  'varepsilon',
  'zeta',
  'eta',
  'theta',
  'vartheta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'chi',
  'psi',
  'omega',
  'Delta',
  'Theta',
  'Lambda',
  'Sigma',
  'Phi',
  'Psi',
  'Omega',
]);

class Bail extends Error {}

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 170) return NaN;
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

function binomial(n: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || n < 0 || k > n || n > 1000) return NaN;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

const cache = new Map<string, Compiled | null>();
const CACHE_SIZE = 2000;

/** Compiles a normalised answer (no spaces), or null when it uses anything outside the subset (cached). */
export function compileLatex(src: string): Compiled | null {
  const hit = cache.get(src);
  if (hit !== undefined || cache.has(src)) return hit ?? null;
  const compiled = compileUncached(src);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(src, compiled);
  return compiled;
}

function compileUncached(src: string): Compiled | null {
  if (src.length === 0 || src.length > MAX_LENGTH) return null;
  let i = 0;
  let depth = 0;
  const vars = new Set<string>();
  const peek = () => src[i];
  const command = (): string | null => {
    if (src[i] !== '\\') return null;
    const m = /^\\([a-zA-Z]+)/.exec(src.slice(i, i + 20));
    return m ? m[1]! : null;
  };
  const expect = (c: string) => {
    if (src[i] !== c) throw new Bail();
    i++;
  };
  const group = (): Node => {
    expect('{');
    const n = expr();
    expect('}');
    return n;
  };
  const enter = () => {
    if (++depth > MAX_DEPTH) throw new Bail();
  };

  function expr(): Node {
    enter();
    let left = term();
    while (peek() === '+' || peek() === '-') {
      const op = src[i++];
      const right = term();
      const l = left;
      left = op === '+' ? (e) => l(e) + right(e) : (e) => l(e) - right(e);
    }
    depth--;
    return left;
  }

  /** Can the next token start an operand (for an implicit product)? */
  function startsOperand(): boolean {
    const c = peek();
    if (c === undefined) return false;
    if (/[0-9a-zA-Z(]/.test(c)) return true;
    const cmd = command();
    return (
      cmd !== null && (cmd === 'frac' || cmd === 'sqrt' || cmd === 'pi' || cmd in FUNCS || GREEK.has(cmd))
    );
  }

  function term(): Node {
    let left = unary();
    let afterDivision = false;
    for (;;) {
      const cmd = command();
      let op: '*' | '/' | null = null;
      if (peek() === '*' || cmd === 'cdot' || cmd === 'times') {
        i += peek() === '*' ? 1 : cmd!.length + 1;
        if (peek() === ' ') i++;
        op = '*';
      } else if (peek() === '/' || cmd === 'div') {
        i += peek() === '/' ? 1 : 4;
        if (peek() === ' ') i++;
        op = '/';
      } else if (startsOperand()) {
        // `a/bc` is read differently by different tools: leave it to the CAS.
        if (afterDivision) throw new Bail();
        op = '*';
      } else break;
      const right = unary();
      const l = left;
      if (op === '/') afterDivision = true;
      left = op === '*' ? (e) => l(e) * right(e) : (e) => l(e) / right(e);
    }
    return left;
  }

  function unary(): Node {
    if (peek() === '-') {
      i++;
      const n = unary();
      return (e) => -n(e);
    }
    if (peek() === '+') {
      i++;
      return unary();
    }
    return power();
  }

  function power(): Node {
    const base = postfix();
    if (peek() !== '^') return base;
    i++;
    let exp: Node;
    if (peek() === '{') exp = group();
    else if (peek() === '-') {
      throw new Bail();
    } else {
      const c = src[i];
      if (c === undefined || !/[0-9a-zA-Z]/.test(c)) throw new Bail();
      i++;
      exp = /\d/.test(c) ? () => Number(c) : variable(c);
    }
    if (peek() === '^') throw new Bail(); // a^b^c is not valid LaTeX
    return (e) => base(e) ** exp(e);
  }

  /** `\sin 2x`: the argument without brackets is the product up to the next function or operator. */
  function bareArgument(): Node {
    let arg = power();
    while (startsOperand() && !(command() !== null && command()! in FUNCS)) {
      const right = power();
      const l = arg;
      arg = (e) => l(e) * right(e);
    }
    return arg;
  }

  function postfix(): Node {
    let n = primary();
    while (peek() === '!') {
      i++;
      const inner = n;
      n = (e) => factorial(inner(e));
    }
    return n;
  }

  /** Subscripted names: x_1, a_{n}, \\omega_{d} (simple subscripts only). */
  function subscripted(base: string): Node {
    const m = /^_(\{[a-zA-Z0-9]+\}|[a-zA-Z0-9])/.exec(src.slice(i));
    if (!m) throw new Bail();
    i += m[0].length;
    return named(base + '_' + m[1]!.replace(/[{}]/g, ''));
  }

  function named(name: string): Node {
    vars.add(name);
    return (e) => e[name]!;
  }

  function variable(name: string): Node {
    if (name === 'i' || name === 'j') throw new Bail(); // imaginary unit: the CAS handles complex values
    if (name === 'e') return () => Math.E;
    vars.add(name);
    return (e) => e[name]!;
  }

  function primary(): Node {
    enter();
    const c = peek();
    let n: Node;
    if (c === undefined) throw new Bail();
    if (/[0-9.]/.test(c)) {
      // Scientific notation `4.5e33` (as the CAS reads it), and mixed numbers `1\frac{4}{5}` = 9/5.
      const m = /^(?:\d*\.?\d+|\d+)(?:e[+-]?\d+(?![\d.]))?/.exec(src.slice(i));
      if (!m) throw new Bail(); // a lone '.' (e.g. '.+1'): not a number
      i += m[0].length;
      let v = Number(m[0]);
      if (Number.isNaN(v)) throw new Bail();
      const mixed = /^\d+$/.test(m[0]) ? /^\\frac\{(\d+)\}\{(\d+)\}/.exec(src.slice(i)) : null;
      if (mixed) {
        i += mixed[0].length;
        v += Number(mixed[1]) / Number(mixed[2]);
      }
      n = () => v;
    } else if (/[a-zA-Z]/.test(c)) {
      // `f(2)`, `g(x)`: a function applied, not a product (left to the CAS).
      if (/[fgh]/.test(c) && src[i + 1] === '(') throw new Bail();
      i++;
      n = peek() === '_' ? subscripted(c) : variable(c);
    } else if (c === '(' || c === '{' || c === '[') {
      const close = c === '(' ? ')' : c === '{' ? '}' : ']';
      i++;
      n = expr();
      expect(close);
    } else if (c === '\\') {
      const cmd = command();
      if (cmd === null) throw new Bail();
      i += cmd.length + 1;
      if (src[i] === ' ') i++; // `\cos x`: the space only ends the command name
      if (cmd === 'frac') {
        const a = group();
        const b = group();
        n = (e) => a(e) / b(e);
      } else if (cmd === 'sqrt') {
        let k: Node = () => 2;
        if (peek() === '[') {
          i++;
          k = expr();
          expect(']');
        }
        const a = group();
        n = (e) => {
          const x = a(e);
          const r = k(e);
          return r === 2 ? Math.sqrt(x) : r === 3 ? Math.cbrt(x) : x ** (1 / r);
        };
      } else if (cmd === 'binom' || cmd === 'dbinom' || cmd === 'tbinom') {
        const a = group();
        const b = group();
        n = (e) => binomial(a(e), b(e));
      } else if (cmd === 'pi') n = () => Math.PI;
      else if (GREEK.has(cmd)) n = peek() === '_' ? subscripted(`\\${cmd}`) : named(`\\${cmd}`);
      else if (cmd in FUNCS) {
        if (peek() === '^') throw new Bail(); // \sin^2 x
        const f = FUNCS[cmd]!;
        const arg = peek() === '(' || peek() === '{' ? primary() : bareArgument();
        n = (e) => f(arg(e));
      } else throw new Bail();
    } else throw new Bail();
    depth--;
    return n;
  }

  try {
    const fn = expr();
    if (i !== src.length) return null;
    return { vars: [...vars].sort(), fn };
  } catch (err) {
    if (err instanceof Bail) return null;
    throw err;
  }
}

/** `lhs=rhs` compiled as lhs − rhs, or null. */
export function compileEquation(src: string, lhs: string, rhs: string): Compiled | null {
  if (src.length > MAX_LENGTH) return null;
  const l = compileLatex(lhs);
  const r = compileLatex(rhs);
  if (!l || !r) return null;
  return { vars: [...new Set([...l.vars, ...r.vars])].sort(), fn: (e) => l.fn(e) - r.fn(e) };
}

/** The same fixed evaluation points as the CAS path (variable k gets a shifted point). */
export const POINTS = [0.3731, 1.2293, 2.1147, 0.7138, 1.6181, 2.7183];

export function pointFor(k: number, varIndex: number): number {
  return POINTS[(k + varIndex * 2) % POINTS.length]! + varIndex * 0.0917;
}

/**
 * Compares two compiled expressions at the fixed points: false at the first point where both are finite
 * and differ (relative 1e-4, exact 0 accepting |x| ≤ 1e-15); true when at least 3 points (or the one value of
 * a closed form) agree; undefined when too few points evaluate. `allowSign`: a = −b also counts (equations).
 */
export function compareCompiled(
  a: Compiled,
  b: Compiled,
  relTol: number,
  allowSign = false,
): boolean | undefined {
  const vars = [...new Set([...a.vars, ...b.vars])].sort();
  if (vars.length > 8) return undefined;
  const close = (x: number, y: number) => {
    if (x === 0 || y === 0) return Math.abs(x - y) <= 1e-15;
    return Math.abs(x - y) <= relTol * Math.max(Math.abs(x), Math.abs(y));
  };
  const rounds = vars.length === 0 ? 1 : POINTS.length;
  let tried = 0;
  let same = 0;
  let neg = 0;
  for (let k = 0; k < rounds; k++) {
    const env: Record<string, number> = {};
    vars.forEach((v, j) => (env[v] = pointFor(k, j)));
    const x = a.fn(env);
    const y = b.fn(env);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    tried++;
    if (close(x, y)) same++;
    if (allowSign && close(x, -y)) neg++;
    if (same < tried && (!allowSign || neg < tried)) return false;
  }
  if (tried === 0 || (vars.length > 0 && tried < 3)) return undefined;
  return true;
}
