// Hand-computed advantages: GAE across a feedback span, GRPO/RLOO groups, REINFORCE++ returns, whitening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatchMasks, type TokenKind } from '../../../backend/rl/masks.js';
import {
  advantageEstimator,
  computeAdvantages,
  estimatorForAlgorithm,
  gae,
  grpo,
  maskedWhiten,
  reinforcePlusPlus,
  rloo,
} from '../../../backend/rl/advantages.js';

const P: TokenKind = 'prompt';
const G: TokenKind = 'generated';
const F: TokenKind = 'feedback';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tol,
      `index ${i}: got ${actual[i]}, expected ${expected[i]}`,
    );
}

test('GAE: two attempts with a 3-token feedback span; the feedback is transparent', () => {
  const masks = buildBatchMasks([P, G, G, F, F, F, G, G], 1, 8);
  const values = new Float32Array([9, 0.5, 0.25, 9, 9, 9, -0.5, 0.75]); // 9 = junk on masked tokens, must be ignored
  const { advantages, returns } = gae({ masks, rewards: [1], values }, { gamma: 0.9, lambda: 0.8 });
  // t=7 (last): A = 1 − 0.75 = 0.25
  // t=6: δ = 0.9·0.75 + 0.5 = 1.175;             A = 1.175 + 0.9·0.8·0.25 = 1.355
  // t=2 (end of attempt 0, next = 6, γ=λ=1): δ = −0.5 − 0.25 = −0.75; A = −0.75 + 1.355 = 0.605
  // t=1: δ = 0.9·0.25 − 0.5 = −0.275;              A = −0.275 + 0.72·0.605 = 0.1606
  close(advantages, [0, 0.1606, 0.605, 0, 0, 0, 1.355, 0.25]);
  close(returns, [0, 0.6606, 0.855, 0, 0, 0, 0.855, 1]);
  // The value target at the end of attempt 0 equals the one at the start of attempt 1: nothing lost in the gap.
  assert.ok(Math.abs(returns[2]! - returns[6]!) < 1e-6);
});

test('GAE with γ = λ = 1 gives every generated token the return R − V', () => {
  const masks = buildBatchMasks([P, G, F, G, G], 1, 5);
  const values = new Float32Array([0, 0.1, 0, 0.2, 0.3]);
  const { advantages } = gae({ masks, rewards: [-0.5], values }, { gamma: 1, lambda: 1 });
  close(advantages, [0, -0.6, 0, -0.7, -0.8]);
});

test('GRPO: group-normalised, unbiased std; a group with equal rewards gets zero advantage', () => {
  const masks = buildBatchMasks([P, G, G, P, G, G, P, G, G, P, G, G, P, G, G, P, G, G], 6, 3);
  const { advantages } = grpo(
    { masks, rewards: [1, -0.5, -0.5, 1, -0.5, -0.5], groups: [7, 7, 7, 7, 3, 3] },
    {},
  );
  const a = 0.75 / Math.sqrt(0.75); // mean 0.25, unbiased var 2.25/3
  close(advantages, [0, a, a, 0, -a, -a, 0, -a, -a, 0, a, a, 0, 0, 0, 0, 0, 0], 1e-5);
});

test('RLOO: leave-one-out baseline; equal rewards give zero advantage', () => {
  const masks = buildBatchMasks([P, G, P, G, P, G, P, G, P, G], 5, 2);
  const { advantages } = rloo({ masks, rewards: [1, -0.5, -1, 1, 1], groups: [0, 0, 0, 1, 1] }, {});
  close(advantages, [0, 1.75, 0, -0.5, 0, -1.25, 0, 0, 0, 0]);
});

test('GRPO/RLOO need groups of at least 2 samples', () => {
  const masks = buildBatchMasks([P, G, P, G], 2, 2);
  assert.throws(
    () => rloo({ masks, rewards: [1, 0], groups: [0, 1] }, {}),
    /at least 2 samples per prompt; group 0 has 1/,
  );
  assert.throws(() => grpo({ masks, rewards: [1, 0] }, {}), /'grpo' needs groups/);
});

test('REINFORCE++: KL-penalised discounted token returns, transparent feedback', () => {
  const masks = buildBatchMasks([P, G, G, F, G], 1, 5);
  const kl = new Float32Array([5, 0.2, 0.4, 5, 1.0]);
  const { advantages } = reinforcePlusPlus({ masks, rewards: [1], kl }, { gamma: 0.5, klCoef: 0.1 });
  // G4 = 1 − 0.1 = 0.9; G2 = −0.04 + 0.9 (across feedback) = 0.86; G1 = −0.02 + 0.5·0.86 = 0.41
  close(advantages, [0, 0.41, 0.86, 0, 0.9]);
});

test('whitening ignores masked tokens', () => {
  const mask = new Float32Array([1, 0, 1, 0]);
  const a = maskedWhiten(new Float32Array([1, 100, 3, -50]), mask);
  const b = maskedWhiten(new Float32Array([1, -7, 3, 1e6]), mask);
  const s = 1 / Math.sqrt(2 + 1e-8); // mean 2, unbiased variance 2
  close(a, [-s, 0, s, 0]);
  assert.deepEqual(Array.from(a), Array.from(b));
});

test('computeAdvantages whitens gae by default and not grpo; unknown names list the supported ones', () => {
  const masks = buildBatchMasks([P, G, G, P, G, G], 2, 3);
  const values = new Float32Array(6);
  const r = computeAdvantages('gae', { masks, rewards: [1, -1], values }, { gamma: 1, lambda: 1 });
  const on = [1, 2, 4, 5].map((i) => r.advantages[i]!);
  assert.ok(Math.abs(on.reduce((s, x) => s + x, 0)) < 1e-6);
  close(r.returns, [0, 1, 1, 0, -1, -1]);
  const g = computeAdvantages('grpo', { masks, rewards: [1, -1], groups: [0, 0] });
  close(
    g.advantages,
    [0, 2 / Math.sqrt(2), 2 / Math.sqrt(2), 0, -2 / Math.sqrt(2), -2 / Math.sqrt(2)].map((x) => x / 2),
    1e-5,
  );
  assert.throws(
    () => advantageEstimator('vtrace'),
    /unknown estimator 'vtrace' \(supported: gae, grpo, rloo, reinforce\+\+\)/,
  );
  assert.throws(() => advantageEstimator('toString'), /unknown estimator/);
  for (const alg of ['ppo', 'grpo', 'rloo', 'reinforce++'] as const)
    assert.ok(advantageEstimator(estimatorForAlgorithm(alg)));
});
