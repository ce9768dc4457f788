// Finds the final answer in a model response: the last \boxed{...} / \fbox{...} (brace-matched), then
// "the answer is ...", and only when asked the last number. Linear time in the response length.

export type Extraction =
  { answer: string; source: 'boxed' | 'answer_is' | 'last_number' } | { answer: null; reason: string };

export interface ExtractOptions {
  /** Fall back to the last number in the text (for scoring only; the RL reward does not use it). */
  lastNumber?: boolean;
  /** Fall back to "the answer is ..." (default true). */
  answerIs?: boolean;
}

/** The brace-matched argument starting at `open` (which must be '{'), or null when unbalanced. */
function matchBraces(text: string, open: number): string | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++; // skip the escaped character (`\{`, `\}` do not count)
      continue;
    }
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  return null;
}

/** The last `\boxed` or `\fbox` answer, with the position it was found at; `\boxed 5` (no braces) too. */
function lastBoxed(text: string): { answer: string } | { unbalanced: true } | null {
  const b = text.lastIndexOf('\\boxed');
  const f = text.lastIndexOf('\\fbox');
  const at = Math.max(b, f);
  if (at < 0) return null;
  let i = at + (at === b ? 6 : 5);
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] === '{') {
    const inner = matchBraces(text, i);
    return inner === null ? { unbalanced: true } : { answer: inner.trim() };
  }
  // `\boxed 5`: the argument runs to the next `$`, whitespace or end (at most a short token).
  const m = /^[^\s$]+/.exec(text.slice(i, i + 200));
  return m ? { answer: m[0].replace(/[.,;]+$/, '') } : { unbalanced: true };
}

const ANSWER_IS = /(?:final answer|the answer)\s*(?:is|:)\s*:?\s*/gi;
const NUMBER = /-?\d[\d,]*(?:\.\d+)?(?:\/\d+)?|-?\.\d+/g;

/** Extracts the final answer from a response, or says why none was found. */
export function extractAnswer(text: string, opts: ExtractOptions = {}): Extraction {
  const boxed = lastBoxed(text);
  if (boxed && 'answer' in boxed && boxed.answer !== '') return { answer: boxed.answer, source: 'boxed' };
  if (opts.answerIs !== false) {
    let last: RegExpExecArray | null = null;
    ANSWER_IS.lastIndex = 0;
    for (let m = ANSWER_IS.exec(text); m !== null; m = ANSWER_IS.exec(text)) last = m;
    if (last) {
      const rest = text.slice(last.index + last[0].length, last.index + last[0].length + 2000);
      const dollar = /^\$([^$]+)\$/.exec(rest);
      const answer = (dollar ? dollar[1]! : (/^[^\n]*/.exec(rest)?.[0] ?? ''))
        .trim()
        .replace(/\.$/, '')
        .trim();
      if (answer !== '') return { answer, source: 'answer_is' };
    }
  }
  if (opts.lastNumber) {
    let last: string | null = null;
    NUMBER.lastIndex = 0;
    for (let m = NUMBER.exec(text); m !== null; m = NUMBER.exec(text)) last = m[0];
    if (last !== null) return { answer: last.replace(/,(?=\d{3}\b)/g, ''), source: 'last_number' };
  }
  if (boxed && 'unbalanced' in boxed) return { answer: null, reason: 'the last \\boxed{ has no matching }' };
  if (boxed) return { answer: null, reason: 'the last \\boxed{} is empty' };
  return {
    answer: null,
    reason: opts.lastNumber
      ? 'no \\boxed{}, "the answer is" or number found'
      : 'no \\boxed{} or "the answer is" found',
  };
}
