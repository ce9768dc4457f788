// The demo's summary: one policy's row (k-sweep, retry statistics, per-family sweep, the comparisons of
// attempt-comparisons.ts), the comparisons between policies, and the text the CLI prints (table, task, reward,
// seed, and whether the run could show the effect at all). Pure: no tfjs, no I/O.
import type { EpisodeResult } from '../rl/episode.js';
import type { RewardValues } from '../rl/rewards.js';
import type { RunConfig } from '../rl/config.js';
import { DEFAULT_LEVELS, type Family } from '../data/synthetic.js';
import type { SampledDatasetResult } from './sampled.js';
import { sweepFromSolvedAt, type KAttemptDatasetResult } from './k-attempt.js';
import type { KAttemptProtocol } from './eval-defaults.js';
import {
  firstSecondDeltas,
  succVsPass,
  uniqueAnswerRatio,
  type FirstSecondDeltas,
  type SuccVsPassRow,
} from './attempt-comparisons.js';

export interface PolicySummary {
  runId: number | null;
  accuracyByK: Record<string, number>;
  correctByK: Record<string, number>;
  n: number;
  repeatRate: number;
  switchToCorrectRate: number;
  /** Accuracy gained from k = 1 to k = 2 (fraction). */
  gain1to2: number;
  /** The same sweep per synthetic family (the part of the question id before ':'), e.g. `add`, `root`. */
  byFamily: Record<string, { n: number; accuracyByK: Record<string, number> }>;
  /** Distinct answers over attempts made, per episode with a retry (attempt-comparisons.ts); null: no retries. */
  uniqueAnswerRatio: number | null;
  /** SCoRe's first-to-second-attempt deltas (attempt-comparisons.ts). */
  firstSecond: FirstSecondDeltas;
}


/** One policy's row of the summary from its evaluation on the demo's dataset. */
export function summarisePolicy(runId: number | null, d: KAttemptDatasetResult): PolicySummary {
  const byK = (xs: number[]) => Object.fromEntries(xs.map((x, i) => [String(i + 1), x]));
  const K = d.accuracyByK.length;
  // One episode of K attempts per question ('one-episode'), or one run per k whose episodes allow k attempts.
  const oneEpisode = d.episodes.every((e) => e.task.attemptsAllowed === K);
  const families = new Map<string, EpisodeResult[]>();
  for (const e of d.episodes) {
    const family = e.task.questionId.split(':')[0]!;
    families.set(family, [...(families.get(family) ?? []), e]);
  }
  const byFamily = Object.fromEntries(
    [...families].sort(([a], [b]) => a.localeCompare(b)).map(([f, eps]) => {
      const n = oneEpisode ? eps.length : eps.filter((e) => e.task.attemptsAllowed === K).length;
      const correct = oneEpisode
        ? sweepFromSolvedAt(eps.map((e) => e.solvedAt), K)
        : Array.from({ length: K }, (_, i) => eps.filter((e) => e.task.attemptsAllowed === i + 1 && e.solvedAt !== null).length);
      return [f, { n, accuracyByK: byK(correct.map((c) => c / n)) }];
    }),
  );
  // The full-length episodes (all of them in 'one-episode'; the k = K run's in 'separate').
  const full = d.episodes.filter((e) => e.task.attemptsAllowed === K);
  return {
    runId,
    accuracyByK: byK(d.accuracyByK),
    correctByK: byK(d.correctByK),
    n: d.n,
    repeatRate: d.retry.repeatRate,
    switchToCorrectRate: d.retry.switchToCorrectRate,
    gain1to2: (d.accuracyByK[1] ?? d.accuracyByK[0]!) - d.accuracyByK[0]!,
    byFamily,
    uniqueAnswerRatio: uniqueAnswerRatio(full.map((e) => e.attempts.map((a) => a.extracted))),
    firstSecond: firstSecondDeltas(full.map((e) => e.attempts)),
  };
}

/**
 * The accuracy table as text: one row per policy, one column per k, plus the repeat rate; when the test split
 * mixes several families, an indented row per family under each policy.
 */
