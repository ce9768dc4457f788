// A tiny random char-level model and a deterministic stand-in judge for the evaluation tests: the random
// model never writes a \boxed{}, so the judge grades each attempt by a hash of its text instead, which
// gives a mix of first-try, later and never solved questions.
import { Transformer } from '../../../backend/model/core/transformer.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import type { EvalModel, EvalQuestion } from '../../../backend/eval/run-questions.js';
import { tinyConfig } from '../model/tiny.js';

export function tinyEvalModel(seed = 1, maxPositions = 128): EvalModel {
  const model = Transformer.create(
    tinyConfig({ vocabSize: charTokenizer.vocabSize, maxPositions, initStd: 0.5 }),
    seed,
  );
  return { model, tokenizer: charTokenizer, template: compactTemplate };
}

/** Correct when the attempt's char-code sum ≡ 0 (mod 3); the "answer" is the text's first 3 characters. */
export function hashJudge(text: string): { verdict: 'correct' | 'wrong'; extracted: string } {
  let s = 0;
  for (const ch of text) s += ch.codePointAt(0)!;
  return { verdict: s % 3 === 0 ? 'correct' : 'wrong', extracted: text.slice(0, 3) };
}

export function questions(n: number, prefix = 'q'): EvalQuestion[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    question: `${i * 7 + 3}+${i}=`,
    gold: String(i * 8 + 3),
  }));
}
