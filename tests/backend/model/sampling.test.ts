// Sampling on a hand-made distribution: top-p never samples the tail, temperature → 0 approaches argmax,
// and the reported log-prob is that of the temperature-scaled distribution before top-p truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleToken, logProbAt, validateSampling } from '../../../backend/model/core/sampling.js';
import { Rng } from '../../../backend/model/core/rng.js';

const probs = [0.1, 0.4, 0.2, 0.3];
const logits = probs.map(Math.log);

function histogram(n: number, temperature: number, topP: number, seed = 1): number[] {
  const rng = new Rng(seed);
  const h = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) h[sampleToken(logits, { temperature, topP }, rng).token]++;
  return h;
}

test('top-p 0.5 keeps only the two most likely tokens, in proportion', () => {
  const h = histogram(4000, 1, 0.5);
  assert.equal(h[0], 0);
  assert.equal(h[2], 0);
  const share = h[1] / (h[1] + h[3]);
  assert.ok(Math.abs(share - 0.4 / 0.7) < 0.03, `share ${share}`);
  // top-p 0.3 keeps only the argmax.
  assert.deepEqual(histogram(500, 1, 0.3), [0, 500, 0, 0]);
});

test('top-p 1 samples every token with its probability', () => {
  const h = histogram(8000, 1, 1);
  probs.forEach((p, j) => assert.ok(Math.abs(h[j] / 8000 - p) < 0.02, `token ${j}: ${h[j] / 8000} vs ${p}`));
});

test('temperature → 0 approaches argmax; temperature 0 is argmax', () => {
  assert.ok(histogram(2000, 0.05, 1)[1] > 1990);
  assert.deepEqual(histogram(50, 0, 1), [0, 50, 0, 0]);
  assert.ok(histogram(4000, 3, 1)[0] > 4000 * 0.15); // a high temperature flattens: 0.1 → ~0.19
});

test('log-probs are under the temperature-scaled distribution before truncation', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 50; i++) {
    const s = sampleToken(logits, { temperature: 1, topP: 0.5 }, rng);
    assert.ok(Math.abs(s.logprob - Math.log(probs[s.token])) < 1e-9);
    const t = sampleToken(logits, { temperature: 2, topP: 1 }, rng);
    assert.ok(Math.abs(t.logprob - logProbAt(logits, t.token, 2)) < 1e-9);
  }
  const g = sampleToken(logits, { temperature: 0, topP: 1 }, rng);
  assert.ok(Math.abs(g.logprob - Math.log(0.4)) < 1e-9);
  const z = [0.5, 0.5].map((x) => x / 2);
  assert.ok(Math.abs(logProbAt([1, 1], 0, 2) - Math.log(z[0] * 2)) < 1e-9);
});

test('the seeded RNG is reproducible and bad options are rejected', () => {
  assert.deepEqual(histogram(100, 1, 1, 9), histogram(100, 1, 1, 9));
  const a = new Rng(1);
  const b = new Rng(2);
  assert.notEqual(a.next(), b.next());
  assert.throws(() => validateSampling({ temperature: -1, topP: 1 }), /temperature/);
  assert.throws(() => validateSampling({ temperature: 1, topP: 0 }), /topP/);
});
