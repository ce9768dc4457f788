// Answer normalisation in the spirit of the Qwen2.5-Math evaluation (our own implementation of its rules):
// LaTeX noise, units, degrees, percent, dollars, short `x=` left sides, separators, fraction spellings, words.
import { parseNumberWords } from './number-words.js';
import { splitTopLevel } from './structure.js';

/** Units removed from the end of an answer ("5 cm", "5\text{ cm}^2", "12 \mbox{inches}"). */
const UNIT_WORDS = [
  'cm',
  'centimeter',
  'centimetre',
  'mm',
  'millimeter',
  'm',
  'meter',
  'metre',
  'km',
  'kilometer',
  'kilometre',
  'mile',
  'ft',
  'foot',
  'feet',
  'inch',
  'inches',
  'yard',
  'yd',
  'second',
  'sec',
  'minute',
  'min',
  'hour',
  'hr',
  'day',
  'week',
  'month',
  'year',
  'degree',
  'unit',
  'dollar',
  'cent',
  'liter',
  'litre',
  'ml',
  'gallon',
  'pound',
  'lb',
  'kg',
  'gram',
  'g',
  'ounce',
  'oz',
  'mph',
  'kmh',
  'km/h',
  'm/s',
  'point',
  'people',
  'person',
  'student',
  'sq',
  'square',
  'cubic',
  'radian',
  'rad',
  'times',
  'way',
  'hours',
  'ways',
  'percent',
  'coin',
  'book',
  'page',
  'mile per hour',
  'miles per hour',
  'square unit',
  'square units',
  'square feet',
  'square inches',
  'square meters',
  'square centimeters',
  'cubic feet',
  'cubic inches',
  'cubic centimeters',
  'cubic meters',
  'sq units',
  'sq ft',
  'sq in',
];
const UNIT_SET = new Set(UNIT_WORDS.flatMap((u) => [u, u + 's', u + 'es']));

const TEXT_WRAPPERS =
  /\\(?:text|textbf|textit|mathrm|mathbf|mbox|boldsymbol|mathit|operatorname)\s*\{([^{}]*)\}/g;

/** Removes a trailing unit: `\text{ cm}^2`, `\mbox{ meters}`, or a bare unit word after a number. */
function stripUnits(s: string): string {
  // \text{...} (optionally ^2 / ^3) at the end, after something containing a digit or a closing brace.
  const m =
    /^(.*?[\d}).])\s*\\(?:text|mbox|mathrm|textnormal)\s*\{\s*([a-zA-Z][a-zA-Z ./]*?)\s*\}(?:\^\{?[23]\}?)?$/.exec(
      s,
    );
  if (m && UNIT_SET.has(m[2]!.toLowerCase().trim())) return m[1]!.trim();
  if (m && /^[a-z ./]+$/i.test(m[2]!) && /\d/.test(m[1]!)) return m[1]!.trim();
  const w = /^(.*?[\d}).])\s+([a-zA-Z][a-zA-Z ./]*?)(?:\^\{?[23]\}?)?$/.exec(s);
  if (w && UNIT_SET.has(w[2]!.toLowerCase().trim())) return w[1]!.trim();
  return s;
}

