// Generation: greedy = step-by-step argmax of the full forward, determinism, seeded sampling, stop reasons,
// appending injected tokens to a live session, and no tensor leak over 200 steps.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { createDecodeSession, generate } from '../../../backend/model/core/generate.js';
import { tinyConfig } from './tiny.js';
import { BUILTIN_MODEL_CONFIG } from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Full-forward log-softmax rows of one sequence. */
function fullLogSoftmax(model: Transformer, seq: number[]): number[][] {
  return tf.tidy(() => tf.logSoftmax(model.forward([seq]).logits).arraySync() as number[][][])[0];
}

function argmax(row: number[]): number {
  return row.indexOf(Math.max(...row));
}

/** Checks that every generated position is the argmax of the full forward and its log-prob matches. */
function assertGreedyConsistent(
  model: Transformer,
  seq: number[],
  generatedAt: number[],
  logprobs: number[],
): void {
  const lsm = fullLogSoftmax(model, seq);
  generatedAt.forEach((p, k) => {
    assert.equal(seq[p], argmax(lsm[p - 1]), `position ${p}`);
    assert.ok(Math.abs(logprobs[k] - lsm[p - 1][seq[p]]) < 1e-4);
  });
}

test('greedy generation over prompts of different lengths equals argmax decoding without a cache', async () => {
  const model = Transformer.create(tinyConfig(), 4);
  const prompts = [
    [1, 2, 3, 4, 5, 6, 7],
    [8, 9],
    [10, 11, 12, 13],
  ];
  const r1 = await generate(model, prompts, { maxNewTokens: [6, 9, 4], temperature: 0 });
  const r2 = await generate(model, prompts, { maxNewTokens: [6, 9, 4], temperature: 0, seed: 99 });
  assert.deepEqual(r1.ids, r2.ids);
  assert.deepEqual(
    r1.ids.map((x) => x.length),
    [6, 9, 4],
  );
  assert.deepEqual(r1.stopReason, ['max-tokens', 'max-tokens', 'max-tokens']);
  prompts.forEach((p, i) => {
    const seq = [...p, ...r1.ids[i]];
    assertGreedyConsistent(
      model,
      seq,
      r1.ids[i].map((_, k) => p.length + k),
      r1.logprobs[i],
    );
  });
  model.dispose();
});

