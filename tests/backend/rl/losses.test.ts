// Hand-computed losses on tiny tensors: PPO clipping on both sides, value clipping, k1/k2/k3, entropy, and
// the gradient of the total actor loss at feedback-token positions being exactly zero. No tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import {
  actorLoss,
  clippedValueLoss,
  computeApproxKl,
  entropyFromLogits,
  maskedMean,
  ppoPolicyLoss,
  readMetrics,
  tokenLogProbs,
  type Metrics,
} from '../../../backend/rl/losses.js';

function near(actual: number, expected: number, tol = 1e-5, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

/** Runs fn and asserts it leaves no tensor behind. */
async function noLeak(fn: () => void | Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
}

test('maskedMean is a token-level mean that ignores masked entries, even non-finite ones', () =>
  noLeak(async () => {
    const x = tf.tensor2d([
      [1, 2, NaN],
      [3, Infinity, 5],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 0, 1],
    ]);
    const m = maskedMean(x, mask);
    assert.equal(m.dataSync()[0], (1 + 2 + 3 + 5) / 4);
    const none = tf.zerosLike(mask);
    const empty = maskedMean(x, none);
    assert.equal(empty.dataSync()[0], 0);
    tf.dispose([x, mask, m, none, empty]);
  }));

test('PPO clipping on both sides, for positive and negative advantages', () =>
  noLeak(async () => {
    // tokens: (A=+1, ρ=1.5) clipped → −1.2; (A=+1, ρ=0.5) unclipped → −0.5;
    //         (A=−1, ρ=0.5) clipped → 0.8;  (A=−1, ρ=1.5) unclipped → 1.5; a masked junk token.
    const oldLogp = tf.tensor2d([[-1, -1, -1, -1, -1]]);
    const ratios = [1.5, 0.5, 0.5, 1.5, 1000];
    const adv = tf.tensor2d([[1, 1, -1, -1, 1e6]]);
    const mask = tf.tensor2d([[1, 1, 1, 1, 0]]);
    const logpVar = tf.tidy(() => tf.variable(tf.tensor2d([ratios.map((r) => -1 + Math.log(r))])));
    const { loss, metrics } = ppoPolicyLoss({ logp: logpVar, oldLogp, advantages: adv, mask, clipEps: 0.2 });
    near(loss.dataSync()[0]!, (-1.2 - 0.5 + 0.8 + 1.5) / 4, 1e-5, 'loss');
    const m = await readMetrics(metrics);
    near(m.clipFraction!, 0.5, 1e-6, 'clipFraction');
    near(m.approxKl!, 0.5 * Math.log(4 / 3), 1e-5, 'approxKl');
    near(m.policyLoss!, 0.15, 1e-5, 'policyLoss metric');
    // Gradient w.r.t. log π: zero where the clipped term is active, −A·ρ/4 where it is not, zero off the mask.
    const g = tf.grad(
      (lp: tf.Tensor) => ppoPolicyLoss({ logp: lp, oldLogp, advantages: adv, mask, clipEps: 0.2 }).loss,
    )(logpVar);
    const gv = Array.from(g.dataSync());
    [0, -0.5 / 4, 0, 1.5 / 4, 0].forEach((e, i) => near(gv[i]!, e, 1e-5, `grad ${i}`));
    tf.dispose([oldLogp, adv, mask, loss, g]);
    logpVar.dispose();
  }));

test('value loss with clipping 0.2', () =>
  noLeak(async () => {
    const values = tf.tensor2d([[1.0, 0.5, 0.2, 7]]);
    const oldValues = tf.tensor2d([[0.5, 0.5, 0.5, 0]]);
    const returns = tf.tensor2d([[0.6, 1.0, 0.0, -7]]);
    const mask = tf.tensor2d([[1, 1, 1, 0]]);
    const { loss, metrics } = clippedValueLoss({ values, oldValues, returns, mask, clip: 0.2 });
    // token 0: max(0.16, 0.01) = 0.16; token 1: 0.25; token 2: max(0.04, 0.09) = 0.09 (clipped is larger)
    near(loss.dataSync()[0]!, (0.5 * (0.16 + 0.25 + 0.09)) / 3, 1e-6, 'value loss');
    const m = await readMetrics(metrics);
    near(m.valueError!, (0.16 + 0.25 + 0.04) / 3, 1e-6, 'valueError');
    near(m.valueClipFraction!, 1 / 3, 1e-6, 'valueClipFraction');
    tf.dispose([values, oldValues, returns, mask, loss]);
  }));

