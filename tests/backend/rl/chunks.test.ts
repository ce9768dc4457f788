// Chunked rollouts and gradient accumulation: micro-batch updates equal the full mini-batch update (actor and
// critic, plain SGD so the gradient's size shows), a trainer step with microBatch equals one without (PPO and
// GRPO), chunked generation gives the same episodes (greedy and seeded), the new fields are validated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { createDecodeSession } from '../../../backend/model/core/generate.js';
import { parseRunConfig, ConfigError } from '../../../backend/rl/config.js';
import { dialogueFromTemplate } from '../../../backend/rl/episode.js';
import { rollout } from '../../../backend/rl/rollout.js';
import { actorUpdate, criticUpdate, accumulatedUpdate, type ActorBatch } from '../../../backend/rl/ppo-update.js';
import { actorLoss } from '../../../backend/rl/losses.js';
import { actionLogProbs } from '../../../backend/rl/ppo-update.js';
import { trainStep, createCritic, cloneModel, type TrainerEnv } from '../../../backend/rl/trainer.js';
import { additionQuestions, tinyAttemptComplete, tinyJudge, tinyModelConfig } from './tiny-trainer.js';

const modelConfig = tinyModelConfig();

const questions = additionQuestions(6);
const judge = tinyJudge;
const isAttemptComplete = tinyAttemptComplete;

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / Math.max(scale, 1e-12);
}

// Updates are compared on their parameter *changes* (relative to the largest change, tolerance 1e-4: float32
// sums in a different order), which is stricter than comparing the parameters after the step (1e-5 relative).
/** Variable names are unique per model instance: key them by position and the name's last parts. */
const keyOf = (name: string, i: number) => `${i}:${name.split('/').at(-1)!.replace(/_\d+$/, '')}`;

/** Parameter changes of one update, flattened per variable. */
function deltas(model: Transformer, before: Map<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  model.trainableVariables().forEach((v, i) => {
    const now = v.dataSync() as Float32Array;
    out.set(keyOf(v.name, i), now.map((x, j) => x - before.get(keyOf(v.name, i))![j]!));
  });
  return out;
}
const snapshot = (m: Transformer) => new Map(m.trainableVariables().map((v, i) => [keyOf(v.name, i), (v.dataSync() as Float32Array).slice()]));

/** A 4-row mini-batch with rows of different lengths and loss masks (right-padded to 10 tokens). */
function miniBatchData() {
  const n = 4;
  const T = 10;
  const lens = [10, 6, 8, 4];
  const ids = new Int32Array(n * T);
  const mask = new Float32Array(n * (T - 1));
  const oldLogp = new Float32Array(n * (T - 1));
  const adv = new Float32Array(n * (T - 1));
  const ref = new Float32Array(n * (T - 1));
  const ret = new Float32Array(n * (T - 1));
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < T; t++) ids[r * T + t] = t < lens[r]! ? (r * 7 + t * 3) % 20 + 1 : 0;
    for (let j = 0; j < T - 1; j++) {
      const k = r * (T - 1) + j;
      mask[k] = j >= 2 && j < lens[r]! - 1 && j !== 5 ? 1 : 0;
      oldLogp[k] = -2 - 0.1 * ((r + j) % 5);
      adv[k] = Math.sin(r * 3 + j);
      ref[k] = -2.2 + 0.05 * j;
      ret[k] = Math.cos(r + j);
    }
  }
  return { n, T, lens, ids, mask, oldLogp, adv, ref, ret };
}

function batchRows(d: ReturnType<typeof miniBatchData>, rows: number[], cutTo?: number) {
  const T = cutTo ?? d.T;
  const take = <A extends Float32Array | Int32Array>(src: A, W: number, w: number, make: (k: number) => A) => {
    const out = make(rows.length * w);
    rows.forEach((r, i) => out.set(src.subarray(r * W, r * W + w), i * w));
    return out;
  };
  const f = (src: Float32Array) => tf.tensor2d(take(src, d.T - 1, T - 1, (k) => new Float32Array(k)), [rows.length, T - 1]);
  return {
    ids: tf.tensor2d(take(d.ids, d.T, T, (k) => new Int32Array(k)), [rows.length, T], 'int32'),
    mask: f(d.mask),
    oldLogp: f(d.oldLogp),
    advantages: f(d.adv),
    refLogp: f(d.ref),
    oldValues: f(d.ret.map((x) => x * 0.5)),
    returns: f(d.ret),
  };
}