test('seeded sampling is reproducible; another seed differs', async () => {
  const model = Transformer.create(tinyConfig({ initStd: 0.05 }), 4);
  const prompts = [
    [1, 2],
    [3, 4, 5],
  ];
  const opts = { maxNewTokens: 24, temperature: 1, topP: 0.95 };
  const a = await generate(model, prompts, { ...opts, seed: 1 });
  const b = await generate(model, prompts, { ...opts, seed: 1 });
  const c = await generate(model, prompts, { ...opts, seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.ids, c.ids);
  model.dispose();
});

test('stop tokens, stop strings, predicates, budgets, length and inactive rows', async () => {
  const model = Transformer.create(tinyConfig({ initStd: 0.05 }), 8);
  const decode = (ids: number[]) => ids.map((i) => String.fromCharCode(97 + i)).join('');
  const s = createDecodeSession(model, {
    batchSize: 5,
    maxLength: 12,
    temperature: 1,
    topP: 1,
    seed: 3,
    decode,
  });
  for (let i = 0; i < 5; i++) s.append(i, [1, 2, 3]);
  const allTokens = Array.from({ length: 23 }, (_, k) => k);
  const r = await s.generate({
    active: [true, true, true, true, false],
    maxNewTokens: [5, 5, 5, 50, 5],
    stopTokenIds: [],
    stopStrings: [],
    shouldStop: (i, ids) => i === 2 && ids.length === 2,
  });
  assert.deepEqual(r.stopReason, ['max-tokens', 'max-tokens', 'predicate', 'length', 'inactive']);
  assert.deepEqual(
    r.ids.map((x) => x.length),
    [5, 5, 2, 9, 0],
  );
  assert.equal(s.tokens(3).length, 12);
  s.dispose();
  const s2 = createDecodeSession(model, {
    batchSize: 2,
    maxLength: 30,
    temperature: 1,
    topP: 1,
    seed: 3,
    decode,
  });
  s2.append(0, [1, 2, 3]);
  s2.append(1, [1, 2, 3]);
  const r2 = await s2.generate({
    active: [true, true],
    maxNewTokens: [20, 20],
    stopTokenIds: allTokens.slice(0, 12),
    stopStrings: allTokens.slice(12).map((k) => decode([k])),
  });
  assert.ok(r2.stopReason.every((x) => x === 'stop-token' || x === 'stop-string'));
  for (let i = 0; i < 2; i++) assert.equal(r2.ids[i].length, 1);
  const noDecode = createDecodeSession(model, {
    batchSize: 1,
    maxLength: 5,
    temperature: 1,
    topP: 1,
    seed: 1,
  });
  noDecode.append(0, [1]);
  await assert.rejects(
    noDecode.generate({ active: [true], maxNewTokens: [1], stopStrings: ['a'] }),
    /stopStrings need a decode function/,
  );
  noDecode.dispose();
  assert.throws(() => s2.append(0, [99]), /token id 99 appended to row 0 is out of range/);
  s2.dispose();
  model.dispose();
});

test('a live session continues after tokens are appended to some rows (multi-attempt feedback)', async () => {
  const model = Transformer.create(tinyConfig(), 12);
  const before = tf.memory().numTensors;
  const s = createDecodeSession(model, { batchSize: 3, maxLength: 64, temperature: 0, topP: 1, seed: 0 });
  const prompts = [
    [1, 2, 3, 4, 5],
    [6, 7],
    [8, 9, 10],
  ];
  const generatedAt: number[][] = [[], [], []];
  const lps: number[][] = [[], [], []];
  const record = (i: number, ids: number[], logprobs: number[]) => {
    const start = s.tokens(i).length - ids.length;
    ids.forEach((_, k) => generatedAt[i].push(start + k));
    lps[i].push(...logprobs);
  };
  prompts.forEach((p, i) => s.append(i, p));
  // Attempt 1: row i ends after i+2 tokens (the "boxed answer" predicate).
  let r = await s.generate({
    active: [true, true, true],
    maxNewTokens: [10, 10, 10],
    shouldStop: (i, ids) => ids.length === i + 2,
  });
  assert.deepEqual(r.stopReason, ['predicate', 'predicate', 'predicate']);
  r.ids.forEach((ids, i) => record(i, ids, r.logprobs[i]));
  // Feedback injected into rows 0 and 2 (different lengths); row 1 is finished.
  s.append(0, [20, 21, 22, 1]);
  s.append(2, [19, 2]);
  r = await s.generate({ active: [true, false, true], maxNewTokens: [4, 4, 6] });
  assert.deepEqual(r.stopReason, ['max-tokens', 'inactive', 'max-tokens']);
  r.ids.forEach((ids, i) => record(i, ids, r.logprobs[i]));
  // A third round for row 0 only, after one more injected token.
  s.append(0, [5]);
  r = await s.generate({ active: [true, false, false], maxNewTokens: [3, 0, 0] });
  r.ids.forEach((ids, i) => record(i, ids, r.logprobs[i]));
  for (let i = 0; i < 3; i++) assertGreedyConsistent(model, s.tokens(i), generatedAt[i], lps[i]);
  assert.equal(s.tokens(0).length, 5 + 2 + 4 + 4 + 1 + 3);
  assert.equal(
    s
      .tokens(2)
      .slice(3 + 4, 3 + 4 + 2)
      .join(','),
    '19,2',
  );
  s.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('no tensor leak over 200 generation steps', async () => {
  const model = Transformer.create(tinyConfig({ maxPositions: 256 }), 1);
  const before = tf.memory().numTensors;
  const s = createDecodeSession(model, { batchSize: 4, maxLength: 256, temperature: 1, topP: 0.9, seed: 5 });
  for (let i = 0; i < 4; i++) s.append(i, [1, 2, 3]);
  let steps = 0;
  for (let round = 0; round < 4; round++) {
    const r = await s.generate({ active: [true, true, true, true], maxNewTokens: [50, 50, 50, 50] });
    steps += Math.max(...r.ids.map((x) => x.length));
    for (let i = 0; i < 4; i++) s.append(i, [4]);
  }
  assert.equal(steps, 200);
  s.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('multi-attempt flow with the char tokenizer and compact template: stop string, feedback append, continue', async () => {
  const model = Transformer.create(
    { ...BUILTIN_MODEL_CONFIG, numLayers: 1, hiddenSize: 32, intermediateSize: 48 },
    3,
  );
  const tok = charTokenizer;
  const decode = (ids: number[]) => tok.decode(ids);
  const s = createDecodeSession(model, {
    batchSize: 2,
    maxLength: 128,
    temperature: 1,
    topP: 1,
    seed: 4,
    decode,
  });
  const questions = ['2+2', '10-3'];
  questions.forEach((q, i) => s.append(i, tok.encode(compactTemplate.prompt(q, 2))));
  // Attempt 1: stop on the end-of-turn strings, or when the "attempt" predicate fires, or at 12 tokens.
  const r1 = await s.generate({
    active: [true, true],
    maxNewTokens: [12, 12],
    stopStrings: [...compactTemplate.endOfTurn],
    shouldStop: (_i, ids) => decode(ids).includes('}'),
  });
  for (const reason of r1.stopReason) assert.ok(['stop-string', 'predicate', 'max-tokens'].includes(reason));
  // Row 0 was wrong: inject the feedback turn and let it try again; row 1 is done.
  const feedback = tok.encode(compactTemplate.feedback(1));
  s.append(0, feedback);
  const r2 = await s.generate({ active: [true, false], maxNewTokens: [6, 0] });
  assert.equal(r2.ids[0].length, 6);
  assert.equal(r2.stopReason[1], 'inactive');
  const text = decode(s.tokens(0));
  const expected =
    compactTemplate.prompt('2+2', 2) + decode(r1.ids[0]) + compactTemplate.feedback(1) + decode(r2.ids[0]);
  assert.equal(text, expected);
  assert.equal(decode(s.tokens(1)), compactTemplate.prompt('10-3', 2) + decode(r1.ids[1]));
  s.dispose();
  model.dispose();
});

test('dropping stopped rows from the computed batch changes nothing (sampled tokens, log-probs, cache)', async () => {
  const model = Transformer.create(tinyConfig({ initStd: 0.1 }), 9);
  const before = tf.memory().numTensors;
  const runEpisode = async (compact: boolean) => {
    const s = createDecodeSession(model, {
      batchSize: 8,
      maxLength: 64,
      temperature: 1,
      topP: 0.9,
      seed: 7,
      compact,
    });
    for (let i = 0; i < 8; i++)
      s.append(
        i,
        Array.from({ length: 2 + i }, (_, k) => (k * 5 + i) % 23),
      );
    const out: unknown[] = [];
    // Budgets 1..8: rows stop one by one, so the computed batch shrinks several times.
    out.push(await s.generate({ active: new Array(8).fill(true), maxNewTokens: [1, 2, 3, 4, 5, 6, 7, 8] }));
    for (const i of [0, 3, 6]) s.append(i, [20, 21, 22]);
    out.push(
      await s.generate({
        active: [true, false, false, true, false, false, true, false],
        maxNewTokens: [4, 0, 0, 2, 0, 0, 6, 0],
      }),
    );
    out.push(await s.generate({ active: new Array(8).fill(true), maxNewTokens: new Array(8).fill(3) }));
    const tokens = Array.from({ length: 8 }, (_, i) => s.tokens(i));
    s.dispose();
    return { out, tokens };
  };
  const a = await runEpisode(true);
  const b = await runEpisode(false);
  assert.deepEqual(a.tokens, b.tokens);
  const la = JSON.stringify(a.out);
  const lb = JSON.parse(JSON.stringify(b.out)) as { logprobs: number[][] }[];
  (JSON.parse(la) as { logprobs: number[][] }[]).forEach((r, c) =>
    r.logprobs.forEach((row, i) =>
      row.forEach((x, k) => assert.ok(Math.abs(x - lb[c].logprobs[i][k]) < 1e-4)),
    ),
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
