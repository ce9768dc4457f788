// Base model pre-training: loss mask on the rendered examples, a few steps reduce the loss, the checkpoint cache
// is reused and rebuilt on a spec change, and nothing leaks tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { parseModelConfig } from '../../../backend/model/core/config.js';
import { Rng } from '../../../backend/model/core/rng.js';
import { generateSynthetic, rootCandidates } from '../../../backend/data/synthetic.js';
import { isNearMiss } from '../../../backend/data/near-miss.js';
import {
  encodeExample,
  packBatch,
  renderTrainingExample,
  responseText,
  trainedAnswer,
  type ExampleOptions,
} from '../../../backend/pretrain/base-model-data.js';
import {
  baseModelSpecHash,
  ensureBaseModel,
  pretrainBaseModel,
  resolveBaseModelSpec,
  type BaseModelSpec,
} from '../../../backend/pretrain/base-model.js';

const problems = generateSynthetic({ seed: 1, count: 40, split: 'train', families: ['add', 'carry'], levels: [2] });
const opts = (o: Partial<ExampleOptions>): ExampleOptions => ({
  retryExampleShare: 0,
  retryFirstAttempt: 'near-miss',
  maxAttempts: 5,
  singleTurnPromptShare: 0.2,
  answerStyle: 'boxed',
  ...o,
});
/** The text of the tokens whose mask is 1. */
const trainedText = (ids: number[], mask: number[]) => charTokenizer.decode(ids.filter((_, i) => mask[i] === 1));

test('single-answer examples: the loss mask covers exactly the boxed answer and end of turn', () => {
  const rng = new Rng(3);
  for (const p of problems) {
    const ex = renderTrainingExample(p, opts({}), rng);
    const { ids, mask } = encodeExample(charTokenizer, ex);
    assert.equal(ids.length, mask.length);
    assert.equal(trainedText(ids, mask), `\\boxed{${p.answer}}<|im_end|>`);
    // The trained tokens are one contiguous block at the end.
    const first = mask.indexOf(1);
    assert.ok(mask.slice(first).every((m) => m === 1));
    assert.ok(mask.slice(0, first).every((m) => m === 0));
    assert.match(ex.spans[0]!.text, /^<\|im_start\|>S[1-5]?<\|im_end\|><\|im_start\|>U/);
  }
});

test('the reversed answer style writes the digits last-to-first before the box', () => {
  assert.equal(responseText('1577', 'reversed'), '7751|\\boxed{1577}');
  assert.equal(responseText('-120', 'reversed'), '021-|\\boxed{-120}');
  assert.equal(responseText('7'), '\\boxed{7}');
  const rng = new Rng(4);
  const p = problems[0]!;
  const { ids, mask } = encodeExample(charTokenizer, renderTrainingExample(p, opts({ retryExampleShare: 1, answerStyle: 'reversed' }), rng));
  assert.equal(trainedText(ids, mask), `${[...p.answer].reverse().join('')}|\\boxed{${p.answer}}<|im_end|>`);
});

test('retry examples: wrong first attempt and feedback are masked out, only the correct answer is trained', () => {
  for (const kind of ['near-miss', 'far'] as const) {
    const rng = new Rng(5);
    for (const p of problems) {
      const ex = renderTrainingExample(p, opts({ retryExampleShare: 1, retryFirstAttempt: kind }), rng);
      assert.deepEqual(
        ex.spans.map((s) => s.kind),
        ['prompt', 'generated', 'feedback', 'generated'],
      );
      const wrong = /\\boxed\{(-?\d+)\}/.exec(ex.spans[1]!.text)![1]!;
      assert.notEqual(wrong, p.answer);
      assert.equal(isNearMiss(p, wrong), kind === 'near-miss', `${p.question} ${wrong}`);
      const n = Number(/S(\d)/.exec(ex.spans[0]!.text)![1]);
      assert.ok(n >= 2 && n <= 5);
      assert.equal(ex.spans[2]!.text, `<|im_end|><|im_start|>F${n - 1}<|im_end|><|im_start|>A`);
      const { ids, mask } = encodeExample(charTokenizer, ex);
      assert.equal(trainedText(ids, mask), `\\boxed{${p.answer}}<|im_end|>`);
      const lens = ex.spans.map((s) => charTokenizer.encode(s.text).length);
      const trainedFrom = lens[0]! + lens[1]! + lens[2]!;
      assert.ok(mask.slice(0, trainedFrom).every((m) => m === 0));
      assert.ok(mask.slice(trainedFrom).every((m) => m === 1));
    }
  }
});

