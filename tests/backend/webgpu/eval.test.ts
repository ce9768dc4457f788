// The evaluator on the webgpu runtime: a greedy k-attempt evaluation (multi-attempt episodes with feedback
// turns, batched KV-cache decoding) gives the cpu runtime's episodes and accuracy, with no tensor leak.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import { evaluateKAttempt } from '../../../backend/eval/k-attempt.js';
import { tinyEvalModel, hashJudge, questions } from '../eval/tiny-eval.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

after(async () => {
  await selectRuntime({ force: 'cpu' });
});

async function evaluate() {
  const m = tinyEvalModel(3);
  const before = tf.memory().numTensors;
  try {
    const r = await evaluateKAttempt(m, [{ name: 'a', questions: questions(5) }], { maxTokensPerAttempt: 5, maxTotalTokens: 40, minTokensPerAttempt: 2, batchSize: 3, judge: hashJudge, maxAttempts: 3 });
    assert.equal(tf.memory().numTensors, before, 'no tensor leak in the evaluation');
    const d = r.datasets[0]!;
    return { accuracyByK: d.accuracyByK, episodes: d.episodes.map((e) => ({ solvedAt: e.solvedAt, attempts: e.attempts.map((a) => a.response) })) };
  } finally {
    m.model.dispose();
  }
}

test('a greedy k-attempt evaluation on webgpu equals the cpu runtime\'s', async (t) => {
  await selectRuntime({ candidates: ['cpu-native', 'cpu'] });
  const cpu = await evaluate();
  if (!(await startWebGpuOrSkip(t))) return;
  const gpu = await evaluate();
  assert.ok(cpu.episodes.some((e) => e.attempts.length > 1), 'episodes with feedback turns');
  assert.deepEqual(gpu.episodes, cpu.episodes);
  assert.deepEqual(gpu.accuracyByK, cpu.accuracyByK);
});
