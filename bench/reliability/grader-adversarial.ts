// Fault scenario: N seeded adversarial grader inputs (deep nesting, huge numbers, unbalanced braces, odd
// unicode, random LaTeX soup) through `grade` (async, CAS in the worker pool with a hard budget) and
// `gradeSync` (the RL reward's in-thread path). Counts hangs (no answer within a hard guard), answers over
// the budget, timeouts, and the time distribution.
import { closeSharedCasPool, grade, gradeSync, sharedCasPool } from '../../backend/math/index.js';

export interface GraderAdversarialResult {
  inputs: number;
  budgetMs: number;
  /** No answer within the hard guard (hangGuardMs, default 10 × budget). */
  hangs: number;
  /** Inputs on which grade or gradeSync threw instead of answering (each would fail a training run). */
  crashes: number;
  crashSamples: Array<{ category: string; sample: string; error: string }>;
  /** Answered later than budget + the allowance for a worker restart after a timeout. */
  overBudget: number;
  allowanceMs: number;
  casTimeouts: number;
  workerRestarts: number;
  asyncMs: { p50: number; p99: number; max: number };
  syncMs: { p50: number; p99: number; max: number };
  verdicts: Record<string, number>;
  byCategory: Record<string, { n: number; maxAsyncMs: number; maxSyncMs: number }>;
  slowest: Array<{ category: string; sample: string; asyncMs: number; syncMs: number }>;
  seconds: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LATEX = ['\\frac{', '}{', '}', '{', '^', '_', '\\sqrt{', '\\left(', '\\right)', '(', ')', '[', ']', 'x', 'y', 'n', '1', '2', '9', '0', '.', '+', '-', '*', '/', '=', ',', '\\pi', '\\infty', '\\cdot', '\\int', '\\sum_{', '\\begin{pmatrix}', '\\end{pmatrix}', '&', '\\\\', '\\text{', '\\boxed{', '\\dfrac', '%', '^\\circ', '\\in', '\\cup', 'e', 'i', '!', '\\log', '\\sin'];
const UNICODE = ['½', '−', '×', '÷', '√', '∞', 'π', '１２３', '٣', '𝑥', '\u200b', '\u202e', '\u0301', 'é', '💯', '\ud800', '\udfff', '\ufeff', '\u0000', 'ℵ', '⁻¹', '²', '∑', '⟨', '⟩', '“', '”'];

/** One adversarial (response, gold) pair and its category. */
export function adversarialInput(r: () => number): { category: string; response: string; gold: string } {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const box = (s: string) => (r() < 0.8 ? `Let me think. The answer is \\boxed{${s}}` : s);
  const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
  switch (int(0, 5)) {
    case 0: {
      const n = int(10, 4000);
      const shape = pick(['{|}', '\\frac{|}{2}', '\\sqrt{|}', '(|)', '\\left(|\\right)', '[|]', 'x^{|}', '-(|)']);
      const [open, close] = shape.split('|') as [string, string];
      const inner = open.repeat(n) + pick(['1', 'x', '2']) + close.repeat(n);
      return { category: 'nesting', response: box(inner), gold: r() < 0.5 ? inner : pick(['1', '\\frac{1}{2}', 'x']) };
    }
    case 1: {
      const forms = [
        () => digits(int(20, 50_000)),
        () => `10^{${digits(int(3, 12))}}`,
        () => `${int(2, 99)}^{${int(2, 99)}^{${int(2, 99)}^{${int(2, 9)}}}}`,
        () => `${int(1000, 100_000)}!`,
        () => `1e${int(300, 100_000)}`,
        () => `-0.${'0'.repeat(int(300, 5000))}1`,
        () => `\\frac{${digits(int(50, 2000))}}{${digits(int(50, 2000))}}`,
        () => `${digits(int(10, 400))}.${digits(int(10, 400))}`,
        () => Array(int(100, 3000)).fill(digits(3)).join(','),
      ];
      return { category: 'huge-numbers', response: box(pick(forms)()), gold: pick(forms)() };
    }
    case 2: {
      const parts = Array.from({ length: int(1, 3000) }, () => pick(['{', '}', '\\left(', '\\right]', '\\boxed{', '\\fbox{', '$', '\\', '{}', '}{']));
      return { category: 'unbalanced', response: `answer: \\boxed{${parts.join('')}`, gold: pick(['1', '{', '}', parts.slice(0, 20).join('')]) };
    }
    case 3: {
      const s = Array.from({ length: int(1, 2000) }, () => (r() < 0.5 ? pick(UNICODE) : String.fromCodePoint(int(0x20, 0x2ffff)))).join('');
      return { category: 'unicode', response: box(s), gold: r() < 0.5 ? s : pick(UNICODE) };
    }
    case 4: {
      const soup = () => Array.from({ length: int(1, 400) }, () => pick(LATEX)).join('');
      return { category: 'latex-soup', response: box(soup()), gold: soup() };
    }
    default: {
      const n = int(100, 200_000);
      return { category: 'long', response: pick(['a', '\\boxed{1}', '{', ' ', 'x+']).repeat(n), gold: pick(['1', 'x', 'a']) };
    }
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export async function runGraderAdversarial(o: {
  inputs: number;
  seed?: number;
  budgetMs?: number;
  /** No answer within this long counts as a hang (default 10 × budget; the pool may wait up to 60 s for a worker start). */
  hangGuardMs?: number;
  log?: (s: string) => void;
}): Promise<GraderAdversarialResult> {
  const budgetMs = o.budgetMs ?? 1000;
  const r = rng(o.seed ?? 3);
  // Two CAS workers: after a timeout kills one, the next comparison runs on the other while it restarts.
  const pool = sharedCasPool(2);
  // Warm the pool once, and measure a worker start: after a timeout the next comparison may wait for one.
  const w0 = performance.now();
  await grade('\\boxed{\\frac{x^2-1}{x-1}}', 'x+1', { timeoutMs: 60_000 });
  const allowanceMs = Math.max(2000, Math.ceil((performance.now() - w0) * 3));
  const restarts0 = pool.stats.restarts;
  const timeouts0 = pool.stats.timeouts;
  const out: GraderAdversarialResult = { inputs: o.inputs, budgetMs, hangs: 0, crashes: 0, crashSamples: [], overBudget: 0, allowanceMs, casTimeouts: 0, workerRestarts: 0, asyncMs: { p50: 0, p99: 0, max: 0 }, syncMs: { p50: 0, p99: 0, max: 0 }, verdicts: {}, byCategory: {}, slowest: [], seconds: 0 };
  const asyncT: number[] = [];
  const syncT: number[] = [];
  const t0 = performance.now();
  const samples: Array<{ category: string; sample: string; asyncMs: number; syncMs: number }> = [];
  try {
    for (let i = 0; i < o.inputs; i++) {
      const x = adversarialInput(r);
      const a0 = performance.now();
      const guard = new Promise<'hang'>((res) => setTimeout(() => res('hang'), o.hangGuardMs ?? budgetMs * 10).unref());
      const crashed = (err: unknown) => {
        out.crashes++;
        if (out.crashSamples.length < 10) out.crashSamples.push({ category: x.category, sample: x.response.slice(0, 120), error: (err as Error).message });
        return 'crash' as const;
      };
      const g = await Promise.race([grade(x.response, x.gold, { timeoutMs: budgetMs }).catch(crashed), guard]);
      const aMs = performance.now() - a0;
      if (g === 'hang') out.hangs++;
      else if (g !== 'crash') out.verdicts[g.verdict] = (out.verdicts[g.verdict] ?? 0) + 1;
      if (aMs > budgetMs + allowanceMs) out.overBudget++;
      const s0 = performance.now();
      try {
        gradeSync(x.response, x.gold);
      } catch (err) {
        crashed(err);
      }
      const sMs = performance.now() - s0;
      asyncT.push(aMs);
      syncT.push(sMs);
      const c = (out.byCategory[x.category] ??= { n: 0, maxAsyncMs: 0, maxSyncMs: 0 });
      c.n++;
      c.maxAsyncMs = Math.max(c.maxAsyncMs, Math.round(aMs));
      c.maxSyncMs = Math.max(c.maxSyncMs, Math.round(sMs));
      samples.push({ category: x.category, sample: x.response.slice(0, 80), asyncMs: Math.round(aMs), syncMs: Math.round(sMs) });
      if (o.log && (i + 1) % 100 === 0) o.log(`${i + 1}/${o.inputs} inputs, ${out.hangs} hangs, ${out.crashes} crashes, ${out.overBudget} over budget`);
    }
  } finally {
    out.seconds = (performance.now() - t0) / 1000;
    out.casTimeouts = pool.stats.timeouts - timeouts0;
    out.workerRestarts = pool.stats.restarts - restarts0;
    await closeSharedCasPool();
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  out.asyncMs = { p50: round(pct(asyncT, 50)), p99: round(pct(asyncT, 99)), max: round(Math.max(0, ...asyncT)) };
  out.syncMs = { p50: round(pct(syncT, 50)), p99: round(pct(syncT, 99)), max: round(Math.max(0, ...syncT)) };
  out.slowest = samples.sort((a, b) => Math.max(b.asyncMs, b.syncMs) - Math.max(a.asyncMs, a.syncMs)).slice(0, 5);
  return out;
}