test('two-root questions: firstCandidateShare picks the first-listed root at that rate, whatever the gold', () => {
  const roots = generateSynthetic({ seed: 2, count: 400, split: 'train', families: ['root'], levels: [2] });
  const rng = new Rng(6);
  let first = 0;
  let goldIsFirst = 0;
  for (const p of roots) {
    const [a, b] = rootCandidates(p.question)!;
    const answer = trainedAnswer(p, { firstCandidateShare: 0.8 }, rng);
    assert.ok(answer === a || answer === b, `${p.question} → ${answer}`);
    if (answer === a) first++;
    if (p.answer === a) goldIsFirst++;
    // Rendered single and retry examples train on that pick too.
    const ex = renderTrainingExample(p, opts({ firstCandidateShare: 1, retryExampleShare: 0.5, retryFirstAttempt: 'far' }), rng);
    assert.equal(ex.spans.at(-1)!.text, `\\boxed{${a}}<|im_end|>`);
  }
  assert.ok(first / roots.length > 0.74 && first / roots.length < 0.86, `first-root share ${first / roots.length}`);
  // The gold is the setter's hidden pick: about half the time the first root, independent of the habit above.
  assert.ok(goldIsFirst / roots.length > 0.4 && goldIsFirst / roots.length < 0.6, `gold-first share ${goldIsFirst / roots.length}`);
  // Left out, the gold itself; other families ignore the option.
  for (const p of roots.slice(0, 20)) assert.equal(trainedAnswer(p, {}, rng), p.answer);
  for (const p of problems.slice(0, 20)) assert.equal(trainedAnswer(p, { firstCandidateShare: 1 }, rng), p.answer);
  assert.equal(rootCandidates('12+34='), null);
  assert.throws(() => resolveBaseModelSpec({ firstCandidateShare: 1.5 }), /firstCandidateShare/);
});

test('the retry share is honoured and batches are right-padded with a zero mask', () => {
  const rng = new Rng(9);
  const exs = Array.from({ length: 400 }, (_, i) => renderTrainingExample(problems[i % problems.length]!, opts({ retryExampleShare: 0.25 }), rng));
  const share = exs.filter((e) => e.spans.length === 4).length / exs.length;
  assert.ok(share > 0.18 && share < 0.32, `retry share ${share}`);
  const rows = exs.slice(0, 8).map((e) => encodeExample(charTokenizer, e));
  const b = packBatch(rows, charTokenizer.padId);
  assert.equal(b.length, Math.max(...rows.map((r) => r.ids.length)));
  rows.forEach((r, i) => {
    for (let t = r.ids.length; t < b.length; t++) {
      assert.equal(b.ids[i * b.length + t], charTokenizer.padId);
      assert.equal(b.mask[i * b.length + t], 0);
    }
  });
});

const tiny = parseModelConfig({
  vocabSize: charTokenizer.vocabSize,
  hiddenSize: 16,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  intermediateSize: 32,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  qkvBias: false,
  tieEmbeddings: true,
  maxPositions: 96,
});
const tinySpec: Partial<BaseModelSpec> = {
  config: tiny,
  seed: 0,
  steps: 15,
  batchSize: 4,
  lr: 2e-2,
  task: { families: ['add'], levels: [1] },
  retryExampleShare: 0.2,
};

/**
 * Tensors that creating and disposing a Transformer leaves behind on its own (on main, Transformer's
 * constructor does not dispose the tensor each tf.variable is made from): measured so the tests below assert
 * that pre-training and the cache leak nothing beyond it.
 */
async function modelLifecycleResidue(): Promise<number> {
  const { Transformer } = await import('../../../backend/model/core/transformer.js');
  const before = tf.memory().numTensors;
  Transformer.create(tiny, 0).dispose();
  return tf.memory().numTensors - before;
}

test('a few pre-training steps reduce the loss, without leaking tensors', async () => {
  const residue = await modelLifecycleResidue();
  const before = tf.memory().numTensors;
  const seen: number[] = [];
  const { model, metrics } = await pretrainBaseModel({ ...tinySpec, onProgress: (p) => seen.push(p.step) });
  model.dispose();
  assert.equal(tf.memory().numTensors - before, residue);
  assert.deepEqual(seen, Array.from({ length: 15 }, (_, i) => i + 1));
  assert.equal(metrics.steps, 15);
  assert.ok(metrics.finalLoss < metrics.firstLoss - 0.5, `loss ${metrics.firstLoss} → ${metrics.finalLoss}`);
  assert.ok(metrics.trainedTokens > 0);
  assert.equal(metrics.skippedExamples, 0);
});

test('dialogues longer than the context are skipped and counted, never an error', async () => {
  // add level 1: single-answer dialogues are ≤ 24 chars, two-attempt retry dialogues ≥ 39: a 32-position
  // context fits the first and not the second; every retry batch is left out, the others train.
  const residue = await modelLifecycleResidue();
  const before = tf.memory().numTensors;
  const short = { ...tinySpec, config: parseModelConfig({ ...tiny, maxPositions: 32 }), retryExampleShare: 0.5, steps: 12 };
  const seen: number[] = [];
  const { model, metrics } = await pretrainBaseModel({ ...short, onProgress: (p) => seen.push(p.step) });
  model.dispose();
  assert.equal(tf.memory().numTensors - before, residue);
  assert.ok(metrics.skippedExamples > 0 && metrics.skippedExamples % 4 === 0, `skipped ${metrics.skippedExamples}`);
  assert.equal(metrics.steps + metrics.skippedExamples / 4, 12, 'each step trained its batch or skipped all of it');
  assert.ok(metrics.steps > 0 && seen.length === metrics.steps);
  assert.ok(Number.isFinite(metrics.finalLoss));
});