const actorOpts = { clipEps: 0.2, klCoef: 0.1, klKind: 'k3' as const, entropyCoef: 0.01, gradClip: 1e9 };

test('micro-batch gradient accumulation equals the full mini-batch update (actor and critic, clipped or not); no leak', async () => {
  const base = Transformer.create(modelConfig, 5);
  const d = miniBatchData();
  try {
    for (const gradClip of [1e9, 0.05]) {
      const results: Map<string, Float32Array>[] = [];
      const criticResults: Map<string, Float32Array>[] = [];
      const metrics: Record<string, number>[] = [];
      // full batch; micro-batches of 1 cut to their own length; micro-batches of 2 at full width.
      const splits: { rows: number[]; cut?: number }[][] = [
        [{ rows: [0, 1, 2, 3] }],
        [0, 1, 2, 3].map((r) => ({ rows: [r], cut: d.lens[r] })),
        [{ rows: [0, 1] }, { rows: [2, 3] }],
      ];
      for (const split of splits) {
        const actor = await cloneModel(base);
        const critic = await createCritic(base);
        const opt = tf.train.sgd(0.5);
        const copt = tf.train.sgd(0.5);
        const before = tf.memory().numTensors;
        const a0 = snapshot(actor);
        const c0 = snapshot(critic);
        const parts = split.map((s) => batchRows(d, s.rows, s.cut));
        try {
          metrics.push(await actorUpdate(actor, opt, parts, { ...actorOpts, gradClip }));
          await criticUpdate(critic, copt, parts, 0.2, gradClip);
        } finally {
          for (const p of parts) for (const t of Object.values(p)) t.dispose();
        }
        assert.equal(tf.memory().numTensors, before, 'no tensor leak in an accumulated update');
        results.push(deltas(actor, a0));
        criticResults.push(deltas(critic, c0));
        actor.dispose();
        critic.dispose();
        opt.dispose();
        copt.dispose();
      }
      for (let k = 1; k < results.length; k++) {
        for (const [name, full] of results[0]!) {
          assert.ok(full.some((x) => x !== 0) || name.includes('value'), `${name} moved`);
          const rel = maxRelDiff(full, results[k]!.get(name)!);
          assert.ok(rel < 1e-4, `split ${k}, clip ${gradClip}: actor ${name} differs by ${rel} (relative)`);
        }
        for (const [name, full] of criticResults[0]!) {
          const rel = maxRelDiff(full, criticResults[k]!.get(name)!);
          assert.ok(rel < 1e-4, `split ${k}, clip ${gradClip}: critic ${name} differs by ${rel} (relative)`);
        }
        for (const key of ['loss', 'policyLoss', 'kl', 'entropy', 'clipFraction', 'gradNorm']) {
          assert.ok(Math.abs(metrics[0]![key]! - metrics[k]![key]!) <= 1e-5 * Math.max(1, Math.abs(metrics[0]![key]!)), `${key}: ${metrics[0]![key]} vs ${metrics[k]![key]}`);
        }
      }
    }
  } finally {
    base.dispose();
  }
});

