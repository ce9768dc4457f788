// The natural wrong answers to a synthetic problem (a dropped carry, one digit off, precedence ignored,
// a sign lost), so an evaluation can tell a near miss from a far one — the kind of mistake a retry fixes.
import { rootCandidates, type SyntheticProblem } from './synthetic.js';

/** Digit-wise sum without carries: 58+67 → 15 (5+6=11→1, 8+7=15→5). */
function sumWithoutCarries(a: number, b: number): number {
  let out = 0;
  for (
    let place = 1, x = a, y = b;
    x > 0 || y > 0;
    place *= 10, x = Math.floor(x / 10), y = Math.floor(y / 10)
  ) {
    out += (((x % 10) + (y % 10)) % 10) * place;
  }
  return out;
}

/** Every answer one digit away from `answer` (same length, no new leading zero). */
export function oneDigitAway(answer: string): string[] {
  const out: string[] = [];
  const neg = answer.startsWith('-');
  const digits = neg ? answer.slice(1) : answer;
  for (let i = 0; i < digits.length; i++) {
    for (const d of [-1, 1]) {
      const v = Number(digits[i]) + d;
      if (v < 0 || v > 9 || (i === 0 && v === 0 && digits.length > 1)) continue;
      out.push((neg ? '-' : '') + digits.slice(0, i) + v + digits.slice(i + 1));
    }
  }
  return out;
}

/** Plausible wrong answers to a problem, most characteristic first (no duplicates, never the answer). */
export function nearMisses(p: Pick<SyntheticProblem, 'question' | 'answer' | 'family'>): string[] {
  const expr = /^[^0-9(]*([0-9+\-*()]+)/.exec(p.question)?.[1] ?? '';
  const out: string[] = [];
  const add = /^(\d+)\+(\d+)$/.exec(expr);
  if (add) out.push(String(sumWithoutCarries(Number(add[1]), Number(add[2]))));
  const sub = /^(\d+)-(\d+)$/.exec(expr);
  if (sub) out.push(String(Number(sub[2]) - Number(sub[1]))); // operands swapped / sign lost
  const mixed = /^(\d+)\+(\d+)\*(\d+)$/.exec(expr);
  if (mixed) out.push(String((Number(mixed[1]) + Number(mixed[2])) * Number(mixed[3]))); // left to right
  const mixed2 = /^\((\d+)\+(\d+)\)\*(\d+)$/.exec(expr);
  if (mixed2) out.push(String(Number(mixed2[1]) + Number(mixed2[2]) * Number(mixed2[3]))); // brackets ignored
  const root = rootCandidates(p.question);
  if (root) out.push(root[0] === p.answer ? root[1] : root[0]); // the other root
  out.push(...oneDigitAway(p.answer));
  return [...new Set(out)].filter((a) => a !== p.answer);
}

/** Is a wrong integer answer a near miss (one of nearMisses, or one digit off)? */
export function isNearMiss(
  p: Pick<SyntheticProblem, 'question' | 'answer' | 'family'>,
  pred: string,
): boolean {
  return pred !== p.answer && nearMisses(p).includes(pred);
}
