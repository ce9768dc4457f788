// How an episode is rendered as text: the first prompt (system with N attempts, user question, assistant
// header), the model's attempts and the injected feedback turns, with which spans the model generated.
// Two templates: ChatML with the reference's exact strings (docs/ARCHITECTURE.md, "The method") and a compact one for the built-in model.
import type { Tokenizer } from './tokenizer.js';

export type SpanKind = 'prompt' | 'feedback' | 'generated';

export interface Span {
  kind: SpanKind;
  text: string;
}

export interface ChatTemplate {
  readonly name: string;
  /** System + user + assistant header. attempts = N for multi-attempt; null for the single-turn baseline prompt. */
  prompt(question: string, attempts: number | null): string;
  /** Injected after a wrong attempt; attemptsLeft is N after the decrement. Closes the model's turn itself. */
  feedback(attemptsLeft: number): string;
  /** Texts that end an assistant turn when the model writes them (stop strings). */
  readonly endOfTurn: readonly string[];
}

function checkAttempts(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`chat template: ${what} must be a positive integer, got ${n}`);
}

export const SINGLE_TURN_SYSTEM = 'Please reason step by step, and put your final answer within \\boxed{}.';

/** The multi-attempt system message of the reference (docs/ARCHITECTURE.md, "The method"). */
export function multiAttemptSystem(attempts: number): string {
  return `${SINGLE_TURN_SYSTEM} You have ${attempts} attempts to answer the questions, and you should provide the full reasoning steps in each attempt.`;
}

/** The reference's feedback message after a wrong attempt (the system turn's content). */
export function feedbackMessage(attemptsLeft: number): string {
  return `Your answer is incorrect. You have ${attemptsLeft} attempts left. Try an alternative.`;
}

/** ChatML exactly as the reference (Chung, Du & Fu 2025) prompts Qwen models. */
export const chatmlTemplate: ChatTemplate = {
  name: 'chatml',
  prompt(question, attempts) {
    let system = SINGLE_TURN_SYSTEM;
    if (attempts !== null) {
      checkAttempts(attempts, 'attempts');
      system += ` You have ${attempts} attempts to answer the questions, and you should provide the full reasoning steps in each attempt.`;
    }
    return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n`;
  },
  feedback(attemptsLeft) {
    checkAttempts(attemptsLeft, 'attemptsLeft');
    return `<|im_end|>\n<|im_start|>system\nYour answer is incorrect. You have ${attemptsLeft} attempts left. Try an alternative.<|im_end|>\n<|im_start|>assistant\n`;
  },
  endOfTurn: ['<|im_end|>', '<|endoftext|>'],
};

/**
 * The same dialogue in a few tokens for the character-level built-in model (special tokens are one id each):
 * system `S{N}` (multi-attempt) or `S` (single-turn), user `U{question}`, assistant `A`, feedback `F{N left}`.
 * E.g. `<|im_start|>S3<|im_end|><|im_start|>U1+2?<|im_end|><|im_start|>A`.
 */
export const compactTemplate: ChatTemplate = {
  name: 'compact',
  prompt(question, attempts) {
    if (attempts !== null) checkAttempts(attempts, 'attempts');
    return `<|im_start|>S${attempts ?? ''}<|im_end|><|im_start|>U${question}<|im_end|><|im_start|>A`;
  },
  feedback(attemptsLeft) {
    checkAttempts(attemptsLeft, 'attemptsLeft');
    return `<|im_end|><|im_start|>F${attemptsLeft}<|im_end|><|im_start|>A`;
  },
  endOfTurn: ['<|im_end|>', '<|endoftext|>'],
};

const TEMPLATES: Record<string, ChatTemplate> = { chatml: chatmlTemplate, compact: compactTemplate };

export function chatTemplateByName(name: string): ChatTemplate {
  const t = TEMPLATES[name];
  if (!t)
    throw new Error(`unknown chat template '${name}'; expected one of: ${Object.keys(TEMPLATES).join(', ')}`);
  return t;
}

export interface EpisodeText {
  question: string;
  /** N allowed attempts, or null for the single-turn baseline (then at most one response). */
  attempts: number | null;
  /** The model's attempts in order, exactly as generated. */
  responses: string[];
}

/** Spans of an episode: prompt, response 1, feedback(N−1), response 2, feedback(N−2), … */
export function renderEpisode(t: ChatTemplate, ep: EpisodeText): Span[] {
  const n = ep.attempts ?? 1;
  if (ep.responses.length > n)
    throw new Error(`chat template: ${ep.responses.length} responses for ${n} allowed attempt(s)`);
  const spans: Span[] = [{ kind: 'prompt', text: t.prompt(ep.question, ep.attempts) }];
  ep.responses.forEach((r, j) => {
    if (j > 0) spans.push({ kind: 'feedback', text: t.feedback(n - j) });
    spans.push({ kind: 'generated', text: r });
  });
  return spans;
}

/** Token ids of spans (each encoded on its own) and a mask: 1 for model-generated tokens, 0 for injected ones. */
export function encodeSpans(
  tok: Tokenizer,
  spans: readonly Span[],
): { ids: number[]; generatedMask: number[] } {
  const ids: number[] = [];
  const generatedMask: number[] = [];
  for (const s of spans) {
    const enc = tok.encode(s.text);
    ids.push(...enc);
    for (let k = 0; k < enc.length; k++) generatedMask.push(s.kind === 'generated' ? 1 : 0);
  }
  return { ids, generatedMask };
}