test('equal micro-batch weights (not token-weighted) would give a different update: the check above can fail', async () => {
  const base = Transformer.create(modelConfig, 5);
  const d = miniBatchData();
  const run = async (weights: number[] | null) => {
    const actor = await cloneModel(base);
    const opt = tf.train.sgd(0.5);
    const a0 = snapshot(actor);
    const parts: ActorBatch[] = weights ? [0, 1, 2, 3].map((r) => batchRows(d, [r])) : [batchRows(d, [0, 1, 2, 3])];
    try {
      if (weights)
        await accumulatedUpdate(opt, actor.trainableVariables(), 1e9, parts.map((b, k) => ({ weight: weights[k]!, lossFn: () => {
          const { logits, logp } = actionLogProbs(actor, b.ids);
          return actorLoss({ logp, oldLogp: b.oldLogp, advantages: b.advantages, mask: b.mask, clipEps: 0.2, refLogp: b.refLogp, klCoef: 0.1, klKind: 'k3', logits, entropyCoef: 0.01 });
        } })));
      else await actorUpdate(actor, opt, parts, actorOpts);
      return [...deltas(actor, a0).entries()].find(([k]) => k.includes('up_proj'))![1];
    } finally {
      for (const p of parts) for (const t of Object.values(p)) (t as tf.Tensor | undefined)?.dispose();
      actor.dispose();
      opt.dispose();
    }
  };
  try {
    const full = await run(null);
    const uniform = await run([0.25, 0.25, 0.25, 0.25]);
    assert.ok(maxRelDiff(full, uniform) > 1e-3, 'uniform weighting differs from the token-level mean');
  } finally {
    base.dispose();
  }
});

function stepConfig(over: Record<string, unknown>) {
  return parseRunConfig(
    {
      steps: 2,
      rolloutBatch: 6,
      miniBatch: 6,
      epochs: 1,
      seed: 4,
      task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 3 },
      generation: { maxTokensPerAttempt: 6, maxTotalTokens: 14, temperature: 1, topP: 1 },
      optimizer: { actorLr: 0.05, criticLr: 0.05 },
      eval: { everySteps: 0 },
      checkpoint: { everySteps: 0 },
      ...over,
    },
    'test config',
  );
}

async function stepEnv(base: Transformer, withCritic: boolean): Promise<TrainerEnv> {
  return {
    state: {
      actor: await cloneModel(base),
      actorOptimizer: tf.train.sgd(0.05) as unknown as tf.AdamOptimizer,
      critic: withCritic ? await createCritic(base) : undefined,
      criticOptimizer: withCritic ? (tf.train.sgd(0.05) as unknown as tf.AdamOptimizer) : undefined,
    },
    reference: base,
    tokenizer: charTokenizer,
    template: compactTemplate,
    trainQuestions: questions,
    judge,
    isAttemptComplete,
  };
}

function disposeState(env: TrainerEnv) {
  env.state.actor.dispose();
  env.state.critic?.dispose();
  env.state.actorOptimizer.dispose();
  env.state.criticOptimizer?.dispose();
}

test('a trainer step with microBatch equals the step without (PPO, GRPO); chunked generation gives the same episodes', async () => {
  const base = Transformer.create(modelConfig, 9);
  try {
    for (const algorithm of [{ name: 'ppo' }, { name: 'grpo', samplesPerPrompt: 3, entropyCoef: 0.05 }]) {
      const usesCritic = algorithm.name === 'ppo';
      const out: { actor: Map<string, Float32Array>; critic?: Map<string, Float32Array>; tokens: number[][]; logprobs: number[][]; reward: number }[] = [];
      for (const over of [{ generation: { ...stepConfig({}).generation, batchSize: 6 } }, { microBatch: 2, generation: { ...stepConfig({}).generation, batchSize: 4 } }, { microBatch: 3, generation: { ...stepConfig({}).generation, batchSize: 1 } }]) {
        const env = await stepEnv(base, usesCritic);
        try {
          const a0 = snapshot(env.state.actor);
          const c0 = env.state.critic ? snapshot(env.state.critic) : undefined;
          const before = tf.memory().numTensors;
          const rep = await trainStep(stepConfig({ algorithm, ...over }), env, 0);
          assert.equal(tf.memory().numTensors, before, 'no tensor leak in a chunked step');
          out.push({
            actor: deltas(env.state.actor, a0),
            critic: c0 ? deltas(env.state.critic!, c0) : undefined,
            tokens: rep.batch.episodes.map((e) => e.tokens),
            logprobs: rep.batch.episodes.map((e) => e.logprobs),
            reward: rep.metrics.reward!,
          });
        } finally {
          disposeState(env);
        }
      }
      for (let k = 1; k < out.length; k++) {
        assert.deepEqual(out[k]!.tokens, out[0]!.tokens, `${algorithm.name}: chunked rollout ${k} has the same seeded episodes`);
        assert.equal(out[k]!.reward, out[0]!.reward);
        out[0]!.logprobs.forEach((row, r) => row.forEach((lp, j) => assert.ok(Number.isNaN(lp) ? Number.isNaN(out[k]!.logprobs[r]![j]!) : Math.abs(lp - out[k]!.logprobs[r]![j]!) < 1e-5)));
        for (const [name, full] of out[0]!.actor) {
          const rel = maxRelDiff(full, out[k]!.actor.get(name)!);
          assert.ok(rel < 1e-4, `${algorithm.name} run ${k}: actor ${name} differs by ${rel} (relative)`);
        }
        for (const [name, full] of out[0]!.critic ?? []) {
          const rel = maxRelDiff(full, out[k]!.critic!.get(name)!);
          assert.ok(rel < 1e-4, `${algorithm.name} run ${k}: critic ${name} differs by ${rel} (relative)`);
        }
      }
      assert.ok([...out[0]!.actor.values()].some((d) => d.some((x) => x !== 0)), 'the step moved the actor');
    }
  } finally {
    base.dispose();
  }
});

