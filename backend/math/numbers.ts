// Plain numbers in normalised answers (integers, decimals, scientific notation, numeric \frac) and the
// numeric-equality rule (relative tolerance 1e-4, optional ×100 / ÷100 percentage variants).

const INT = /^-?\d+$/;
const DEC = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const FRAC = /^(-?)\\frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}$/;
const TIMES_TEN = /^(-?\d+(?:\.\d+)?)(?:\\times|\\cdot|\*)10\^\{?(-?\d+)\}?$/;

/** True for a plain (optionally signed) integer literal. */
export function isIntegerLiteral(s: string): boolean {
  return INT.test(s);
}

/** Canonical form of an integer literal: no leading zeros, no `-0`. */
export function canonicalInteger(s: string): string {
  const neg = s.startsWith('-');
  const digits = (neg ? s.slice(1) : s).replace(/^0+(?=\d)/, '');
  return neg && digits !== '0' ? '-' + digits : digits;
}

/** The value of a simple numeric literal, or null when `s` is anything else (left to other rules). */
export function parseSimpleNumber(s: string): number | null {
  if (s.length > 64) return null;
  if (DEC.test(s)) return Number(s);
  const f = FRAC.exec(s);
  if (f) {
    const den = Number(f[3]);
    if (den === 0) return null;
    return (f[1] === '-' ? -1 : 1) * (Number(f[2]) / den);
  }
  const t = TIMES_TEN.exec(s);
  if (t) return Number(t[1]) * 10 ** Number(t[2]);
  return null;
}

/** Relative closeness, as Python's math.isclose with abs_tol 0: |a-b| ≤ tol·max(|a|,|b|). */
export function isClose(a: number, b: number, relTol = 1e-4): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

/** Numeric equality with the percentage variants of the gold value when `percent` is set. */
export function numericEqual(pred: number, gold: number, percent: boolean, relTol = 1e-4): boolean {
  if (isClose(pred, gold, relTol)) return true;
  return percent && (isClose(pred, gold * 100, relTol) || isClose(pred, gold / 100, relTol));
}