export function formatDemoTable(rows: { name: string; d: PolicySummary }[], K: number): string {
  const head = ['policy', ...Array.from({ length: K }, (_, i) => `k=${i + 1}`), 'repeat'];
  const cells = (name: string, byK: Record<string, number>, repeat: string) => [
    name,
    ...Array.from({ length: K }, (_, i) => `${(byK[String(i + 1)]! * 100).toFixed(1)}%`),
    repeat,
  ];
  const body = rows.flatMap((r) => {
    const families = Object.entries(r.d.byFamily ?? {});
    return [
      cells(r.name, r.d.accuracyByK, `${(r.d.repeatRate * 100).toFixed(1)}%`),
      ...(families.length > 1 ? families.map(([f, x]) => cells(`  ${f} (${x.n})`, x.accuracyByK, '')) : []),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

/** The baseline's sampled evaluation as the summary keeps it: pass@k and the unique-answer ratio of its samples. */
export interface SampledSummaryRow {
  temperature: number;
  samplesPerQuestion: number;
  meanAccuracy: number;
  passAtK: Record<string, number>;
  uniqueAnswerRatio: number | null;
}

export function summariseSampled(d: SampledDatasetResult, temperature: number): SampledSummaryRow {
  // sampled.ts names sample s of question q `q#s`: group the answers by question.
  const byQuestion = new Map<string, (string | null)[]>();
  for (const e of d.episodes) {
    const q = e.task.questionId.slice(0, e.task.questionId.lastIndexOf('#'));
    byQuestion.set(q, [...(byQuestion.get(q) ?? []), e.attempts[0]?.extracted ?? null]);
  }
  return {
    temperature,
    samplesPerQuestion: d.samplesPerQuestion,
    meanAccuracy: d.meanAccuracy,
    passAtK: Object.fromEntries(Object.entries(d.passAtK).map(([k, v]) => [String(k), v])),
    uniqueAnswerRatio: uniqueAnswerRatio([...byQuestion.values()]),
  };
}

/** Succ@k of the multi-attempt policy against the baseline's sampled pass@k and its greedy k-attempt accuracy. */
export interface DemoComparisons {
  succVsPass: (SuccVsPassRow & { baselineGreedy: number })[];
}

export function demoComparisons(multi: PolicySummary, baseline: PolicySummary, baselineSampled: SampledSummaryRow): DemoComparisons {
  const K = Object.keys(multi.accuracyByK).length;
  const succ = Array.from({ length: K }, (_, i) => multi.accuracyByK[String(i + 1)]!);
  const pass = Object.fromEntries(Object.entries(baselineSampled.passAtK).map(([k, v]) => [Number(k), v]));
  return { succVsPass: succVsPass(succ, pass).map((r) => ({ ...r, baselineGreedy: baseline.accuracyByK[String(r.k)]! })) };
}

/** "add (2+2 digits), mul (2×1 digits)": the families and levels of a synthetic task, in words. */
export function describeTask(task: { families: Family[]; levels: number[]; digits?: Partial<Record<Family, number[][]>> }): string {
  const table = { ...DEFAULT_LEVELS, ...(task.digits ?? {}) };
  const sep: Record<Family, string> = { add: '+', sub: '−', mul: '×', mixed: ',', carry: '', root: '' };
  return task.families
    .flatMap((f) =>
      task.levels
        .filter((l) => table[f][l - 1])
        .map((l) => {
          const spec = table[f][l - 1]!;
          const digits = f === 'root' ? `two ${spec[0]}-digit roots, gold one of them` : f === 'carry' ? `${spec[0]}+${spec[0]} digits, every column carries` : `${spec.slice(0, f === 'sub' ? 2 : spec.length).join(sep[f])} digits`;
          return `${f} level ${l} (${digits})`;
        }),
    )
    .join(', ');
}

/** The reward in words: "+1 / −0.5 / −1, no discount" or "…, success at attempt i × 0.5^(i−1)". */
export function describeReward(values: RewardValues, attemptDiscount: number): string {
  const n = (x: number) => (x > 0 ? `+${x}` : x < 0 ? `−${-x}` : '0');
  const base = `${n(values.correct)} correct / ${n(values.wrong)} wrong / ${n(values.noBox)} no answer`;
  return attemptDiscount === 1 ? `${base}, no discount` : `${base}, success at attempt i × ${attemptDiscount}^(i−1)`;
}

export interface DemoSummary {
  seed: number;
  quick: boolean;
  /**
   * True when the budget is too small for its numbers to show the multi-attempt effect (--quick, or fewer RL
   * steps or questions than the full demo): the run checks that every part works, nothing more.
   */
  smokeTest: boolean;
  /** The synthetic task in words, and its families and levels. */
  task: { description: string; families: Family[]; levels: number[] };
  /** Each policy's reward (values, per-attempt discount) and the same in words. */
  reward: { baseline: string; multiAttempt: string; values: RunConfig['task']['rewards']; attemptDiscount: { baseline: number; multiAttempt: number } };
  /** The synthetic split the questions come from. */
  split: 'validation' | 'test';
  wallSeconds: number;
  backend: string;
  device: string;
  attempts: number;
  /** How accuracy at k was measured (see DemoOptions.protocol). */
  protocol: KAttemptProtocol;
  testQuestions: number;
  rlSteps: number;
  baseModel: { dir: string; cached: boolean; source: 'shipped' | 'cache' | 'trained'; steps: number };
  policies: { base: PolicySummary; baseline: PolicySummary; multiAttempt: PolicySummary };
  /** The baseline's K independent samples per question at the rollout temperature (pass@k, no feedback). */
  baselineSampled: SampledSummaryRow;
  /** Succ@k (multi-attempt, with feedback) vs the baseline's sampled pass@k and greedy k-attempt accuracy. */
  comparisons: DemoComparisons;
  files: { csv: string; chart: string; summary: string };
  db: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(1)}`;

/** What the CLI prints after a demo: what ran, the table, the comparisons, and how far its numbers carry. */
export function formatDemoReport(s: DemoSummary): string {
  const K = s.attempts;
  const p = s.policies;
  const lines = [
    `Accuracy vs number of attempts — synthetic ${s.split} split, ${s.testQuestions} questions, greedy decoding, seed ${s.seed}`,
    `task: ${s.task.description}`,
    `reward: baseline ${s.reward.baseline}; multi-attempt ${s.reward.multiAttempt}`,
    `base model: ${s.baseModel.source === 'shipped' ? 'shipped with the app' : s.baseModel.source === 'cache' ? 'cached in the data folder' : 'trained now'} (${s.baseModel.steps} steps); RL: ${s.rlSteps} steps for each policy`,
    '',
    formatDemoTable(
      [
        { name: 'base model', d: p.base },
        { name: 'single-turn baseline', d: p.baseline },
        { name: 'multi-attempt', d: p.multiAttempt },
      ],
      K,
    ),
    '',
    `gain from k=1 to k=2 (SCoRe's Δ(t1,t2)): baseline ${pts(p.baseline.gain1to2)} points, multi-attempt ${pts(p.multiAttempt.gain1to2)} points`,
    `Δi→c / Δc→i: baseline ${pct(p.baseline.firstSecond.incorrectToCorrect)} / ${pct(p.baseline.firstSecond.correctToIncorrect)}, multi-attempt ${pct(p.multiAttempt.firstSecond.incorrectToCorrect)} / ${pct(p.multiAttempt.firstSecond.correctToIncorrect)}`,
    `unique-answer ratio across attempts: base ${ratio(p.base.uniqueAnswerRatio)}, baseline ${ratio(p.baseline.uniqueAnswerRatio)}, multi-attempt ${ratio(p.multiAttempt.uniqueAnswerRatio)} (baseline's samples ${ratio(s.baselineSampled.uniqueAnswerRatio)})`,
    `multi-attempt Succ@k vs the baseline's sampled pass@k (${s.baselineSampled.samplesPerQuestion} samples, temperature ${s.baselineSampled.temperature}): ` +
      s.comparisons.succVsPass.map((r) => `k=${r.k} ${pct(r.succ)} vs ${pct(r.pass)}`).join(', '),
  ];
  if (s.smokeTest)
    lines.push(
      '',
      `This was a smoke test (${s.quick ? '--quick' : 'a reduced budget'}: ${s.rlSteps} RL steps, ${s.testQuestions} questions): it checks that every`,
      'part runs end to end. Its numbers are too small to show the multi-attempt effect or its absence; run the demo',
      'without --quick for that (docs/RESULTS.md).',
    );
  return lines.join('\n');
}

const ratio = (x: number | null) => (x === null ? '—' : x.toFixed(2));