/** `\frac12` → `\frac{1}{2}`, `\frac1{2}` and `\frac{1}2` likewise; `\sqrt3` → `\sqrt{3}`. */
function fixShortArgs(s: string): string {
  s = s.replace(/\\frac\s*(\d)\s*(\d)/g, '\\frac{$1}{$2}');
  s = s.replace(/\\frac\s*(\d)\s*\{/g, '\\frac{$1}{');
  s = s.replace(/\\frac\s*(\{[^{}]*\})\s*([\da-zA-Z])/g, '\\frac$1{$2}');
  s = s.replace(/\\sqrt\s*([\da-zA-Z])/g, '\\sqrt{$1}');
  return s;
}

/** Drops the left side of `x = 5`, `k=n+1`, `x \in [0,1]` when it is a short name (at most 2 characters). */
function stripShortLeftSide(s: string): string {
  const eq = s.split('=');
  if (eq.length === 2 && eq[0]!.trim().length <= 2 && eq[0]!.trim().length > 0 && eq[1]!.trim() !== '') {
    return eq[1]!.trim();
  }
  const inSet = /^\s*[a-zA-Z]\s*\\in\s*(.+)$/.exec(s);
  if (inSet) return inSet[1]!.trim();
  return s;
}

/**
 * Normalises one answer string (`keepLeftSide`: keep `y=` so two equations can be compared as equations). Pure and fast on short inputs (tens of regex passes); the result is the
 * canonical form compared by `isEquivalent` (exact match first, then the numeric/structural/symbolic rules).
 */
export function normalize(answer: string, opts: { keepLeftSide?: boolean } = {}): string {
  let s = answer.replace(/\s+/g, ' ').trim();
  // Math delimiters and dollars (`$5$`, `\$5`, `\(x\)`).
  s = s
    .replace(/\\\$/g, '')
    .replace(/\$/g, '')
    .replace(/\\[()]/g, '')
    .replace(/^\\\[|\\\]$/g, '');
  s = s
    .replace(/\s*\\?\.\s*$/, '')
    .replace(/[;:]\s*$/, '')
    .trim();
  // Spacing commands and style commands.
  s = s.replace(/(?<!\\)\\[!,;: ]/g, ' ').replace(/\\(?:quad|qquad)\b/g, ' ');
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle)\b/g, '');
  s = s.replace(/\{,\}/g, ',');
  s = s.replace(/\\[dt]frac(?![a-zA-Z])/g, '\\frac').replace(/\\cfrac(?![a-zA-Z])/g, '\\frac');
  s = s.replace(
    /\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\b\s*(\\[{}|]|[()[\]|.])?/g,
    (_m, d: string | undefined) => (d === '.' ? '' : (d ?? '')),
  );
  s = s
    .replace(/\\leqslant\b|\\leq\b/g, '\\le')
    .replace(/\\geqslant\b|\\geq\b/g, '\\ge')
    .replace(/\\neq\b/g, '\\ne');
  s = s.replace(/\b(b|v|B|V)?matrix\b/g, 'pmatrix');
  s = s.replace(/\\varnothing\b/g, '\\emptyset').replace(/\\infin\b/g, '\\infty');
  // Degrees and percent.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ\b|\\circ\b|°|\\degree\b/g, '');
  s = s.replace(/\\%|%/g, '').replace(/\s*\\?text\{\s*percent\s*\}|\s+percent$/i, '');
  s = stripUnits(s.trim());
  s = s.replace(/\s*\\(?:text|mbox)\{\s*\}/g, '');
  // Text wrappers keep their content (`\text{Evelyn}` → `Evelyn`), applied until none remain.
  for (let i = 0; i < 4 && TEXT_WRAPPERS.test(s); i++) s = s.replace(TEXT_WRAPPERS, '$1');
  TEXT_WRAPPERS.lastIndex = 0;
  s = s.trim();
  // Multiple-choice letters: `\text{(A)}`, `(B)` → the letter.
  const choice = /^\(([A-E])\)$/.exec(s);
  if (choice) s = choice[1]!;
  // `(3)` → `3`: parentheses around the whole answer holding no comma are not a tuple.
  const paren = /^\((.*)\)$/.exec(s);
  if (paren && !paren[1]!.includes(',') && splitTopLevel(paren[1]!, ',') !== null && !/[()]/.test(paren[1]!))
    s = paren[1]!.trim();
  // Whole-answer number words ("five", "twenty-one").
  if (/^[a-zA-Z -]+$/.test(s)) {
    const n = parseNumberWords(s);
    if (n !== null) s = String(n);
  }
  if (/^[+-]?(?:infinity|inf)$/i.test(s)) s = s.replace(/infinity|inf/i, '\\infty');
  if (!opts.keepLeftSide) s = stripShortLeftSide(s);
  s = s.replace(/\s+and\s+/g, ',');
  s = fixShortArgs(s);
  // Spaces go, except one that ends a command before a letter (`\cos x` is not `\cosx`).
  s = s.replace(/(?<!\\[a-zA-Z]*)\s+|\s+(?![a-zA-Z])/g, '').replace(/\s+/g, ' ');
  // Thousands separators, only when the whole answer is one grouped number (so tuples keep their commas).
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  // a/b → \frac{a}{b} for integers.
  const slash = /^([+-]?)(\d+)\/(\d+)$/.exec(s);
  if (slash) s = `${slash[1]}\\frac{${slash[2]}}{${slash[3]}}`;
  // Leading-dot decimals, trailing zeros of decimals, leading zeros of integers.
  s = s.replace(/(^|[^\d}])\.(\d)/g, '$10.$2');
  s = s.replace(/(\d)\.0+(?!\d)/g, '$1').replace(/(\d\.\d*?[1-9])0+(?!\d)/g, '$1');
  s = s.replace(/(^|[^\d.])0+(\d)/g, '$1$2');
  if (s.startsWith('+') && s.length > 1) s = s.slice(1);
  // Engineering imaginary unit: `3+2j` → `3+2i` (only when no other letter appears).
  if (/j/.test(s) && /^[\d.+\-*/()j\\{}frac]+$/.test(s) && !/[a-ik-z]/i.test(s.replace(/\\frac/g, '')))
    s = s.replace(/j/g, 'i');
  return s;
}
