// The tiny trainer fixture the RL tests share: a one-layer d16 model over the character tokenizer, addition
// questions `i+i=`, the judge and attempt-completion rule of the built-in task, and a TrainerEnv built from a
// fresh reference model (actor and critic cloned from it) with its disposal. Not a test file itself.
import { Transformer } from '../../../backend/model/core/transformer.js';
import { parseModelConfig, type ModelConfig } from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { gradeSync } from '../../../backend/math/grade.js';
import { extractAnswer } from '../../../backend/math/extract-answer.js';
import type { RunConfig } from '../../../backend/rl/config.js';
import { cloneModel, createCritic, createOptimizers, type TrainerEnv } from '../../../backend/rl/trainer.js';

/** One layer, d16, 2 query heads sharing one KV head, tied embeddings; `maxPositions` tokens of context. */
export function tinyModelConfig(maxPositions = 128): ModelConfig {
  return parseModelConfig({
    vocabSize: charTokenizer.vocabSize,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    numKvHeads: 1,
    intermediateSize: 24,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    qkvBias: false,
    tieEmbeddings: true,
    maxPositions,
    initStd: 0.5,
  });
}

/** Questions `0+0=` … `(n-1)+(n-1)=` with their sums as gold. */
export const additionQuestions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: `${i}+${i}=`, gold: String(2 * i) }));

/** The built-in task's judge: the graded verdict and the extracted answer. */
export const tinyJudge: TrainerEnv['judge'] = (text, gold) => {
  const g = gradeSync(text, gold, { answerIs: false });
  return { verdict: g.verdict, extracted: g.extracted };
};

/** An attempt is complete once it contains an answer. */
export const tinyAttemptComplete = (text: string): boolean => extractAnswer(text, { answerIs: false }).answer !== null;

export type TinyEnv = TrainerEnv & { reference: Transformer };

/** A trainer env over `questions` (the reference model seeded 1; Adam from `cfg`), critic optional. */
export async function makeTinyEnv(
  questions: TrainerEnv['trainQuestions'],
  cfg: RunConfig,
  opts: { withCritic?: boolean; modelConfig?: ModelConfig } = {},
): Promise<TinyEnv> {
  const withCritic = opts.withCritic ?? true;
  const reference = Transformer.create(opts.modelConfig ?? tinyModelConfig(), 1);
  const actor = await cloneModel(reference);
  const critic = withCritic ? await createCritic(reference) : undefined;
  const { actorOptimizer, criticOptimizer } = createOptimizers(cfg, withCritic);
  return {
    state: { actor, actorOptimizer, critic, criticOptimizer },
    reference,
    tokenizer: charTokenizer,
    template: compactTemplate,
    trainQuestions: questions,
    judge: tinyJudge,
    isAttemptComplete: tinyAttemptComplete,
  };
}

/** Disposes the env's models and optimizers. */
export function disposeTinyEnv(env: TinyEnv): void {
  env.state.actor.dispose();
  env.state.critic?.dispose();
  env.state.actorOptimizer.dispose();
  env.state.criticOptimizer?.dispose();
  env.reference.dispose();
}
