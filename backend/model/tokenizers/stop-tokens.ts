// The stop-token rule, in one place: which token ids end the model's turn. Training rollouts, evaluation and
// `generate` all ask this function, so a model stops at the same token whichever of them runs it.
import type { Tokenizer } from './tokenizer.js';

/**
 * Ids that end generation: the tokenizer's EOS, every EOS id its generation_config.json names (Hugging Face
 * folders: `stopIds`), and each end-of-turn string of the chat template that is one token (a special token
 * or a text that encodes to a single id). In first-seen order, without duplicates.
 */
export function stopTokenIds(tokenizer: Tokenizer & { readonly stopIds?: readonly number[] }, endOfTurn: readonly string[]): number[] {
  const ids = new Set<number>([tokenizer.eosId, ...(tokenizer.stopIds ?? [])]);
  for (const s of endOfTurn) {
    const special = tokenizer.specialTokens[s];
    if (special !== undefined) ids.add(special);
    else {
      const enc = tokenizer.encode(s);
      if (enc.length === 1) ids.add(enc[0]!);
    }
  }
  return [...ids];
}
