// Runs evaluation episodes for a list of questions in batches on a live model: fits each question into the
// model's context (skip or shorten the generation budget, with counts), builds the decode session, the
// dialogue (optionally "prompt says N, stop after k") and the grader, and reports progress per batch.
//
// Context fitting (backend/rl/context-fit.ts, shared with training): a question's episode needs its prompt,
// up to (attempts − 1) feedback turns and the generated tokens within `maxPositions`. A question that cannot
// fit a minimal attempt each is SKIPPED (not evaluated, not counted in n, reported by id); one whose budget is
// below maxTotalTokens is evaluated with the smaller budget and counted in `reducedBudget`. Nothing is
// truncated inside a prompt.
import type { Transformer } from '../model/core/transformer.js';
import type { Tokenizer } from '../model/tokenizers/tokenizer.js';
import type { ChatTemplate } from '../model/tokenizers/chat-template.js';
import { createDecodeSession } from '../model/core/generate.js';
import { stopTokenIds } from '../model/tokenizers/stop-tokens.js';
import {
  runEpisodes,
  dialogueFromTemplate,
  type EpisodeDialogue,
  type EpisodeResult,
  type EpisodeTask,
  type Judgement,
} from '../rl/episode.js';
import { extractAnswer } from '../math/extract-answer.js';
import { gradeSync } from '../math/grade.js';
import { episodeBudget, longestFeedback } from '../rl/context-fit.js';

/** A model with what evaluation needs to talk to it. */
export interface EvalModel {
  model: Transformer;
  tokenizer: Tokenizer;
  /** The model's own chat template: compact for the built-in model, ChatML for imported ones. */
  template: ChatTemplate;
}

export interface EvalQuestion {
  id: string;
  question: string;
  gold: string;
}

/** What each episode of a run looks like. */
export interface EpisodePlan {
  /** N written in the prompt, or null for the single-turn prompt (then `attempts` must be 1). */
  promptAttempts: number | null;
  /** Attempts actually run (≤ promptAttempts); feedback turns count down as if N = promptAttempts. */
  attempts: number;
  /** Attempts the context fitting reserves feedback turns for (≥ attempts; default attempts). */
  fitAttempts?: number;
}

export interface GenerationOptions {
  /** Most tokens one attempt may generate. */
  maxTokensPerAttempt: number;
  /** Most tokens an episode may generate over all its attempts (before context fitting). */
  maxTotalTokens: number;
  /** A question is skipped when its fitted budget is under attempts × this (default 8). */
  minTokensPerAttempt?: number;
  /** Questions decoded together. */
  batchSize: number;
  /** 0 = greedy. */
  temperature: number;
  topP?: number;
  /** Seed of the sampler (batch b uses seed + b); irrelevant for greedy decoding. */
  seed?: number;
  /** Grades one attempt (default: backend/math gradeSync on the last \boxed{}). */
  judge?: (attemptText: string, gold: string) => Judgement;
  /** Called after each batch with questions done / total (skipped ones count as done at the start). */
  onProgress?: (done: number, total: number) => void;
  /** Aborted → generation throws StoppedError at the next token (backend/model/core/stop-point.ts). */
  signal?: AbortSignal;
}

export interface RunQuestionsResult {
  /** One per evaluated question, in input order. */
  episodes: EpisodeResult[];
  /** Ids of questions that did not fit the context. */
  skipped: string[];
  /** Evaluated questions whose generation budget was cut to fit the context. */
  reducedBudget: number;
}

export function defaultJudge(text: string, gold: string): Judgement {
  const r = gradeSync(text, gold);
  return { verdict: r.verdict, extracted: r.extracted };
}

export const isBoxedComplete = (text: string): boolean => {
  const e = extractAnswer(text, { answerIs: false });
  return e.answer !== null && e.source === 'boxed';
};

