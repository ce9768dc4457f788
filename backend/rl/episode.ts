// Multi-attempt episodes (docs/ARCHITECTURE.md, "The method"): a batch of dialogues generated together; a wrong attempt gets the
// feedback turn appended and the same sequence continues. Records every attempt, every token's kind
// (prompt / generated / feedback) and the log-probability of every generated token.

import type { AttemptRecord, Verdict } from '../domain/vocabulary.js';
import type { TokenKind } from './masks.js';

export type EpisodeMode = 'multi-attempt' | 'single-turn';

export interface EpisodeTask {
  questionId: string;
  question: string;
  gold: string;
  /** N: attempts allowed (1 for the single-turn baseline). */
  attemptsAllowed: number;
  /** Generation budget of this episode when smaller than `EpisodeOptions.maxTotalTokens` (e.g. a long prompt). */
  maxTotalTokens?: number;
}

export interface EpisodeResult {
  task: EpisodeTask;
  attempts: AttemptRecord[];
  /** 0-based index of the attempt that was correct, or null (as everywhere: backend/domain/vocabulary.ts). */
  solvedAt: number | null;
  /** Whole sequence: prompt, attempts and feedback turns. */
  tokens: number[];
  kinds: Exclude<TokenKind, 'pad'>[];
  /** Log-probability of each token under the sampling policy; NaN where the token was not generated. */
  logprobs: number[];
  generatedTokens: number;
  endReason: 'correct' | 'out_of_attempts' | 'out_of_budget';
}

/** The part of a decode session (backend/model/core/generate.ts) that episodes drive. */
export interface EpisodeDecoder {
  append(i: number, tokens: number[]): void;
  generate(opts: {
    active: boolean[];
    maxNewTokens: number[];
    stopTokenIds?: number[];
    shouldStop?: (i: number, newIds: number[]) => boolean;
  }): Promise<{ ids: number[][]; logprobs: number[][]; stopReason: string[] }>;
}

export interface EpisodeTokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** The dialogue strings (a chat template): first prompt and the feedback turn. */
export interface EpisodeDialogue {
  /** First prompt up to the assistant's turn; `attempts` null renders the single-turn (baseline) prompt. */
  prompt(question: string, attempts: number | null): string;
  /**
   * The injected turn after a wrong attempt, telling `attemptsLeft`. `turnClosed` is true when the model
   * already ended its turn with a stop token, so the template does not close it a second time.
   */
  feedback(attemptsLeft: number, turnClosed: boolean): string;
}

export interface Judgement {
  verdict: 'correct' | 'wrong' | 'no_answer';
  extracted: string | null;
}

export interface EpisodeDeps {
  decoder: EpisodeDecoder;
  tokenizer: EpisodeTokenizer;
  dialogue: EpisodeDialogue;
  /** Grades one attempt's text against the gold answer (backend/math). */
  judge: (attemptText: string, gold: string) => Judgement | Promise<Judgement>;
  /** True once the attempt's text holds a complete boxed answer: the attempt is judged right then. */
  isAttemptComplete: (attemptText: string) => boolean;
}

export interface EpisodeOptions {
  mode: EpisodeMode;
  /** Most tokens the model may generate in one attempt. */
  maxTokensPerAttempt: number;
  /** Most tokens the model may generate in the whole episode (all attempts). */
  maxTotalTokens: number;
  /** Tokens that end the model's turn (e.g. <|im_end|>). */
  stopTokenIds: number[];
}

interface Live {
  result: EpisodeResult;
  attemptsLeft: number;
  done: boolean;
}