test('k1, k2, k3 KL estimators', () =>
  noLeak(async () => {
    const logp = tf.tensor2d([[Math.log(0.5), Math.log(0.2)]]);
    const ref = tf.tensor2d([[Math.log(0.25), Math.log(0.2)]]);
    const [k1, k2, k3] = (['k1', 'k2', 'k3'] as const).map((k) => computeApproxKl(logp, ref, k));
    // log r = log(0.25/0.5) = −ln 2: k1 = ln 2, k2 = ½ ln²2, k3 = 0.5 − 1 + ln 2; identical distributions give 0.
    const v1 = k1!.dataSync(),
      v2 = k2!.dataSync(),
      v3 = k3!.dataSync();
    near(v1[0]!, Math.LN2, 1e-6, 'k1');
    near(v2[0]!, 0.5 * Math.LN2 ** 2, 1e-6, 'k2');
    near(v3[0]!, 0.5 - 1 + Math.LN2, 1e-6, 'k3');
    for (const v of [v1[1], v2[1], v3[1]]) assert.ok(v === 0, `identical distributions: ${v}`);
    assert.throws(
      () => computeApproxKl(logp, ref, 'k4' as 'k1'),
      /unknown KL estimator 'k4' \(supported: k1, k2, k3\)/,
    );
    tf.dispose([logp, ref, k1!, k2!, k3!]);
  }));

test('entropy from logits and log-probs of targets', () =>
  noLeak(async () => {
    const logits = tf.tensor3d([
      [
        [0, 0, 0, 0],
        [Math.log(3), 0, -50, -50],
      ],
    ]); // uniform over 4; ≈ (¾, ¼)
    const hT = entropyFromLogits(logits);
    const h = hT.dataSync();
    near(h[0]!, Math.log(4), 1e-5, 'uniform entropy');
    near(h[1]!, -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 1e-4, 'two-point entropy');
    const targets = tf.tensor2d([[2, 1]], [1, 2], 'int32');
    const lpT = tokenLogProbs(logits, targets);
    const lp = lpT.dataSync();
    near(lp[0]!, Math.log(0.25), 1e-5, 'log p uniform');
    near(lp[1]!, Math.log(0.25), 1e-4, 'log p of the ¼ token');
    const bad = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    assert.throws(() => tokenLogProbs(logits, bad), /targets must be \[1, 2\]/);
    tf.dispose([logits, targets, hT, lpT, bad]);
  }));

test('gradient of the total actor loss w.r.t. the logits is exactly zero at feedback-token positions', () =>
  noLeak(async () => {
    const [B, T, V] = [2, 6, 5];
    // row 0: prompt, gen, gen, feedback, feedback, gen; row 1: prompt, gen, feedback, gen, gen, pad
    const maskRows = [
      [0, 1, 1, 0, 0, 1],
      [0, 1, 0, 1, 1, 0],
    ];
    const mask = tf.tensor2d(maskRows);
    const logits = tf.tidy(() => tf.variable(tf.randomNormal([B, T, V], 0, 2, 'float32', 7))); // [B, T, V]
    const targets = tf.tensor2d(
      [
        [1, 2, 3, 4, 0, 1],
        [3, 3, 2, 1, 0, 4],
      ],
      [B, T],
      'int32',
    );
    // Off-mask rollout data is junk on purpose: it must not leak into the gradient.
    const oldLogp = tf.tensor2d([
      [-9e3, -1.2, -1.9, 5e3, -7e3, -1.4],
      [1e4, -2.0, -3e3, -1.1, -1.7, 8e3],
    ]);
    const refLogp = tf.tensor2d([
      [4e3, -1.5, -1.0, -6e3, 9e3, -2.2],
      [-5e3, -1.3, 7e3, -1.6, -1.2, -4e3],
    ]);
    const advantages = tf.tensor2d([
      [1e5, 0.7, -1.3, -1e5, 3e4, 0.4],
      [-2e4, -0.6, 1e5, 1.1, 0.2, -9e4],
    ]);
    const grads = tf.grad((z: tf.Tensor) => {
      const logp = tokenLogProbs(z, targets); // [B, T]
      const { loss, metrics } = actorLoss({
        logp,
        oldLogp,
        refLogp,
        advantages,
        mask,
        clipEps: 0.2,
        klCoef: 0.01,
        klKind: 'k3',
        logits: z,
        entropyCoef: 0.01,
      });
      tf.dispose(Object.values(metrics));
      return loss;
    })(logits); // [B, T, V]
    const g = grads.arraySync() as number[][][];
    let nonzeroOnMask = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (const v of g[b]![t]!) {
          assert.ok(Number.isFinite(v), `non-finite gradient at [${b}, ${t}]`);
          if (maskRows[b]![t] === 0)
            assert.ok(v === 0, `gradient at masked position [${b}, ${t}] is ${v}, expected exactly 0`);
          else if (v !== 0) nonzeroOnMask++;
        }
      }
    }
    assert.ok(nonzeroOnMask > 0, 'the generated tokens must receive a gradient');
    tf.dispose([mask, targets, oldLogp, refLogp, advantages, grads]);
    logits.dispose();
  }));

