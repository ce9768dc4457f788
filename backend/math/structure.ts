// Recognises the shape of a normalised answer (matrix, set, interval/tuple, union, bare list) and splits it
// into elements, so equivalence can compare element by element.

export type Shape =
  | { kind: 'matrix'; rows: string[][] }
  | { kind: 'set'; items: string[] }
  | { kind: 'bracketed'; open: '(' | '['; close: ')' | ']'; items: string[] }
  | { kind: 'union'; parts: string[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'scalar' };

/** Splits at `sep` where it is not nested in (), [], {} or \{ \}. Returns null for unbalanced input. */
export function splitTopLevel(s: string, sep: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (s.startsWith(sep, i) && depth === 0) {
        out.push(s.slice(start, i));
        start = i + sep.length;
        i += sep.length - 1;
        continue;
      }
      const next = s[i + 1];
      if (next === '{' || next === '}') {
        depth += next === '{' ? 1 : -1;
        i++;
      }
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
    if (depth < 0) return null;
  }
  if (depth !== 0) return null;
  out.push(s.slice(start));
  return out;
}

/** True when the outer brackets at 0 and s.length-1 enclose the whole string (not `(a)+(b)`). */
export function enclosesAll(s: string, open: number): boolean {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === '{') depth++;
      else if (next === '}') depth--;
      i++;
      if (depth === 0 && i < s.length - 1) return false;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

/** The shape of a normalised answer (no spaces). */
export function shapeOf(s: string): Shape {
  const mat = /^\\begin\{pmatrix\}(.*)\\end\{pmatrix\}$/.exec(s);
  if (mat) {
    const rows = mat[1]!
      .split('\\\\')
      .filter((r) => r !== '')
      .map((r) => r.split('&'));
    if (rows.length > 0) return { kind: 'matrix', rows };
  }
  const union = splitTopLevel(s, '\\cup');
  if (union && union.length > 1 && union.every((p) => p !== '')) return { kind: 'union', parts: union };
  if (s.startsWith('\\{') && s.endsWith('\\}') && enclosesAll(s, 0)) {
    const inner = s.slice(2, -2);
    const items = inner === '' ? [] : splitTopLevel(inner, ',');
    if (items) return { kind: 'set', items };
  }
  const first = s[0];
  const last = s[s.length - 1];
  if ((first === '(' || first === '[') && (last === ')' || last === ']') && s.length >= 2) {
    const items = splitTopLevel(s.slice(1, -1), ',');
    // Only a bracket pair that spans the whole answer and holds a comma is a tuple / interval.
    if (items && items.length >= 2 && enclosesAll(s, 0)) {
      return { kind: 'bracketed', open: first, close: last, items };
    }
  }
  const list = splitTopLevel(s, ',');
  if (list && list.length >= 2 && list.every((p) => p !== '')) return { kind: 'list', items: list };
  return { kind: 'scalar' };
}
