// The tokenizer interface every model uses (character-level now, Hugging Face tokenizer.json later).

export interface Tokenizer {
  /** A short name for logs and checkpoints, e.g. "char-v1". */
  readonly name: string;
  readonly vocabSize: number;
  /** Special tokens by their text, e.g. { '<|im_start|>': 2 }; each is encoded as one id when it appears in text. */
  readonly specialTokens: Readonly<Record<string, number>>;
  /** End-of-sequence id (generation stops on it). */
  readonly eosId: number;
  /** Padding id (never attended to; any id is fine for right padding). */
  readonly padId: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}