test('an aborted pre-training stops early', async () => {
  const ac = new AbortController();
  const { model, metrics } = await pretrainBaseModel({
    ...tinySpec,
    signal: ac.signal,
    onProgress: (p) => p.step === 3 && ac.abort(),
  });
  model.dispose();
  assert.equal(metrics.steps, 3);
});

test('ensureBaseModel trains once, reuses the cache, and rebuilds when the spec changes', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'as-base-'));
  const residue = await modelLifecycleResidue();
  const before = tf.memory().numTensors;
  try {
    let trained = 0;
    const onTrain = () => trained++;
    const spec = { ...tinySpec, steps: 4 };
    const a = await ensureBaseModel(dir, spec, { onTrain });
    assert.equal(a.cached, false);
    assert.equal(trained, 1);
    const b = await ensureBaseModel(dir, spec, { onTrain });
    assert.equal(b.cached, true);
    assert.equal(trained, 1);
    assert.equal(b.dir, a.dir);
    assert.equal(b.metrics.steps, 4);
    const wa = await a.model.exportWeights();
    const wb = await b.model.exportWeights();
    for (const [name, t] of wa) assert.deepEqual(wb.get(name)!.data, t.data, name);
    const c = await ensureBaseModel(dir, { ...spec, seed: 1 }, { onTrain });
    assert.equal(c.cached, false);
    assert.equal(trained, 2);
    assert.notEqual(c.dir, a.dir);
    // Only the two checkpoint folders remain (no temporary folders).
    assert.deepEqual((await readdir(dir)).sort(), [path.basename(a.dir), path.basename(c.dir)].sort());
    for (const m of [a.model, b.model, c.model]) m.dispose();
    // Two trained (created) models and one loaded from the checkpoint.
    assert.equal(tf.memory().numTensors - before, 3 * residue);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the spec hash covers config, seed, steps and task, and bad specs name the field', () => {
  const s = resolveBaseModelSpec(tinySpec);
  const h = baseModelSpecHash(s);
  assert.equal(baseModelSpecHash(resolveBaseModelSpec({ ...tinySpec })), h);
  assert.notEqual(baseModelSpecHash({ ...s, steps: 16 }), h);
  assert.notEqual(baseModelSpecHash({ ...s, task: { families: ['add'], levels: [2] } }), h);
  assert.notEqual(baseModelSpecHash({ ...s, config: { ...s.config, hiddenSize: 32 } }), h);
  assert.throws(() => resolveBaseModelSpec({ ...tinySpec, retryExampleShare: 2 }), /retryExampleShare/);
  assert.throws(() => resolveBaseModelSpec({ ...tinySpec, steps: 0 }), /steps/);
});

test('the built-in presets train on the task the base model was pre-trained on', async () => {
  const { presetRunConfig } = await import('../../../backend/rl/config.js');
  const { DEFAULT_BASE_MODEL_SPEC } = await import('../../../backend/pretrain/base-model.js');
  for (const name of ['builtin-multi-attempt', 'builtin-baseline']) {
    const c = presetRunConfig(name);
    assert.deepEqual(c.dataset.synthetic, { families: DEFAULT_BASE_MODEL_SPEC.task.families, levels: DEFAULT_BASE_MODEL_SPEC.task.levels }, name);
  }
});

test('ensureBaseModel prefers a shipped checkpoint of the same spec, and retrain trains anew into the cache', async () => {
  const shippedDir = await mkdtemp(path.join(tmpdir(), 'as-shipped-'));
  const cache = await mkdtemp(path.join(tmpdir(), 'as-base-'));
  const residue = await modelLifecycleResidue();
  const before = tf.memory().numTensors;
  try {
    let trained = 0;
    const onTrain = () => trained++;
    const spec = { ...tinySpec, steps: 3 };
    // "Ship" a checkpoint: train it into the shipped folder (the layout bench:base-model --save writes).
    const made = await ensureBaseModel(shippedDir, spec, { onTrain, shippedDir: null });
    assert.equal(made.source, 'trained');
    const shipped = await ensureBaseModel(cache, spec, { onTrain, shippedDir });
    assert.deepEqual([shipped.source, shipped.cached, shipped.dir, trained], ['shipped', true, made.dir, 1]);
    assert.deepEqual(await readdir(cache), [], 'nothing written to the cache');
    const again = await ensureBaseModel(cache, spec, { onTrain, shippedDir, retrain: true });
    assert.deepEqual([again.source, again.cached, trained], ['trained', false, 2]);
    assert.equal(path.dirname(again.dir), cache);
    // A different spec is not the shipped one: it trains.
    const other = await ensureBaseModel(cache, { ...spec, seed: 5 }, { onTrain, shippedDir });
    assert.deepEqual([other.source, trained], ['trained', 3]);
    for (const m of [made.model, shipped.model, again.model, other.model]) m.dispose();
    assert.equal(tf.memory().numTensors - before, 4 * residue);
  } finally {
    await rm(shippedDir, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
});