test('greedy rollouts in chunks equal the unchunked rollout (feedback turns included); decoders are disposed', async () => {
  const model = Transformer.create(modelConfig, 11);
  try {
    const before = tf.memory().numTensors;
    const runWith = async (chunk: number) => {
      let live = 0;
      const batch = await rollout(
        questions.slice(0, 5),
        { mode: 'multi-attempt', minAttempts: 2, maxAttempts: 3, samplesPerPrompt: 1 },
        {
          decoderFor: (_first, size) => {
            live++;
            const s = createDecodeSession(model, { batchSize: size, maxLength: 128, temperature: 0, topP: 1, seed: 1 });
            return { append: s.append.bind(s), generate: s.generate.bind(s), dispose: () => (live--, s.dispose()) };
          },
          tokenizer: charTokenizer,
          dialogue: dialogueFromTemplate(compactTemplate),
          judge,
          isAttemptComplete,
        },
        { maxTokensPerAttempt: 5, maxTotalTokens: 15, stopTokenIds: [] },
        { values: { correct: 1, wrong: -0.5, noBox: -1 }, attemptDiscount: 1 },
        (() => {
          let x = 0;
          return () => ((x = (x * 9301 + 49297) % 233280), x / 233280);
        })(),
        charTokenizer.padId,
        chunk,
      );
      assert.equal(live, 0, 'every chunk decoder was disposed');
      return batch;
    };
    const whole = await runWith(Infinity);
    for (const chunk of [1, 2, 3]) {
      const b = await runWith(chunk);
      assert.deepEqual(Array.from(b.ids), Array.from(whole.ids), `chunk ${chunk}: same token batch`);
      assert.deepEqual(Array.from(b.actionMasks.lossMask), Array.from(whole.actionMasks.lossMask));
      assert.deepEqual(b.episodes.map((e) => e.attempts.map((a) => a.response)), whole.episodes.map((e) => e.attempts.map((a) => a.response)));
    }
    assert.ok(whole.episodes.some((e) => e.kinds.includes('feedback')), 'some episodes got a feedback turn');
    assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  } finally {
    model.dispose();
  }
});

test('generation.batchSize and microBatch are validated with clear messages', () => {
  const problems = (over: Record<string, unknown>) => {
    try {
      stepConfig(over);
      return '';
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.message;
    }
  };
  assert.match(problems({ microBatch: 4 }), /microBatch: must divide miniBatch \(6\), got 4/);
  assert.match(problems({ microBatch: 12 }), /microBatch: must divide miniBatch \(6\), got 12/);
  assert.match(problems({ microBatch: 0 }), /microBatch/);
  assert.match(problems({ generation: { batchSize: 7 } }), /generation\.batchSize: must be ≤ rolloutBatch \(6\), got 7/);
  assert.match(problems({ generation: { batchSize: 1.5 } }), /generation\.batchSize/);
  assert.equal(problems({ microBatch: 3, generation: { batchSize: 4 } }), '');
  assert.equal(stepConfig({}).microBatch, undefined, 'unset by default: the whole mini-batch at once');
  assert.equal(stepConfig({}).generation.batchSize, undefined, 'unset by default: the whole rollout at once');
});
