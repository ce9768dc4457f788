// End to end on a tiny random Qwen2 folder with a genuine byte-level BPE tokenizer.json (trained by the test on
// MATH questions, ChatML specials), as a user would run it: `train` one multi-attempt PPO step on MATH train
// questions that include the longest ones (which cannot fit the 768-position context: skipped and counted, the
// run completes), its end-of-run evaluation on a sample of the five benchmarks; then `eval` of the checkpoint with
// the Hugging Face defaults (the five benchmarks, k = 1..7, the `separate` protocol). Every attempt is in SQLite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { QWEN_TINY, writeTinyModel } from '../model/hf-fixtures.js';
import { writeTrainedBpeTokenizer } from '../model/bpe-fixture.js';
import { HfTokenizer } from '../../../backend/model/tokenizers/hf-tokenizer.js';
import { chatmlTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { BENCHMARK_NAMES } from '../../../backend/data/registry.js';

const root = path.resolve(import.meta.dirname, '../../..');
const bin = path.join(root, 'bin/attempt-studio.js');
const CTX = 768;
const math = readFileSync(path.join(root, 'resources/datasets/train/simplelr_math_35_train.qa.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { index: number; question: string; answer: string });
// The two longest MATH training questions and four ordinary ones.
const longest = [...math].sort((a, b) => b.question.length - a.question.length).slice(0, 2);
const ordinary = math.filter((q) => q.question.length < 200).slice(0, 4);

let dir: string;
let model: string;
let db: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-qwen-e2e-'));
  model = path.join(dir, 'qwen-tiny');
  // Special tokens never enter the merges; the template's text repeats so its words become tokens, as in a real vocabulary.
  const corpus = [...Array<string>(20).fill(chatmlTemplate.prompt('', 5) + chatmlTemplate.feedback(3)), ...math.slice(0, 800).map((q) => q.question)];
  const { vocabSize } = writeTrainedBpeTokenizer(model, corpus, 300);
  await writeTinyModel(model, { ...QWEN_TINY, vocab_size: vocabSize, max_position_embeddings: CTX }, { seed: 11 });
  db = path.join(dir, 'studio.db');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const count = (sql: string, ...args: unknown[]) => {
  const d = openSqlite(db, { readonly: true });
  try {
    return (d.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    d.close();
  }
};

test('the trained tokenizer is a real byte-level BPE: @huggingface/tokenizers loads it, merges compress, text round-trips', async () => {
  const tok = (await HfTokenizer.load(model))!;
  const q = ordinary[0]!.question;
  const ids = tok.encode(q);
  assert.equal(tok.decode(ids), q);
  assert.ok(ids.length < new TextEncoder().encode(q).length * 0.7, `${ids.length} tokens for ${q.length} characters`);
  assert.equal(tok.encode('<|im_start|>').length, 1, 'ChatML specials are single tokens');
  assert.equal(tok.eosId, tok.specialTokens['<|im_end|>']);
  // The longest question's prompt alone is longer than the context: it can never be trained on.
  assert.ok(tok.encode(chatmlTemplate.prompt(longest[0]!.question, 3)).length > CTX);
});

test('train: one multi-attempt PPO step on MATH questions incl. the longest completes, skips and counts them, stores every attempt', () => {
  const data = path.join(dir, 'math-sample.jsonl');
  writeFileSync(data, [...longest, ...ordinary].map((q) => JSON.stringify({ question: q.question, answer: q.answer })).join('\n') + '\n');
  const cfg = path.join(dir, 'run.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      model: { source: model },
      dataset: { source: data, heldOut: 0 },
      task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 3 },
      steps: 1,
      rolloutBatch: 4,
      miniBatch: 4,
      seed: 3,
      generation: { maxTokensPerAttempt: 8, maxTotalTokens: 24 },
      // The run's evaluation covers the five benchmarks, one question of each.
      eval: { everySteps: 0, datasets: [...BENCHMARK_NAMES], maxQuestions: 1 },
      checkpoint: { everySteps: 1 },
    }),
  );
  const r = spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--db', db, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.status, 'completed', out.error);
  assert.match(r.stderr, /2 of 6 training questions do not fit the model's context \(768 positions\) with 3 attempts and are skipped/);
  assert.equal(out.metrics.contextSkipped, 2);
  assert.equal(count("SELECT value n FROM metrics WHERE run_id = ? AND name = 'contextSkipped'", out.runId), 2);
  // The four episodes of the step, none of a skipped question, each attempt a row.
  assert.equal(count("SELECT COUNT(*) n FROM episodes WHERE run_id = ? AND split = 'train'", out.runId), 4);
  const longIds = longest.map((q) => q.question);
  assert.equal(count(`SELECT COUNT(*) n FROM episodes WHERE run_id = ? AND question IN (${longIds.map(() => '?').join(',')})`, out.runId, ...longIds), 0);
  assert.equal(
    count("SELECT COUNT(*) n FROM attempts a JOIN episodes e ON e.id = a.episode_id WHERE e.run_id = ? AND e.split = 'train'", out.runId),
    count("SELECT COALESCE(SUM(attempts_used), 0) n FROM episodes WHERE run_id = ? AND split = 'train'", out.runId),
  );
  // The end-of-run evaluation: one question of each benchmark at k = 1, every episode stored.
  assert.equal(count("SELECT COUNT(DISTINCT dataset) n FROM eval_results WHERE run_id = ? AND k = 1", out.runId), 5);
  assert.equal(typeof out.metrics.evalAccuracy, 'number');
  assert.equal(out.metrics.evalSkipped + count("SELECT COUNT(*) n FROM episodes WHERE run_id = ? AND split = 'eval'", out.runId), 5);
});

test('eval: the Hugging Face defaults (five benchmarks, k = 1..7, separate protocol) on two questions of each', () => {
  const d = openSqlite(db, { readonly: true });
  const ck = (d.prepare('SELECT path FROM checkpoints ORDER BY id DESC LIMIT 1').get() as { path: string }).path;
  d.close();
  // Only the limit and the episode budget are given (kept small for the test's time); the rest are the defaults.
  const r = spawnSync(process.execPath, [bin, 'eval', '--checkpoint', ck, '--db', db, '--limit', '2', '--max-total-tokens', '24', '--out', path.join(dir, 'eval.csv'), '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.protocol, 'separate');
  assert.equal(out.maxAttempts, 7);
  assert.deepEqual(out.datasets.map((x: { dataset: string }) => x.dataset), [...BENCHMARK_NAMES]);
  for (const x of out.datasets) {
    assert.equal(x.n + x.skipped, 2, x.dataset);
    assert.equal(x.accuracyByK.length, 7);
  }
  const stored = openSqlite(db, { readonly: true });
  try {
    const run = stored.prepare('SELECT config FROM runs WHERE id = ?').get(out.runId) as { config: string };
    assert.equal(JSON.parse(run.config).maxTokensPerAttempt, 8000, "the seed's per-attempt default");
    // separate: one run per k, each of the evaluated questions once → 7 × n episodes per dataset, every attempt stored.
    const evaluated = out.datasets.reduce((a: number, x: { n: number }) => a + x.n, 0);
    assert.equal((stored.prepare('SELECT COUNT(*) n FROM episodes WHERE run_id = ?').get(out.runId) as { n: number }).n, 7 * evaluated);
    const a = stored.prepare('SELECT COUNT(*) n FROM attempts a JOIN episodes e ON e.id = a.episode_id WHERE e.run_id = ?').get(out.runId) as { n: number };
    const used = stored.prepare('SELECT SUM(attempts_used) n FROM episodes WHERE run_id = ?').get(out.runId) as { n: number };
    assert.equal(a.n, used.n);
    assert.equal((stored.prepare('SELECT COUNT(*) n FROM eval_results WHERE run_id = ?').get(out.runId) as { n: number }).n, 5 * 7);
  } finally {
    stored.close();
  }
});
