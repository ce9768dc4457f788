// The structured answer that `parse` returns: one LaTeX answer string read as a number/expression, a set,
// a tuple, an interval, a union, a relation (equation, inequality or a chain of them), a matrix or text.
// Leaves keep their normalised LaTeX; `verify` compares answers structure by structure.
import { normalize } from './normalize.js';
import { enclosesAll, splitTopLevel } from './structure.js';

export type RelOp = '=' | '<' | '>' | '\\le' | '\\ge' | '\\ne' | '\\in';

export type Answer =
  /** A number, an expression, a matrix or a word: normalised LaTeX, compared by the scalar rules. */
  | { kind: 'expr'; latex: string; percent: boolean }
  /** Unordered: `\{1,2\}`, bare lists `1, 2`, `1;2`, `1 and 2`, `a \pm b`. */
  | { kind: 'set'; items: Answer[] }
  /** Ordered: `(a, b, c)` with three or more items, `[a, b, c]`. */
  | { kind: 'tuple'; items: Answer[] }
  /** `(a, b)`, `[a, b)`, …: also an ordered pair where an open interval meets a pair. */
  | { kind: 'interval'; lo: Answer; hi: Answer; loOpen: boolean; hiOpen: boolean }
  | { kind: 'union'; parts: Answer[] }
  /** `a = b`, `a < b \le c`: terms[i] ops[i] terms[i+1]. */
  | { kind: 'relation'; terms: string[]; ops: RelOp[] };

const MAX_DEPTH = 8;
const MAX_ITEMS = 2048;

/** Whole-string cleanup before the structure is read: spacing, delimiters, relation spellings, separators. */
export function cleanLatex(s: string): string {
  let t = s.replace(/\s+/g, ' ').trim();
  t = t
    .replace(/^\$+|\$+$/g, '')
    .replace(/^\\\[|\\\]$/g, '')
    .replace(/^\\\(|\\\)$/g, '');
  t = t.replace(/\\(?:displaystyle|textstyle|scriptstyle)\b/g, '');
  t = t.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\b\s*(\\[{}|]|[()[\]|.])?/g, (_m, d?: string) =>
    d === '.' ? '' : (d ?? ''),
  );
  t = t.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
  t = t
    .replace(/\\(?:leqslant|leq|le)(?![a-zA-Z])|≤/g, '\\le ')
    .replace(/\\(?:geqslant|geq|ge)(?![a-zA-Z])|≥/g, '\\ge ');
  t = t
    .replace(/\\(?:neq|ne)(?![a-zA-Z])|≠/g, '\\ne ')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>');
  t = t
    .replace(/,\\!\s*/g, ',')
    .replace(/(?<!\\)\\!/g, '')
    .replace(/(?<!\\)\\[,;: ]|~|\\q?quad\b/g, ' ');
  // Words and text that join list items: `6 \text{ and } 8`, `(11,7) or (7,11)`, `x=1 \text{or} x=2`.
  t = t.replace(/\\(?:text|textbf|mbox|mathrm)\s*\{\s*(?:and|or|,)\s*\}/g, ',');
  t = t.replace(/(?<=[\d)}\]])\s*(?:and|or)\s*(?=[\d({[\\$-])/g, ',');
  t = t.replace(/\s*\\(?:text|mbox)\{\s*\}/g, '');
  t = t.replace(/\s*[.。]\s*$/, '').trim();
  return t;
}

/** Reads an answer string (one extraction, delimiters already removed) into its structure. */
export function toAnswer(raw: string): Answer {
  return read(cleanLatex(raw), 0);
}

const RELATION = /\\le |\\ge |\\ne |\\in(?![a-zA-Z])|<|>|=/y;

/** Splits at top-level relation operators; null when there is none (or the input is unbalanced). */
export function splitRelations(s: string): { terms: string[]; ops: RelOp[] } | null {
  const terms: string[] = [];
  const ops: RelOp[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '{' || n === '}') {
        depth += n === '{' ? 1 : -1;
        i++;
        continue;
      }
      if (depth !== 0) continue;
      RELATION.lastIndex = i;
      const m = RELATION.exec(s);
      if (!m) continue;
      terms.push(s.slice(start, i));
      ops.push(m[0].trim() as RelOp);
      start = i + m[0].length;
      i = start - 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && (c === '<' || c === '>' || c === '=')) {
      terms.push(s.slice(start, i));
      ops.push(c);
      start = i + 1;
    }
  }
  if (ops.length === 0 || depth !== 0) return null;
  terms.push(s.slice(start));
  const trimmed = terms.map((t) => t.trim());
  return trimmed.every((t) => t !== '') ? { terms: trimmed, ops } : null;
}