test('actor loss = policy loss + klCoef·KL − entropyCoef·H, with all metrics', () =>
  noLeak(async () => {
    const logits = tf.tensor3d([
      [
        [0, 1, 2],
        [2, 0, 1],
      ],
    ]); // [1, 2, 3]
    const targets = tf.tensor2d([[2, 0]], [1, 2], 'int32');
    const mask = tf.tensor2d([[1, 1]]);
    const logp = tokenLogProbs(logits, targets);
    const refLogp = tf.sub(logp, 0.3);
    const advantages = tf.tensor2d([[0.5, -0.5]]);
    const { loss, metrics } = actorLoss({
      logp,
      oldLogp: logp,
      refLogp,
      advantages,
      mask,
      clipEps: 0.2,
      klCoef: 0.1,
      klKind: 'k3',
      logits,
      entropyCoef: 0.05,
    });
    const m = await readMetrics(metrics);
    assert.deepEqual(Object.keys(m).sort(), ['approxKl', 'clipFraction', 'entropy', 'kl', 'policyLoss']);
    const k3 = Math.exp(-0.3) - 1 + 0.3;
    near(m.kl!, k3, 1e-6, 'kl');
    near(m.policyLoss!, 0, 1e-6, 'policy loss at ρ = 1 with opposite advantages');
    near(loss.dataSync()[0]!, 0 + 0.1 * k3 - 0.05 * m.entropy!, 1e-6, 'total');
    assert.throws(
      () => actorLoss({ logp, oldLogp: logp, advantages, mask, clipEps: 0.2, klCoef: 0.1, klKind: 'k3' }),
      /needs refLogp/,
    );
    tf.dispose([logits, targets, mask, logp, refLogp, advantages, loss]);
  }));

test('20 Adam steps on the actor loss: tensor count stays flat, masked rows never move, advantages steer', async () => {
  const start = tf.memory().numTensors;
  const [B, T, V] = [2, 4, 5];
  const logits = tf.tidy(() => tf.variable(tf.zeros([B, T, V]))); // [B, T, V], a tabular "policy"
  const targets = tf.tensor2d(
    [
      [1, 2, 3, 4],
      [0, 1, 2, 3],
    ],
    [B, T],
    'int32',
  );
  const maskRows = [
    [0, 1, 0, 1], // row 0: prompt, generated, feedback, generated
    [0, 1, 1, 1],
  ];
  const mask = tf.tensor2d(maskRows);
  const advantages = tf.tensor2d([
    [0, 1, 5, 1],
    [0, -1, -1, -1],
  ]);
  const oldLogp = tf.fill([B, T], Math.log(1 / V));
  const refLogp = tf.fill([B, T], Math.log(1 / V));
  const optimizer = tf.train.adam(0.05, 0.9, 0.95);
  const counts: number[] = [];
  let last: Record<string, number> = {};
  for (let step = 0; step < 20; step++) {
    let kept: Metrics = {};
    const cost = optimizer.minimize(() => {
      const logp = tokenLogProbs(logits, targets); // [B, T]
      const { loss, metrics } = actorLoss({
        logp,
        oldLogp,
        refLogp,
        advantages,
        mask,
        clipEps: 0.2,
        klCoef: 0.01,
        klKind: 'k3',
        logits,
        entropyCoef: 0.001,
      });
      for (const m of Object.values(metrics)) tf.keep(m);
      kept = metrics;
      return loss;
    }, true)!;
    cost.dispose();
    last = await readMetrics(kept);
    counts.push(tf.memory().numTensors);
  }
  const after = counts.slice(1); // Adam creates its slot variables on the first step
  assert.ok(
    after.every((c) => c === after[0]),
    `tensor count drifted: ${counts.join(', ')}`,
  );
  assert.ok(last.clipFraction! > 0, 'the ratio moved past 1 ± ε, so clipping engaged');
  const z = logits.arraySync() as number[][][];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (maskRows[b]![t] === 0)
        assert.ok(
          z[b]![t]!.every((v) => v === 0),
          `masked position [${b}, ${t}] moved: ${z[b]![t]}`,
        );
    }
  }
  const p = tf.tidy(() => tf.exp(tokenLogProbs(logits, targets)).arraySync()) as number[][];
  assert.ok(p[0]![1]! > 1 / V && p[0]![3]! > 1 / V, `positive-advantage tokens: ${p[0]}`);
  assert.ok(p[1]![1]! < 1 / V, `negative-advantage token: ${p[1]}`);
  optimizer.dispose();
  tf.dispose([targets, mask, advantages, oldLogp, refLogp]);
  logits.dispose();
  assert.equal(tf.memory().numTensors, start, 'tensor leak');
});
