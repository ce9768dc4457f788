// `node --import tsx bench/rl-step.ts`: seconds per RL step (rollout generation + PPO update) of the demo's
// preset (builtin-multi-attempt: the base model's shape, 64 rollouts, ≤ 5 attempts of ≤ 32 tokens, 2 epochs
// of mini-batches of 16) on cpu-native, with freshly initialised weights (so attempts run to their token
// limits: the slow end of a demo step). Prints the median and all samples; --stock runs stock tfjs cpu kernels.
// Options: --steps N (default 4, after one warm-up step), --runtime NAME.
import os from 'node:os';
import { tf } from '../backend/model/core/tf.js';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { Transformer } from '../backend/model/core/transformer.js';
import { charTokenizer } from '../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../backend/model/tokenizers/chat-template.js';
import { gradeSync } from '../backend/math/grade.js';
import { extractAnswer } from '../backend/math/extract-answer.js';
import { parseRunConfig } from '../backend/rl/config.js';
import { BASE_MODEL_CONFIG } from '../backend/pretrain/base-model.js';
import { trainStep, createCritic, cloneModel, createOptimizers } from '../backend/rl/trainer.js';
import { generateSynthetic } from '../backend/data/synthetic.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1] : d);
const STEPS = Number(arg('steps', '4'));
const runtime = await selectRuntime({ force: (process.argv.includes('--stock') ? 'cpu' : arg('runtime', 'cpu-native')) as 'cpu' });
const cfg = parseRunConfig({ preset: 'builtin-multi-attempt', steps: 100, eval: { everySteps: 0 }, checkpoint: { everySteps: 0 } }, 'bench config');
const problems = generateSynthetic({ count: 512, split: 'train', families: ['add'], levels: [2, 3], seed: 1 });
const questions = problems.map((p) => ({ id: p.id, question: p.question, gold: p.answer }));
const reference = Transformer.create(BASE_MODEL_CONFIG, 1);
const actor = await cloneModel(reference);
const critic = await createCritic(reference);
const { actorOptimizer, criticOptimizer } = createOptimizers(cfg, true);
const env = {
  state: { actor, actorOptimizer, critic, criticOptimizer },
  reference,
  tokenizer: charTokenizer,
  template: compactTemplate,
  trainQuestions: questions,
  judge: (text: string, gold: string) => {
    const g = gradeSync(text, gold, { answerIs: false });
    return { verdict: g.verdict, extracted: g.extracted };
  },
  isAttemptComplete: (text: string) => extractAnswer(text, { answerIs: false }).answer !== null,
};
const rows: { seconds: number; generationSeconds: number; tokens: number }[] = [];
for (let s = 0; s <= STEPS; s++) {
  const r = await trainStep(cfg, env, s);
  const tokens = r.batch.episodes.reduce((a, e) => a + e.generatedTokens, 0);
  if (s > 0) rows.push({ seconds: r.metrics.secondsPerStep!, generationSeconds: r.metrics.generationSeconds!, tokens });
  process.stdout.write(`step ${s}${s === 0 ? ' (warm-up)' : ''}: ${r.metrics.secondsPerStep!.toFixed(2)} s (generation ${r.metrics.generationSeconds!.toFixed(2)} s, ${tokens} tokens, sequence ${r.metrics.sequenceLength})\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
process.stdout.write(`${runtime.name}: median step ${median(rows.map((r) => r.seconds)).toFixed(2)} s, generation ${median(rows.map((r) => r.generationSeconds)).toFixed(2)} s, update ${median(rows.map((r) => r.seconds - r.generationSeconds)).toFixed(2)} s; load ${os.loadavg()[0].toFixed(1)}\n`);
for (const m of [reference, actor, critic]) m.dispose();
actorOptimizer.dispose();
criticOptimizer?.dispose();
tf.disposeVariables();