function leaf(s: string): Answer {
  return { kind: 'expr', latex: normalizeLeaf(s), percent: /%|\\%|percent/i.test(s) };
}

/** Degrees inside trigonometry become radians (`\sin(90^\circ-x)`); elsewhere `^\circ` is dropped. */
export function normalizeLeaf(s: string): string {
  let t = s;
  if (/\\(?:sin|cos|tan|sec|csc|cot)/.test(t) && /\\circ/.test(t))
    t = t.replace(/(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?/g, '\\frac{$1\\pi}{180}');
  t = normalize(t, { keepLeftSide: true });
  // `f(2)`, `g(x)`: an unknown function applied is an opaque symbol (`f_2`), never the product f·2.
  t = t.replace(/(?<![a-zA-Z\\])([fgh])\(([a-zA-Z0-9]+)\)/g, '$1_{$2}');
  // `4210_{7}` and `4210_7` are the same base subscript.
  return t.replace(/_\{(\w)\}/g, '_$1');
}

const GROUPED_NUMBER = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

function read(s: string, depth: number): Answer {
  if (depth > MAX_DEPTH || s.length === 0) return leaf(s);
  // `x \pm y` is the set {x + y, x − y}; `\mp` likewise.
  const pm = s.search(/\\(?:pm|mp)(?![a-zA-Z])/);
  if (pm >= 0) {
    const len = 3; // \pm and \mp
    const before = s.slice(0, pm);
    const after = s.slice(pm + len);
    return {
      kind: 'set',
      items: [read(`${before}+${after}`, depth + 1), read(`${before}-${after}`, depth + 1)],
    };
  }
  const union = splitTopLevel(s, '\\cup');
  if (union && union.length > 1 && union.every((p) => p.trim() !== ''))
    return { kind: 'union', parts: union.map((p) => read(p.trim(), depth + 1)) };
  // `1,000` is a number; `8, 221` (a space after the comma) is a list.
  if (GROUPED_NUMBER.test(s.trim())) return leaf(s.replace(/,/g, ''));
  const list = splitList(s);
  if (list) return { kind: 'set', items: list.map((p) => read(p, depth + 1)) };
  const rel = splitRelations(s);
  if (rel) return { kind: 'relation', terms: rel.terms.map(normalizeLeaf), ops: rel.ops };
  const compact = s.trim();
  if (compact.startsWith('\\{') && compact.endsWith('\\}') && enclosesAll(compact, 0)) {
    const inner = compact.slice(2, -2).trim();
    const items = inner === '' ? [] : (splitTopLevel(inner, ',') ?? [inner]);
    if (items.length > MAX_ITEMS) return leaf(s);
    return { kind: 'set', items: items.map((p) => read(p.trim(), depth + 1)) };
  }
  const first = compact[0];
  const last = compact[compact.length - 1];
  if ((first === '(' || first === '[') && (last === ')' || last === ']') && enclosesAll(compact, 0)) {
    const items = splitTopLevel(compact.slice(1, -1), ',');
    if (items && items.length >= 2 && items.length <= MAX_ITEMS && items.every((p) => p.trim() !== '')) {
      const parts = items.map((p) => read(p.trim(), depth + 1));
      if (parts.length === 2)
        return {
          kind: 'interval',
          lo: parts[0]!,
          hi: parts[1]!,
          loOpen: first === '(',
          hiOpen: last === ')',
        };
      if (first === last.replace(')', '(').replace(']', '[')) return { kind: 'tuple', items: parts };
    }
  }
  return leaf(s);
}

/** Top-level `,` or `;` separated items (two or more, none empty), else null. */
function splitList(s: string): string[] | null {
  const sep = /;/.test(s) && splitTopLevel(s, ';')?.length !== 1 ? ';' : ',';
  const parts = splitTopLevel(s, sep);
  if (!parts || parts.length < 2 || parts.length > MAX_ITEMS) return null;
  const items = parts.map((p) => p.trim());
  if (items.some((p) => p === '')) return null;
  return items;
}
