// Context fitting in training (context-fit.ts, trainer.ts): questions whose prompt and feedback turns leave no
// room for a minimal attempt each are skipped and counted (metrics, log), never an error; the others get the
// budget the context leaves them, and no episode grows past the model's context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { dialogueFromTemplate } from '../../../backend/rl/episode.js';
import { episodeBudget, fitTrainingPool, longestFeedback, requiredBudget } from '../../../backend/rl/context-fit.js';
import { train, trainStep } from '../../../backend/rl/trainer.js';
import { disposeTinyEnv, makeTinyEnv, tinyModelConfig } from './tiny-trainer.js';

const CTX = 128;
const modelConfig = tinyModelConfig(CTX);

// Compact template, char tokens: prompt = question + 9 (N < 10), feedback turn = 7. With N ≤ 3, 4 tokens per
// attempt and 20 in all, a question fits when 128 − (L + 9) − 2·7 ≥ 12, i.e. L ≤ 93; a 90-char one fits with a
// cut budget at N = 3; a 200-char one (longer than the context by itself) and a 100-char one do not fit.
const short = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, question: `${i}+${i}=`, gold: String(2 * i) }));
const medium = [0, 1].map((i) => ({ id: `m${i}`, question: `${'1+'.repeat(44)}${i}=`.slice(0, 90), gold: '44' }));
const long = [
  { id: 'l0', question: '9+'.repeat(100), gold: '900' },
  { id: 'l1', question: '7+'.repeat(50), gold: '350' },
];
const questions = [...short, long[0]!, ...medium, long[1]!];

function config(over: Record<string, unknown> = {}) {
  return parseRunConfig(
    {
      steps: 1,
      rolloutBatch: 8,
      miniBatch: 8,
      seed: 5,
      task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 3 },
      generation: { maxTokensPerAttempt: 4, maxTotalTokens: 20 },
      optimizer: { actorLr: 1e-3, criticLr: 1e-3 },
      eval: { everySteps: 0 },
      checkpoint: { everySteps: 0 },
      ...over,
    },
    'context-fit test',
  );
}

const makeEnv = (qs = questions) => makeTinyEnv(qs, config(), { modelConfig });
const disposeEnv = disposeTinyEnv;

test('pure fitting: the budget is what the context leaves, at most maxTotalTokens; too little room is null', () => {
  const b = { context: 100, maxTokensPerAttempt: 10, maxTotalTokens: 30 };
  assert.equal(requiredBudget(3, b), 24); // 3 × min(8, 10)
  assert.equal(requiredBudget(5, b), 30); // capped by the total
  assert.equal(episodeBudget(20, 3, 5, b), 30); // 100 − 20 − 10 = 70 → 30
  assert.equal(episodeBudget(50, 3, 5, b), 30); // 40 → 30
  assert.equal(episodeBudget(62, 3, 5, b), 28); // cut to the room
  assert.equal(episodeBudget(67, 3, 5, b), null); // 23 < 24
  assert.equal(episodeBudget(200, 1, 5, b), null); // longer than the context by itself
  const dialogue = dialogueFromTemplate(compactTemplate);
  assert.equal(longestFeedback(charTokenizer, dialogue, 1), 0);
  assert.equal(longestFeedback(charTokenizer, dialogue, 3), 7);
  const fit = fitTrainingPool(questions, { tokenizer: charTokenizer, dialogue }, 3, { context: CTX, maxTokensPerAttempt: 4, maxTotalTokens: 20 });
  assert.deepEqual(fit.kept.map((q) => q.id), ['s0', 's1', 's2', 's3', 's4', 's5', 'm0', 'm1']);
  assert.deepEqual(fit.skipped, ['l0', 'l1']);
  assert.equal(fit.longestSkippedPrompt, 209);
});

test('a training step skips what cannot fit, cuts budgets to the context, and counts both in its metrics', async () => {
  const env = await makeEnv();
  try {
    // N = 3 for every episode: both medium questions run with a cut budget (15 tokens), the short ones with 20.
    const cfg = config({ task: { mode: 'multi-attempt', minAttempts: 3, maxAttempts: 3 } });
    const lines: string[] = [];
    const reports: Awaited<ReturnType<typeof trainStep>>[] = [];
    const r = await train(cfg, env, { onStep: (rep) => void reports.push(rep), log: (l) => lines.push(l) });
    assert.equal(r.stepsDone, 1);
    const rep = reports[0]!;
    assert.equal(rep.metrics.contextSkipped, 2);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^2 of 10 training questions do not fit the model's context \(128 positions\) with 3 attempts and are skipped \(longest such prompt: 209 tokens; ids: l0, l1\)$/);
    const eps = rep.batch.episodes;
    assert.equal(eps.length, 8);
    // The 8 kept questions each once (one pass of the permutation), the long ones never.
    assert.deepEqual(eps.map((e) => e.task.questionId).sort(), ['m0', 'm1', 's0', 's1', 's2', 's3', 's4', 's5']);
    let cut = 0;
    for (const e of eps) {
      const N = e.task.attemptsAllowed;
      const promptLen = charTokenizer.encode(compactTemplate.prompt(e.task.question, N)).length;
      const expected = Math.min(20, CTX - promptLen - (N - 1) * 7);
      assert.equal(e.task.maxTotalTokens, expected, `${e.task.questionId} N=${N}`);
      if (expected < 20) cut++;
      assert.ok(e.generatedTokens <= expected);
      assert.ok(e.tokens.length <= CTX, `${e.task.questionId}: ${e.tokens.length} tokens`);
    }
    assert.equal(cut, 2);
    assert.equal(rep.metrics.reducedBudget, cut);
    assert.ok(Number.isFinite(rep.metrics.reward) && Number.isFinite(rep.metrics.valueLoss));
  } finally {
    disposeEnv(env);
  }
});

test('the single-turn baseline fits its own (shorter) prompt, one attempt and no feedback turns', async () => {
  const env = await makeEnv();
  try {
    const cfg = config({ task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1 } });
    await trainStep(cfg, env, 0); // warm-up: the optimizers create their slots on the first update
    const before = tf.memory().numTensors;
    const rep = await trainStep(cfg, env, 1);
    assert.equal(tf.memory().numTensors, before, 'no tensor leak');
    // 100-char question: 109-token prompt + 12 ≤ 128 fits with one attempt; the 200-char one never does.
    assert.equal(rep.metrics.contextSkipped, 1);
    assert.ok(rep.batch.episodes.every((e) => e.task.questionId !== 'l0' && e.tokens.length <= CTX));
  } finally {
    disposeEnv(env);
  }
});

test('a training set of which nothing fits fails with one line naming the context and the count', async () => {
  const env = await makeEnv(long);
  try {
    await assert.rejects(trainStep(config(), env, 0), (err: Error) => {
      assert.equal(
        err.message,
        "no training question fits the model's context (128 positions) with 3 attempt(s) of at least 4 tokens: all 2 skipped (longest prompt 209 tokens)",
      );
      return true;
    });
  } finally {
    disposeEnv(env);
  }
});
