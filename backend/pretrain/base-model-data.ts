// The supervised training examples of the built-in base model: synthetic problems rendered as compact-template
// dialogues (single answers, and optional two-attempt "retry" examples whose wrong first attempt is not trained
// on), tokenised with a loss mask, and padded into batches. Pure: no tfjs.
import { compactTemplate, encodeSpans, type ChatTemplate, type Span } from '../model/tokenizers/chat-template.js';
import type { Tokenizer } from '../model/tokenizers/tokenizer.js';
import { generateSynthetic, rootCandidates, type Family, type SyntheticProblem } from '../data/synthetic.js';
import { nearMisses } from '../data/near-miss.js';
import { Rng } from '../model/core/rng.js';

/** Which synthetic problems the base model learns (see backend/data/synthetic.ts). */
export interface BaseTaskSpec {
  families: Family[];
  /** Levels (1-based) of each family's digit table. */
  levels: number[];
  /** Override the digit table of some families. */
  digits?: Partial<Record<Family, number[][]>>;
}

export interface ExampleOptions {
  /** Share of two-attempt examples (wrong first attempt, feedback, correct answer). */
  retryExampleShare: number;
  /** Where the wrong first attempt of a retry example comes from: a near miss, or a far (random) number. */
  retryFirstAttempt: 'near-miss' | 'far';
  /** Most attempts N written in a prompt (N is drawn from 1..maxAttempts; 2..maxAttempts for retries). */
  maxAttempts: number;
  /** Share of examples that use the single-turn prompt (no attempt count), as the baseline policy sees. */
  singleTurnPromptShare: number;
  /**
   * How the model writes an answer: `boxed` = just `\boxed{1577}`; `reversed` = a tiny scratchpad with the
   * digits last-to-first (the order carries propagate in), then the box: `7751|\boxed{1577}`.
   */
  answerStyle: AnswerStyle;
  /**
   * Questions with two correct-looking candidates (the `root` family's two roots): the share of examples whose
   * trained answer is the root the question lists FIRST; the others train on the second-listed root. The
   * corpus's own habit, independent of the hidden gold the grader checks (so a first answer is still right
   * half the time). Left out: train on the gold itself (a 50/50 target the small model hedges between, writing
   * digits of both roots — docs/RESULTS.md).
   */
  firstCandidateShare?: number;
}

export type AnswerStyle = 'boxed' | 'reversed';

/** One rendered dialogue: its spans and, per span, whether the model is trained to produce it. */
export interface TrainingExample {
  spans: Span[];
  trained: boolean[];
}

/** The answer as the model writes it: the box the grader reads, optionally after the reversed digits. */
export function responseText(answer: string, style: AnswerStyle = 'boxed'): string {
  if (style === 'boxed') return `\\boxed{${answer}}`;
  const neg = answer.startsWith('-');
  const digits = [...(neg ? answer.slice(1) : answer)].reverse().join('');
  return `${digits}${neg ? '-' : ''}|\\boxed{${answer}}`;
}

/** The end-of-turn token the model learns to write after its final answer. */
export const END_OF_TURN = '<|im_end|>';

/** A plausible wrong answer: a near miss of the problem, or (far) an unrelated number of similar size. */
export function wrongAnswer(p: SyntheticProblem, kind: 'near-miss' | 'far', rng: Rng): string {
  if (kind === 'near-miss') {
    const misses = nearMisses(p);
    if (misses.length > 0) return misses[rng.int(misses.length)]!;
  }
  const gold = Number(p.answer);
  const mag = Math.max(10, 10 ** String(Math.abs(gold)).length);
  for (;;) {
    const x = rng.int(mag);
    // Far: never one of the near misses, never the answer.
    if (String(x) !== p.answer && !nearMisses(p).includes(String(x))) return String(x);
  }
}

/** The answer an example trains on: the gold, or for a two-candidate question the corpus's habitual pick. */
export function trainedAnswer(p: SyntheticProblem, o: Pick<ExampleOptions, 'firstCandidateShare'>, rng: Rng): string {
  const candidates = o.firstCandidateShare === undefined ? null : rootCandidates(p.question);
  if (!candidates) return p.answer;
  return rng.next() < o.firstCandidateShare! ? candidates[0] : candidates[1];
}

/**
 * Renders one problem as a training dialogue. Single: prompt, `\boxed{answer}<|im_end|>` (trained).
 * Retry: prompt with N ≥ 2, a wrong boxed answer (NOT trained), the feedback turn (not trained), then the
 * correct answer (trained). The feedback turn closes the wrong attempt's turn itself, as in an episode where
 * generation stops at the closing brace.
 */
export function renderTrainingExample(
  p: SyntheticProblem,
  o: ExampleOptions,
  rng: Rng,
  t: ChatTemplate = compactTemplate,
): TrainingExample {
  const retry = o.maxAttempts >= 2 && rng.next() < o.retryExampleShare;
  const final: Span = { kind: 'generated', text: responseText(trainedAnswer(p, o, rng), o.answerStyle) + END_OF_TURN };
  if (!retry) {
    const single = rng.next() < o.singleTurnPromptShare;
    const n = single ? null : 1 + rng.int(o.maxAttempts);
    return { spans: [{ kind: 'prompt', text: t.prompt(p.question, n) }, final], trained: [false, true] };
  }
  const n = 2 + rng.int(o.maxAttempts - 1);
  return {
    spans: [
      { kind: 'prompt', text: t.prompt(p.question, n) },
      { kind: 'generated', text: responseText(wrongAnswer(p, o.retryFirstAttempt, rng), o.answerStyle) },
      { kind: 'feedback', text: t.feedback(n - 1) },
      final,
    ],
    trained: [false, false, false, true],
  };
}

/** Token ids and the loss mask (1 exactly on the tokens of trained generated spans). */
export function encodeExample(tok: Tokenizer, ex: TrainingExample): { ids: number[]; mask: number[] } {
  const ids: number[] = [];
  const mask: number[] = [];
  ex.spans.forEach((s, i) => {
    const enc = encodeSpans(tok, [s]);
    ids.push(...enc.ids);
    const on = ex.trained[i] && s.kind === 'generated' ? 1 : 0;
    for (const g of enc.generatedMask) mask.push(g * on);
  });
  return { ids, mask };
}

/** A right-padded batch: ids and mask as flat row-major arrays of [B, T]. */
export interface PackedBatch {
  ids: Int32Array;
  mask: Float32Array;
  batch: number;
  length: number;
}

export function packBatch(rows: { ids: number[]; mask: number[] }[], padId: number): PackedBatch {
  const T = Math.max(...rows.map((r) => r.ids.length));
  const ids = new Int32Array(rows.length * T).fill(padId);
  const mask = new Float32Array(rows.length * T);
  rows.forEach((r, b) => {
    ids.set(r.ids, b * T);
    mask.set(r.mask, b * T);
  });
  return { ids, mask, batch: rows.length, length: T };
}

/**
 * The stream of training problems: step s draws `batchSize` distinct train-split problems with a seed derived
 * from (seed, s), so a run is reproducible and the model sees fresh problems at every step.
 */
export function trainProblems(task: BaseTaskSpec, seed: number, step: number, batchSize: number): SyntheticProblem[] {
  return generateSynthetic({
    seed: (Math.imul(seed + 1, 0x9e3779b1) ^ (step * 7919)) >>> 0,
    count: batchSize,
    split: 'train',
    families: task.families,
    levels: task.levels,
    digits: task.digits,
  });
}
