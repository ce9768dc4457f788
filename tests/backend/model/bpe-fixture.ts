// Test fixture: a genuine byte-level BPE tokenizer.json trained here on a text corpus (Qwen2's pre-tokenizer
// split, GPT-2's byte alphabet, merges learnt by pair frequency), with the ChatML special tokens — the same
// format and pipeline as a real Qwen tokenizer, small enough to build in a test.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bytesToUnicode } from './hf-fixtures.js';

/** Qwen2's pre-tokenizer pattern, as tokenizer.json carries it. */
export const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** The same split in JavaScript (no inline (?i:) group), for counting words while training. */
const JS_SPLIT = /'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export const CHATML_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/** Learns `merges` byte-level BPE merges from `corpus` (most frequent adjacent pair first, ties by first seen). */
export function trainByteBpe(corpus: readonly string[], merges: number): { vocab: Record<string, number>; merges: [string, string][] } {
  const table = bytesToUnicode();
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  // Special tokens are added tokens, never learnt: the text between them is what the merges learn from.
  const pieces = corpus.flatMap((text) => text.split(/<\|(?:endoftext|im_start|im_end)\|>/));
  for (const text of pieces)
    for (const m of text.matchAll(JS_SPLIT)) {
      const w = Array.from(enc.encode(m[0]), (b) => table[b]).join('\u0000');
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  const words = [...counts].map(([w, n]) => ({ symbols: w.split('\u0000'), n }));
  const vocab: Record<string, number> = {};
  table.forEach((ch, b) => (vocab[ch] = b));
  const learnt: [string, string][] = [];
  for (let i = 0; i < merges; i++) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words)
      for (let j = 0; j + 1 < symbols.length; j++) {
        const key = symbols[j] + '\u0000' + symbols[j + 1];
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    let best = '';
    let bestN = 1; // a pair seen once is not worth a token
    for (const [k, n] of pairs) if (n > bestN) [best, bestN] = [k, n];
    if (best === '') break;
    const [a, b] = best.split('\u0000') as [string, string];
    learnt.push([a, b]);
    if (!Object.hasOwn(vocab, a + b)) vocab[a + b] = Object.keys(vocab).length;
    for (const w of words) {
      const out: string[] = [];
      for (let j = 0; j < w.symbols.length; j++) {
        if (j + 1 < w.symbols.length && w.symbols[j] === a && w.symbols[j + 1] === b) {
          out.push(a + b);
          j++;
        } else out.push(w.symbols[j]!);
      }
      w.symbols = out;
    }
  }
  return { vocab, merges: learnt };
}

/**
 * Writes tokenizer.json (byte-level BPE trained on `corpus`, Qwen2 pre-tokenizer and decoder, ChatML specials
 * after the learnt vocabulary) and tokenizer_config.json (eos <|im_end|>, pad <|endoftext|>). Returns the
 * vocabulary size (ids 0..vocabSize−1).
 */
export function writeTrainedBpeTokenizer(dir: string, corpus: readonly string[], merges: number): { vocabSize: number; merges: number } {
  mkdirSync(dir, { recursive: true });
  const bpe = trainByteBpe(corpus, merges);
  const base = Object.keys(bpe.vocab).length;
  const added = CHATML_SPECIALS.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false }, byteLevel] },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: bpe.vocab, merges: bpe.merges.map(([a, b]) => `${a} ${b}`) },
  };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ eos_token: '<|im_end|>', pad_token: '<|endoftext|>', bos_token: null, clean_up_tokenization_spaces: false, model_max_length: 32768, tokenizer_class: 'Qwen2Tokenizer' }),
  );
  return { vocabSize: base + CHATML_SPECIALS.length, merges: bpe.merges.length };
}
