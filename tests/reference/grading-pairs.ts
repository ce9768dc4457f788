// Gold/prediction pairs generated from real gold answers, for the differential test against Math-Verify
// and the agreement table in docs/GRADING.md: each gold re-formatted the ways a model writes it (must be
// equal) and perturbed (must differ). Pure and deterministic (seeded), so a run can be reproduced.
import { readFileSync } from 'node:fs';
import { BENCHMARK_NAMES, loadDataset } from '../../backend/data/index.js';

export interface Pair {
  /** dataset:index:variant — stable across runs. */
  id: string;
  dataset: string;
  gold: string;
  pred: string;
  expect: 'equal' | 'differ';
}

/** mulberry32: a small seeded generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Top-level comma items of `s` (not inside brackets or braces), or null. */
function topItems(s: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '{' || s[i + 1] === '}')) {
      depth += s[i + 1] === '{' ? 1 : -1;
      i++;
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return depth === 0 && out.length >= 2 && out.every((x) => x.trim() !== '')
    ? out.map((x) => x.trim())
    : null;
}

const GROUPED = /^\d{1,3}(?:,\d{3})+$/;
const isPlainList = (g: string) =>
  !GROUPED.test(g) && !g.includes('=') && topItems(g) !== null && !/\\!|\\text/.test(g);

/** Ways a model writes the same answer; each returns the prediction text or null when it does not apply. */
export const REFORMATS: Record<string, (g: string) => string | null> = {
  boxed_prose: (g) => `Putting it together, the answer is $\\boxed{${g}}$.`,
  final_answer: (g) => `The final answer is $${g}$. I hope it is correct.`,
  display_bracket: (g) => `We get\n\\[ ${g} \\]`,
  display_dollars: (g) => `Therefore $$${g}$$`,
  inline_paren: (g) => `so the result is \\(${g}\\).`,
  dfrac: (g) => (g.includes('\\frac') ? `$\\boxed{${g.replace(/\\frac/g, '\\dfrac')}}$` : null),
  short_frac: (g) =>
    /\\frac\{\d\}\{\d\}/.test(g) ? `$\\boxed{${g.replace(/\\frac\{(\d)\}\{(\d)\}/g, '\\tfrac$1$2')}}$` : null,
  spaced: (g) =>
    `$\\boxed{${g
      // Not inside `{,}` / `\,` or a grouped number (`10,\!080`, `58,500`): a model does not space those.
      .replace(/(?<![\\{])\s*([+=,<>])\s*(?!\}|\\!|\d{3}(?!\d))/g, ' $1 ')
      .replace(/\s+/g, ' ')
      .trim()}}$`,
  left_right: (g) =>
    /^\(.*\)$/.test(g) && !g.includes('\\left') ? `$\\boxed{\\left${g.slice(0, -1)}\\right)}$` : null,
  slash_fraction: (g) => {
    const m = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(g);
    return m ? `The answer is $${m[1]}${m[2]}/${m[3]}$.` : null;
  },
  plain_number: (g) => (/^-?\d+$/.test(g) ? `The answer is ${g}.` : null),
  decimal_zero: (g) => (/^-?\d+$/.test(g) && g.length < 12 ? `$\\boxed{${g}.0}$` : null),
  reordered: (g) => {
    if (!isPlainList(g)) return null;
    return `$\\boxed{${topItems(g)!.reverse().join(', ')}}$`;
  },
  set_braces_reordered: (g) => {
    const m = /^\\\{(.*)\\\}$/.exec(g);
    const items = m ? topItems(m[1]!) : null;
    return items ? `$\\boxed{\\{${items.reverse().join(', ')}\\}}$` : null;
  },
  sides_swapped: (g) => {
    const parts = g.split('=');
    if (parts.length !== 2 || /[<>,]|\\le|\\ge|\\in/.test(g)) return null;
    return `$\\boxed{${parts[1]!.trim()} = ${parts[0]!.trim()}}$`;
  },
  degrees_braced: (g) => (/\^\\circ/.test(g) ? `$\\boxed{${g.replace(/\^\\circ/g, '^{\\circ}')}}$` : null),
};

