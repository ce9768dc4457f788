// Unbiased pass@k against hand-computed binomial ratios, its edge cases, and the sampled summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passAtK, summarizeSamples } from '../../../backend/eval/pass-at-k.js';

const close = (a: number, b: number, msg?: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} vs ${b}`);

test('n = 5, c = 2: 1 − C(3,k)/C(5,k) by hand', () => {
  // C(5,k) = 5, 10, 10, 5, 1; C(3,k) = 3, 3, 1, 0, 0.
  close(passAtK(5, 2, 1), 1 - 3 / 5, 'k=1'); // 0.4
  close(passAtK(5, 2, 2), 1 - 3 / 10, 'k=2'); // 0.7
  close(passAtK(5, 2, 3), 1 - 1 / 10, 'k=3'); // 0.9
  assert.equal(passAtK(5, 2, 4), 1); // k > n − c
  assert.equal(passAtK(5, 2, 5), 1);
});

test('edge cases: c = 0 gives 0, c = n gives 1, k > n − c gives 1, pass@1 = c/n', () => {
  for (let k = 1; k <= 5; k++) {
    assert.equal(passAtK(5, 0, k), 0);
    assert.equal(passAtK(5, 5, k), 1);
  }
  assert.equal(passAtK(10, 7, 4), 1);
  assert.ok(passAtK(10, 7, 3) < 1);
  close(passAtK(10, 7, 3), 1 - 1 / 120); // C(3,3)/C(10,3)
  for (let c = 0; c <= 9; c++) close(passAtK(9, c, 1), c / 9);
  // Large n stays finite and in [0, 1] (no binomial coefficients formed).
  const big = passAtK(1000, 3, 500);
  assert.ok(big > 0.87 && big < 0.88, String(big)); // 1 − (500·499·498)/(1000·999·998) ≈ 0.8755
});

test('bad arguments are named', () => {
  assert.throws(() => passAtK(0, 0, 1), /n must be a positive integer/);
  assert.throws(() => passAtK(5, 6, 1), /c must be an integer in 0..5/);
  assert.throws(() => passAtK(5, 2, 6), /k must be an integer in 1..5/);
  assert.throws(() => passAtK(5, 2, 0), /k must be an integer in 1..5/);
});

test('summarizeSamples: mean accuracy, pass@k averaged over questions', () => {
  const s = summarizeSamples([
    { n: 5, correct: 2 },
    { n: 5, correct: 0 },
    { n: 5, correct: 5 },
  ]);
  assert.equal(s.questions, 3);
  assert.equal(s.correctSamples, 7);
  close(s.meanAccuracy, 7 / 15);
  close(s.passAtK[1]!, (0.4 + 0 + 1) / 3);
  close(s.passAtK[2]!, (0.7 + 0 + 1) / 3);
  close(s.passAtK[5]!, 2 / 3);
  close(s.passAtK[1]!, s.meanAccuracy);
  assert.throws(
    () =>
      summarizeSamples([
        { n: 5, correct: 1 },
        { n: 4, correct: 1 },
      ]),
    /question 1 drew 4 samples/,
  );
  assert.equal(summarizeSamples([]).questions, 0);
});

test('evaluateSampled on a tiny model: n samples per question, pass@k from the per-question counts, no leak', async () => {
  const { tf } = await import('../../../backend/model/core/tf.js');
  await tf.setBackend('cpu');
  const { evaluateSampled } = await import('../../../backend/eval/sampled.js');
  const { tinyEvalModel, hashJudge, questions } = await import('./tiny-eval.js');
  const m = tinyEvalModel(7);
  const before = tf.memory().numTensors;
  const opts = {
    samples: 4,
    temperature: 1,
    maxTokensPerAttempt: 5,
    maxTotalTokens: 5,
    minTokensPerAttempt: 2,
    batchSize: 6,
    judge: hashJudge,
    seed: 3,
  };
  const r = await evaluateSampled(m, [{ name: 'a', questions: questions(5) }], opts);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.decoding, 'sampled(t=1,p=1)');
  const d = r.datasets[0]!;
  assert.equal(d.questions, 5);
  assert.equal(d.episodes.length, 20);
  assert.ok(d.episodes.every((e) => e.attempts.length === 1));
  const perQ = [0, 1, 2, 3, 4].map(
    (q) => d.episodes.slice(q * 4, q * 4 + 4).filter((e) => e.solvedAt !== null).length,
  );
  assert.equal(
    d.correctSamples,
    perQ.reduce((a, b) => a + b, 0),
  );
  close(d.passAtK[2]!, perQ.reduce((s, c) => s + passAtK(4, c, 2), 0) / 5);
  // Seeded: the same seed gives the same samples.
  const again = await evaluateSampled(m, [{ name: 'a', questions: questions(5) }], opts);
  assert.deepEqual(
    again.datasets[0]!.episodes.map((e) => e.attempts[0]!.response),
    d.episodes.map((e) => e.attempts[0]!.response),
  );
  await assert.rejects(evaluateSampled(m, [], { ...opts, temperature: 0 }), /temperature > 0/);
});
