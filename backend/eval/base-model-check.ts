// A fast reproducibility fingerprint of a base model: greedy first-attempt accuracy on a fixed few dozen
// validation questions of its task. Recorded in base-model.json when a checkpoint is saved for shipping
// (bench:base-model --save), and re-measured by the test that the shipped checkpoints load and still agree.
import { generateSynthetic } from '../data/synthetic.js';
import type { BaseTaskSpec } from '../pretrain/base-model-data.js';
import { charTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../model/tokenizers/chat-template.js';
import type { Transformer } from '../model/core/transformer.js';
import { evaluateKAttempt } from './k-attempt.js';

/** Which questions the check reads: validation split, a fixed seed, a few dozen. */
export const BASE_MODEL_CHECK = { split: 'validation', seed: 4242, n: 48 } as const;

export interface BaseModelCheck {
  split: 'validation';
  seed: number;
  n: number;
  /** Questions right at the first attempt, greedy, the demo's prompt (5 attempts allowed). */
  correctK1: number;
}

export async function baseModelCheck(model: Transformer, task: BaseTaskSpec): Promise<BaseModelCheck> {
  const { split, seed, n } = BASE_MODEL_CHECK;
  const questions = generateSynthetic({ seed, count: n, split, families: task.families, levels: task.levels, digits: task.digits }).map(
    (p) => ({ id: p.id, question: p.question, gold: p.answer }),
  );
  const r = await evaluateKAttempt({ model, tokenizer: charTokenizer, template: compactTemplate }, [{ name: 'check', questions }], {
    maxAttempts: 5,
    protocol: 'one-episode',
    maxTokensPerAttempt: 32,
    maxTotalTokens: 32 * 5,
    batchSize: 48,
  });
  return { split, seed, n, correctK1: r.datasets[0]!.correctByK[0]! };
}