/** Copies that must not be equal to the gold. */
export const PERTURBATIONS: Record<string, (g: string, r: () => number) => string | null> = {
  digit_changed: (g, r) => {
    const digits = [...g.matchAll(/\d/g)].filter((m) => !/_\{?$/.test(g.slice(0, m.index)));
    if (digits.length === 0) return null;
    const m = digits[Math.floor(r() * digits.length)]!;
    const d = Number(m[0]);
    const next = String(d === 9 ? 7 : d + 1);
    return `$\\boxed{${g.slice(0, m.index) + next + g.slice(m.index! + 1)}}$`;
  },
  item_dropped: (g) => {
    if (!isPlainList(g)) return null;
    const items = topItems(g)!;
    return `$\\boxed{${items.slice(0, -1).join(', ')}}$`;
  },
  sign_flipped: (g) => {
    if (!/^-?\d+(?:\.\d+)?$/.test(g) || /^-?0+(?:\.0+)?$/.test(g)) return null;
    return `$\\boxed{${g.startsWith('-') ? g.slice(1) : '-' + g}}$`;
  },
  tuple_swapped: (g) => {
    const m = /^\((.*)\)$/.exec(g);
    const items = m ? topItems(m[1]!) : null;
    if (!items || items.length !== 2 || items[0] === items[1]) return null;
    return `$\\boxed{(${items[1]}, ${items[0]})}$`;
  },
};

const GOLD_WRAPS = [
  (g: string) => `$${g}$`,
  (g: string) => `\\boxed{${g}}`,
  (g: string) => `$\\boxed{${g}}$`,
];

/** Pairs for one gold answer: `same` re-formattings and `perturbed` copies, chosen with `r`. */
export function pairsFor(
  dataset: string,
  index: number,
  gold: string,
  same: number,
  perturbed: number,
  r: () => number,
): Pair[] {
  const g = gold.trim();
  if (g === '') return [];
  const out: Pair[] = [];
  const wrap = GOLD_WRAPS[Math.floor(r() * GOLD_WRAPS.length)]!;
  const pick = <T>(
    table: Record<string, T>,
    n: number,
    make: (f: T) => string | null,
    expect: Pair['expect'],
  ) => {
    const names = Object.keys(table);
    const order = names.map((name) => ({ name, k: r() })).sort((a, b) => a.k - b.k);
    let made = 0;
    for (const { name } of order) {
      if (made >= n) break;
      const pred = make(table[name]!);
      if (pred === null) continue;
      out.push({ id: `${dataset}:${index}:${name}`, dataset, gold: wrap(g), pred, expect });
      made++;
    }
  };
  pick(REFORMATS, same, (f) => f(g), 'equal');
  pick(PERTURBATIONS, perturbed, (f) => f(g, r), 'differ');
  return out;
}

/** Every gold of the five shipped benchmarks and of the MATH train split, by dataset. */
export async function loadGolds(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of BENCHMARK_NAMES) out[name] = (await loadDataset(name)).records.map((r) => r.answer);
  const train = readFileSync(
    new URL('../../resources/datasets/train/simplelr_math_35_train.qa.jsonl', import.meta.url),
    'utf8',
  );
  out['math_train'] = train
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => String((JSON.parse(l) as { answer: unknown }).answer));
  return out;
}

/**
 * The differential sample: for each benchmark gold `same` re-formattings and one perturbed copy; for MATH
 * train every `trainStride`-th gold with one of each.
 */
export function samplePairs(
  golds: Record<string, string[]>,
  opts: { same: number; trainStride: number; seed: number },
): Pair[] {
  const r = rng(opts.seed);
  const out: Pair[] = [];
  for (const [dataset, answers] of Object.entries(golds)) {
    const train = dataset === 'math_train';
    answers.forEach((g, i) => {
      if (train && i % opts.trainStride !== 0) return;
      out.push(...pairsFor(dataset, i, g, train ? 1 : opts.same, 1, r));
    });
  }
  return out;
}
