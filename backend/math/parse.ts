// `parse(text)`: the Math-Verify-style first half of grading, for gold and prediction alike. Finds the final
// answer in the text (find-answer.ts) and reads it into a structured Answer (answer.ts); several joined math
// environments become one list. Returns the candidates `verify` compares (empty when nothing was found).
import { toAnswer, type Answer } from './answer.js';
import { findAnswer, type Found } from './find-answer.js';

export interface Parsed {
  /** Structured readings of the answer, most trusted first (at most a few). */
  candidates: Answer[];
  /** The answer text that was read (parts joined by ", "), or null when none was found. */
  text: string | null;
  source: Found['source'] | null;
}

/** Inputs longer than this are not searched (an empty parse). */
export const MAX_PARSE_LENGTH = 1_000_000;

const cache = new Map<string, Parsed>();
const CACHE_SIZE = 4000;

export function parse(text: string): Parsed {
  const hit = cache.get(text);
  if (hit) return hit;
  const parsed = parseUncached(text);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(text, parsed);
  return parsed;
}

function parseUncached(text: string): Parsed {
  if (text.length > MAX_PARSE_LENGTH) return { candidates: [], text: null, source: null };
  const found = findAnswer(text);
  if (!found) return { candidates: [], text: null, source: null };
  const answers = found.parts.map(toAnswer);
  let answer: Answer;
  if (answers.length === 1) answer = answers[0]!;
  else {
    // `$1$ and $2, 3$`: one list of all the items.
    const items = answers.flatMap((a) => (a.kind === 'set' ? a.items : [a]));
    answer = { kind: 'set', items };
  }
  return { candidates: [answer], text: found.parts.join(', '), source: found.source };
}
