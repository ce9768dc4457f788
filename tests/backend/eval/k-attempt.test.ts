// k-attempt evaluation on a tiny random model: the one-episode sweep equals K truncated runs question by
// question, 'separate' (prompt N = k) agrees at k = K, context fitting skips/shortens without crashing,
// and no tensor leaks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import {
  evaluateKAttempt,
  sweepFromSolvedAt,
  meanAccuracy,
} from '../../../backend/eval/k-attempt.js';
import { runQuestions } from '../../../backend/eval/run-questions.js';
import { chatmlTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { tinyEvalModel, hashJudge, questions } from './tiny-eval.js';

before(async () => {
  await tf.setBackend('cpu');
});

const gen = {
  maxTokensPerAttempt: 5,
  maxTotalTokens: 40,
  minTokensPerAttempt: 2,
  batchSize: 3,
  judge: hashJudge,
};

test('sweepFromSolvedAt and meanAccuracy (pure)', () => {
  assert.deepEqual(sweepFromSolvedAt([0, null, 2, 1, 0], 4), [2, 3, 4, 4]);
  assert.deepEqual(sweepFromSolvedAt([], 2), [0, 0]);
  assert.throws(() => sweepFromSolvedAt([4], 4), /outside 0..3/);
  assert.deepEqual(
    meanAccuracy(
      [
        { n: 4, accuracyByK: [0.25, 0.5] },
        { n: 0, accuracyByK: [0, 0] },
        { n: 2, accuracyByK: [0.5, 1] },
      ],
      2,
    ),
    [0.375, 0.75],
  );
});

test('the one-episode sweep equals K runs with the same prompt stopped after k attempts', async () => {
  const m = tinyEvalModel(3);
  const data = [
    { name: 'a', questions: questions(7) },
    { name: 'b', questions: questions(4, 'b') },
  ];
  const before = tf.memory().numTensors;
  const one = await evaluateKAttempt(m, data, { ...gen, maxAttempts: 4 });
  const trunc = await evaluateKAttempt(m, data, { ...gen, maxAttempts: 4, protocol: 'truncated' });
  assert.equal(tf.memory().numTensors, before, 'no tensor leak across the evaluations');
  const solvedAt = one.datasets.flatMap((d) => d.episodes.map((e) => e.solvedAt));
  // Not vacuous: some questions solved first try, some later, some never.
  assert.ok(solvedAt.includes(0), `solvedAt ${solvedAt.join(',')}`);
  assert.ok(
    solvedAt.some((s) => s !== null && s > 0),
    `solvedAt ${solvedAt.join(',')}`,
  );
  assert.ok(solvedAt.includes(null), `solvedAt ${solvedAt.join(',')}`);
  for (let d = 0; d < data.length; d++) {
    assert.deepEqual(trunc.datasets[d]!.correctByK, one.datasets[d]!.correctByK);
    assert.deepEqual(trunc.datasets[d]!.accuracyByK, one.datasets[d]!.accuracyByK);
    // Question by question: run k's attempts are the first attempts of the K-attempt episode.
    const full = one.datasets[d]!.episodes;
    for (let k = 1; k <= 4; k++) {
      const runK = trunc.datasets[d]!.episodes.filter((e) => e.task.attemptsAllowed === k);
      assert.equal(runK.length, full.length);
      runK.forEach((e, i) => {
        const f = full[i]!;
        assert.deepEqual(
          e.attempts.map((a) => a.response),
          f.attempts.slice(0, k).map((a) => a.response),
        );
        assert.equal(e.solvedAt, f.solvedAt !== null && f.solvedAt < k ? f.solvedAt : null);
      });
    }
  }
  assert.deepEqual(one.meanAccuracyByK, trunc.meanAccuracyByK);
  // Monotone in k, as "solved within k" must be.
  for (const d of one.datasets)
    for (let k = 1; k < 4; k++) assert.ok(d.correctByK[k]! >= d.correctByK[k - 1]!);
});

test("'separate' (prompt N = k) uses its own prompt per k and agrees with one-episode at k = K", async () => {
  const m = tinyEvalModel(5);
  const data = [{ name: 'a', questions: questions(6) }];
  const one = await evaluateKAttempt(m, data, { ...gen, maxAttempts: 3 });
  const sep = await evaluateKAttempt(m, data, { ...gen, maxAttempts: 3, protocol: 'separate' });
  assert.equal(sep.datasets[0]!.correctByK[2], one.datasets[0]!.correctByK[2]);
  const prompts = new Set(
    sep.datasets[0]!.episodes.map(
      (e) => m.tokenizer.decode(e.tokens.slice(0, e.kinds.indexOf('generated'))).match(/S(\d)/)![1],
    ),
  );
  assert.deepEqual([...prompts].sort(), ['1', '2', '3']);
});

test('context fitting: too-long prompts are skipped and counted, long ones get a smaller budget', async () => {
  const m = tinyEvalModel(2, 96);
  const qs = [
    { id: 'short', question: '1+1=', gold: '2' },
    { id: 'long', question: 'x'.repeat(75), gold: '2' }, // prompt 84 tokens + 2 feedback turns of 6: no room left in 96
    { id: 'mid', question: 'y'.repeat(40), gold: '2' }, // prompt 49 + 12: a budget of 35 < 40
  ];
  const r = await runQuestions(m, qs, { promptAttempts: 3, attempts: 3 }, { ...gen, temperature: 0 });
  assert.deepEqual(r.skipped, ['long']);
  assert.deepEqual(
    r.episodes.map((e) => e.task.questionId),
    ['short', 'mid'],
  );
  assert.equal(r.reducedBudget, 1);
  for (const e of r.episodes) assert.ok(e.tokens.length <= 96);
  const ev = await evaluateKAttempt(m, [{ name: 'x', questions: qs }], { ...gen, maxAttempts: 3 });
  assert.equal(ev.datasets[0]!.n, 2);
  assert.deepEqual(ev.datasets[0]!.skipped, ['long']);
});

test('single-turn prompt only at k = 1; a single-turn evaluation at k = 1; ChatML prompts fit or are skipped', async () => {
  const m = tinyEvalModel(4);
  await assert.rejects(
    evaluateKAttempt(m, [{ name: 'a', questions: questions(2) }], {
      ...gen,
      maxAttempts: 2,
      prompt: 'single-turn',
    }),
    /single-turn prompt is evaluated at k = 1 only/,
  );
  const [held] = (await evaluateKAttempt(m, [{ name: 'held', questions: questions(5) }], { ...gen, maxAttempts: 1, prompt: 'single-turn' })).datasets;
  assert.equal(held!.correctByK.length, 1);
  assert.equal(held!.n, 5);
  assert.ok(held!.episodes.every((e) => e.attempts.length === 1));
  // The ChatML system prompt alone is ~200 characters: with a 128-position char model every question is skipped.
  const chat = await evaluateKAttempt(
    { ...m, template: chatmlTemplate },
    [{ name: 'a', questions: questions(2) }],
    { ...gen, maxAttempts: 2 },
  );
  assert.equal(chat.datasets[0]!.n, 0);
  assert.equal(chat.datasets[0]!.skipped.length, 2);
  assert.deepEqual(chat.meanAccuracyByK, [0, 0]);
});
