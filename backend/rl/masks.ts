// Which tokens are trained on: the loss mask and the attempt structure of a batch of episodes, built from
// each token's kind. Pure, no tfjs. Every loss, the KL, the value loss and advantage whitening use the mask.

/** What a token position holds. Feedback = the injected turn from `<|im_end|>\n<|im_start|>system` to `<|im_start|>assistant\n`. */
export type TokenKind = 'prompt' | 'generated' | 'feedback' | 'pad';

/** Compact codes for token kinds, so a batch's kinds fit in a Uint8Array [B, T]. */
export const TOKEN_KIND_CODE: Readonly<Record<TokenKind, number>> = {
  prompt: 0,
  generated: 1,
  feedback: 2,
  pad: 3,
};
const KIND_NAMES: readonly TokenKind[] = ['prompt', 'generated', 'feedback', 'pad'];

/** One attempt of one row: its generated tokens are columns [start, end). */
export interface AttemptSpan {
  start: number;
  end: number;
}

export interface BatchMasks {
  batch: number;
  length: number;
  /** [B·T] 1 on every generated token of every attempt, 0 on prompt, feedback and pad. */
  lossMask: Float32Array;
  /**
   * [B·T] for a generated token: the column of the next generated token of the same row (inside the attempt
   * it is t+1; at an attempt's last token it is the first token of the next attempt, skipping the feedback
   * span), or -1 at the episode's last generated token. -1 on non-generated tokens.
   */
  next: Int32Array;
  /** [B·T] 0-based attempt index of a generated token, -1 elsewhere. */
  attemptIndex: Int32Array;
  /** [B] column of each row's last generated token (where the reward goes), -1 for a row with none. */
  last: Int32Array;
  /** Per row, the span of each attempt in order. */
  attempts: AttemptSpan[][];
}

/** Encodes per-token kinds as codes; throws on an unknown kind, naming the position. */
export function encodeKinds(kinds: readonly TokenKind[]): Uint8Array {
  const out = new Uint8Array(kinds.length);
  kinds.forEach((k, i) => {
    const c = TOKEN_KIND_CODE[k];
    if (c === undefined)
      throw new Error(
        `masks: token ${i} has unknown kind '${String(k)}' (expected one of: ${KIND_NAMES.join(', ')})`,
      );
    out[i] = c;
  });
  return out;
}

/**
 * Builds the loss mask and attempt structure for a batch whose token kinds are `kinds` ([B·T], row-major
 * codes from {@link TOKEN_KIND_CODE}, or a string array). Attempts are the maximal runs of generated
 * tokens; consecutive attempts must be separated by feedback tokens only (no prompt or pad between them), and no prompt
 * token may follow a generated one, else the layout is rejected with the row and column named.
 */
export function buildBatchMasks(
  kinds: Uint8Array | readonly TokenKind[],
  batch: number,
  length: number,
): BatchMasks {
  const codes = kinds instanceof Uint8Array ? kinds : encodeKinds(kinds);
  if (codes.length !== batch * length)
    throw new Error(
      `masks: expected ${batch}×${length} = ${batch * length} token kinds, got ${codes.length}`,
    );
  const G = TOKEN_KIND_CODE.generated;
  const lossMask = new Float32Array(batch * length);
  const next = new Int32Array(batch * length).fill(-1);
  const attemptIndex = new Int32Array(batch * length).fill(-1);
  const last = new Int32Array(batch).fill(-1);
  const attempts: AttemptSpan[][] = [];
  for (let b = 0; b < batch; b++) {
    const row = b * length;
    const spans: AttemptSpan[] = [];
    let gapOnlyFeedback = true; // since the previous attempt ended, every token was feedback
    for (let t = 0; t < length; t++) {
      const c = codes[row + t]!;
      if (c > 3) throw new Error(`masks: row ${b}, column ${t}: unknown kind code ${c}`);
      const open = spans.at(-1);
      if (c === G) {
        if (open && open.end === t) open.end = t + 1;
        else {
          if (open && !gapOnlyFeedback)
            throw new Error(
              `masks: row ${b}, column ${t}: attempt ${spans.length} must follow a feedback span only`,
            );
          spans.push({ start: t, end: t + 1 });
          gapOnlyFeedback = true;
        }
      } else if (open) {
        if (c === TOKEN_KIND_CODE.prompt)
          throw new Error(`masks: row ${b}, column ${t}: prompt token after generated tokens`);
        if (c !== TOKEN_KIND_CODE.feedback) gapOnlyFeedback = false;
      }
    }
    spans.forEach((s, i) => {
      for (let t = s.start; t < s.end; t++) {
        lossMask[row + t] = 1;
        attemptIndex[row + t] = i;
        next[row + t] = t + 1 < s.end ? t + 1 : i + 1 < spans.length ? spans[i + 1]!.start : -1;
      }
    });
    if (spans.length > 0) last[b] = spans.at(-1)!.end - 1;
    attempts.push(spans);
  }
  return { batch, length, lossMask, next, attemptIndex, last, attempts };
}
