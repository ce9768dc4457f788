// The record every dataset loader returns, and the error type that names the file and line of bad input.

export interface DatasetRecord {
  id: string;
  question: string;
  /** The gold answer as a string (numbers are written without a trailing `.0`). */
  answer: string;
  /** Dataset name (`aime24`, `math_train`, `synthetic`, or the imported file's name). */
  source: string;
  meta?: Record<string, string | number | boolean | null>;
}

/** Bad dataset input; the message starts with `file:line:` (or `file:`) so the user can find it. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    message: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${message}`);
    this.name = 'DatasetError';
  }
}

/** A value at a dotted path (`extra_info.question`), or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    // Own fields only: a dataset naming `constructor` or `__proto__` reads nothing inherited.
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A scalar field as a string: numbers without `.0`, bigints as digits; null for anything else. */
export function asText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return null;
}