function checkPlan(p: EpisodePlan): Required<EpisodePlan> {
  const fitAttempts = p.fitAttempts ?? p.attempts;
  if (!Number.isInteger(p.attempts) || p.attempts < 1)
    throw new Error(`evaluation: attempts must be a positive integer, got ${p.attempts}`);
  if (p.promptAttempts === null && p.attempts !== 1)
    throw new Error(`evaluation: the single-turn prompt allows exactly 1 attempt, got ${p.attempts}`);
  if (p.promptAttempts !== null && (!Number.isInteger(p.promptAttempts) || p.promptAttempts < p.attempts))
    throw new Error(
      `evaluation: the prompt's N (${p.promptAttempts}) must be an integer ≥ attempts (${p.attempts})`,
    );
  if (!Number.isInteger(fitAttempts) || fitAttempts < p.attempts)
    throw new Error(`evaluation: fitAttempts (${fitAttempts}) must be an integer ≥ attempts (${p.attempts})`);
  return { ...p, fitAttempts };
}

/** The dialogue of a plan: the template's, with the prompt's N and the feedback's count-down from promptAttempts. */
export function planDialogue(template: ChatTemplate, plan: EpisodePlan): EpisodeDialogue {
  const base = dialogueFromTemplate(template);
  const N = plan.promptAttempts;
  if (N === null) return base;
  const shift = N - plan.attempts;
  return {
    prompt: (q) => base.prompt(q, N),
    feedback: (left, closed) => base.feedback(left + shift, closed),
  };
}

/** Runs one episode per question (in batches) and returns them in input order. */
export async function runQuestions(
  m: EvalModel,
  questions: readonly EvalQuestion[],
  planIn: EpisodePlan,
  opts: GenerationOptions,
): Promise<RunQuestionsResult> {
  const plan = checkPlan(planIn);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
    throw new Error(`evaluation: batchSize must be a positive integer, got ${opts.batchSize}`);
  const ctx = m.model.config.maxPositions;
  const dialogue = planDialogue(m.template, plan);
  // The longest feedback turn any count-down of this plan can inject (context-fit.ts).
  const feedbackLen = longestFeedback(m.tokenizer, dialogueFromTemplate(m.template), Math.max(plan.fitAttempts, plan.promptAttempts ?? 1));
  const budgets = { context: ctx, maxTokensPerAttempt: opts.maxTokensPerAttempt, maxTotalTokens: opts.maxTotalTokens, minTokensPerAttempt: opts.minTokensPerAttempt };
  const tasks: EpisodeTask[] = [];
  const skipped: string[] = [];
  let reducedBudget = 0;
  for (const q of questions) {
    const promptLen = m.tokenizer.encode(dialogue.prompt(q.question, plan.promptAttempts)).length;
    const budget = episodeBudget(promptLen, plan.fitAttempts, feedbackLen, budgets);
    if (budget === null) {
      skipped.push(q.id);
      continue;
    }
    if (budget < opts.maxTotalTokens) reducedBudget++;
    tasks.push({
      questionId: q.id,
      question: q.question,
      gold: q.gold,
      attemptsAllowed: plan.attempts,
      maxTotalTokens: budget,
    });
  }
  const deps = {
    tokenizer: m.tokenizer,
    dialogue,
    judge: opts.judge ?? defaultJudge,
    isAttemptComplete: isBoxedComplete,
  };
  const episodeOpts = {
    mode: plan.promptAttempts === null ? ('single-turn' as const) : ('multi-attempt' as const),
    maxTokensPerAttempt: opts.maxTokensPerAttempt,
    maxTotalTokens: opts.maxTotalTokens,
    stopTokenIds: stopTokenIds(m.tokenizer, m.template.endOfTurn),
  };
  const episodes: EpisodeResult[] = [];
  opts.onProgress?.(skipped.length, questions.length);
  for (let b = 0; b * opts.batchSize < tasks.length; b++) {
    const batch = tasks.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
    const session = createDecodeSession(m.model, {
      batchSize: batch.length,
      maxLength: ctx,
      temperature: opts.temperature,
      topP: opts.topP ?? 1,
      seed: (opts.seed ?? 0) + b,
      signal: opts.signal,
    });
    try {
      episodes.push(...(await runEpisodes(batch, { ...deps, decoder: session }, episodeOpts)));
    } finally {
      session.dispose();
    }
    opts.onProgress?.(skipped.length + episodes.length, questions.length);
  }
  return { episodes, skipped, reducedBudget };
}