/** Runs one batch of episodes to completion; `tasks[i]` uses decoder sequence i (which must be empty). */
export async function runEpisodes(tasks: EpisodeTask[], deps: EpisodeDeps, opts: EpisodeOptions): Promise<EpisodeResult[]> {
  const { decoder, tokenizer, dialogue, judge, isAttemptComplete } = deps;
  const budgetOf = (t: EpisodeTask) => Math.min(opts.maxTotalTokens, t.maxTotalTokens ?? Infinity);
  const live: Live[] = tasks.map((task, i) => {
    if (opts.mode === 'single-turn' && task.attemptsAllowed !== 1) {
      throw new Error(`task ${task.questionId}: the single-turn baseline allows exactly 1 attempt, got ${task.attemptsAllowed}`);
    }
    if (!Number.isInteger(task.attemptsAllowed) || task.attemptsAllowed < 1) {
      throw new Error(`task ${task.questionId}: attemptsAllowed must be a positive integer, got ${task.attemptsAllowed}`);
    }
    const prompt = tokenizer.encode(dialogue.prompt(task.question, opts.mode === 'multi-attempt' ? task.attemptsAllowed : null));
    decoder.append(i, prompt);
    return {
      result: {
        task,
        attempts: [],
        solvedAt: null,
        tokens: [...prompt],
        kinds: prompt.map(() => 'prompt' as const),
        logprobs: prompt.map(() => NaN),
        generatedTokens: 0,
        endReason: 'out_of_attempts',
      },
      attemptsLeft: task.attemptsAllowed,
      done: false,
    };
  });
  const stopSet = new Set(opts.stopTokenIds);
  // Decoding the attempt so far only when its newest token can close a box keeps the check cheap.
  const closesBrace = (id: number) => tokenizer.decode([id]).includes('}');
  const shouldStop = (_i: number, ids: number[]) => ids.length > 0 && closesBrace(ids[ids.length - 1]!) && isAttemptComplete(tokenizer.decode(ids));

  while (live.some((l) => !l.done)) {
    const active = live.map((l) => !l.done);
    const maxNewTokens = live.map((l) => (l.done ? 0 : Math.min(opts.maxTokensPerAttempt, budgetOf(l.result.task) - l.result.generatedTokens)));
    const out = await decoder.generate({ active, maxNewTokens, stopTokenIds: opts.stopTokenIds, shouldStop });
    for (let i = 0; i < live.length; i++) {
      const l = live[i]!;
      if (l.done) continue;
      const r = l.result;
      const ids = out.ids[i]!;
      r.tokens.push(...ids);
      r.kinds.push(...ids.map(() => 'generated' as const));
      r.logprobs.push(...out.logprobs[i]!);
      r.generatedTokens += ids.length;
      const turnClosed = ids.length > 0 && stopSet.has(ids[ids.length - 1]!);
      const text = tokenizer.decode(turnClosed ? ids.slice(0, -1) : ids);
      const judged = await judge(text, r.task.gold);
      const hitBudget = !turnClosed && judged.verdict === 'no_answer';
      const verdict: Verdict =
        judged.verdict === 'correct' ? 'correct' : judged.verdict === 'wrong' ? 'wrong' : hitBudget ? 'over_budget' : 'no_box';
      r.attempts.push({ response: text, tokens: ids.length, extracted: judged.extracted, verdict });
      const budgetLeft = budgetOf(r.task) - r.generatedTokens;
      if (verdict === 'correct') {
        r.solvedAt = r.attempts.length - 1;
        r.endReason = 'correct';
        l.done = true;
      } else if (budgetLeft <= 0) {
        r.endReason = 'out_of_budget';
        l.done = true;
      } else if (l.attemptsLeft > 1) {
        l.attemptsLeft--;
        const fb = tokenizer.encode(dialogue.feedback(l.attemptsLeft, turnClosed));
        decoder.append(i, fb);
        r.tokens.push(...fb);
        r.kinds.push(...fb.map(() => 'feedback' as const));
        r.logprobs.push(...fb.map(() => NaN));
      } else {
        r.endReason = 'out_of_attempts';
        l.done = true;
      }
    }
  }
  return live.map((l) => l.result);
}

/** The part of a chat template (backend/model/tokenizers/chat-template.ts) an episode needs. */
export interface DialogueTemplate {
  prompt(question: string, attempts: number | null): string;
  /** The feedback turn, which starts by closing the model's turn with `endOfTurn[0]`. */
  feedback(attemptsLeft: number): string;
  readonly endOfTurn: readonly string[];
}

/**
 * Adapts a chat template to {@link EpisodeDialogue}: when the model already closed its turn (it generated
 * the stop token), the template's leading end-of-turn string is dropped so the turn is not closed twice.
 */
export function dialogueFromTemplate(template: DialogueTemplate): EpisodeDialogue {
  const close = template.endOfTurn[0];
  return {
    prompt: (question, attempts) => template.prompt(question, attempts),
    feedback(attemptsLeft, turnClosed) {
      const fb = template.feedback(attemptsLeft);
      if (!turnClosed) return fb;
      if (close === undefined || !fb.startsWith(close))
        throw new Error(`chat template: the feedback turn does not start with its end-of-turn string '${close ?? ''}'`);
      return fb.slice(close.length);
    },
  };
}

/** Draws N uniformly from {min..max} with the given uniform random source in [0, 1). */
export function drawAttempts(min: number, max: number, random: () => number): number {
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min)) {
    throw new Error(`attempts range must satisfy 1 ≤ min ≤ max (integers), got ${min}..${max}`);
  }
  return min + Math.floor(random() * (max - min + 1));
}
