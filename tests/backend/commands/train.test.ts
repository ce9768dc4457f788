// `attempt-studio train` through the real bin on a tiny base checkpoint: rows written per step, --json,
// a SIGKILL mid-run keeps committed rows and a sound database, and --resume continues the same curve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { saveModel } from '../../../backend/model/formats/checkpoint.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

async function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-train-'));
  const base = path.join(dir, 'base');
  const c = parseModelConfig({ vocabSize: charTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 160 });
  const m = Transformer.create(c, 2);
  await saveModel(base, m);
  m.dispose();
  const config = (steps: number, every: number) => {
    const f = path.join(dir, `cfg-${steps}.json`);
    writeFileSync(f, JSON.stringify({ preset: 'builtin-multi-attempt', model: { source: 'builtin', checkpoint: base }, steps, rolloutBatch: 4, miniBatch: 2, seed: 5, eval: { everySteps: 0, maxQuestions: 4 }, checkpoint: { everySteps: every }, generation: { maxTokensPerAttempt: 10, maxTotalTokens: 30 } }));
    return f;
  };
  return { dir, db: path.join(dir, 'runs.db'), config };
}

test('a short run writes runs, metrics, episodes and attempts rows and prints the --json line', async () => {
  const s = await setup();
  try {
    const r = spawnSync(process.execPath, [bin, 'train', '--config', s.config(2, 1), '--db', s.db, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.status, 'completed');
    assert.equal(out.steps, 2);
    assert.equal(out.db, s.db);
    assert.match(out.checkpoint, /step-000002$/);
    for (const k of ['reward', 'accuracy', 'accuracyFirstAttempt', 'attemptsUsed', 'kl', 'entropy', 'clipFraction', 'valueLoss', 'lr', 'tokensPerSecond', 'secondsPerStep', 'responseLength', 'solvedAt1']) {
      assert.equal(typeof out.metrics[k], 'number', k);
    }
    const db = openSqlite(s.db, { readonly: true });
    const run = db.prepare('SELECT * FROM runs').get() as { status: string; steps_done: number; backend: string; config: string };
    assert.equal(run.status, 'completed');
    assert.equal(run.steps_done, 2);
    assert.ok(run.backend);
    assert.equal(JSON.parse(run.config).steps, 2, 'resolved config stored with the run');
    const steps = db.prepare("SELECT DISTINCT step FROM metrics WHERE name = 'reward' ORDER BY step").all() as { step: number }[];
    assert.deepEqual(steps.map((x) => x.step), [1, 2]);
    assert.equal((db.prepare("SELECT COUNT(*) n FROM episodes WHERE split = 'train'").get() as { n: number }).n, 8);
    // The final held-out evaluation (k = 1, greedy) is stored with the run.
    assert.equal((db.prepare("SELECT COUNT(*) n FROM episodes WHERE split = 'eval'").get() as { n: number }).n, 4);
    const ev = db.prepare('SELECT dataset, k, n FROM eval_results').all() as { dataset: string; k: number; n: number }[];
    assert.deepEqual(ev, [{ dataset: 'held-out', k: 1, n: 4 }]);
    assert.equal(typeof out.metrics.evalAccuracy, 'number');
    const attempts = (db.prepare('SELECT COUNT(*) n FROM attempts').get() as { n: number }).n;
    const used = (db.prepare('SELECT SUM(attempts_used) n FROM episodes').get() as { n: number }).n;
    assert.ok(attempts >= 12);
    assert.equal(attempts, used);
    assert.equal((db.prepare('SELECT COUNT(*) n FROM checkpoints').get() as { n: number }).n, 2);
    db.close();
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('SIGKILL mid-run keeps committed rows; the run is marked interrupted; --resume continues the curve', async () => {
  const s = await setup();
  try {
    const child = spawn(process.execPath, [bin, 'train', '--config', s.config(40, 1), '--db', s.db], { stdio: 'ignore' });
    // Wait until at least two steps (and their checkpoints) are committed, then kill without warning.
    const deadline = Date.now() + 120_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      let n = 0;
      try {
        const db = openSqlite(s.db, { readonly: true, fileMustExist: true });
        n = (db.prepare('SELECT COUNT(*) n FROM checkpoints').get() as { n: number }).n;
        db.close();
      } catch {
        /* not created yet */
      }
      if (n >= 2) break;
      assert.ok(Date.now() < deadline, 'training did not reach 2 checkpoints in time');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const db = openSqlite(s.db);
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const done = (db.prepare('SELECT steps_done FROM runs WHERE id = 1').get() as { steps_done: number }).steps_done;
    assert.ok(done >= 2);
    const logged = db.prepare("SELECT step FROM metrics WHERE name = 'reward' ORDER BY step").all() as { step: number }[];
    assert.deepEqual(logged.map((x) => x.step), Array.from({ length: done }, (_, i) => i + 1), 'every committed step has its metrics');
    const ep = (db.prepare("SELECT COUNT(*) n FROM episodes WHERE split = 'train'").get() as { n: number }).n;
    assert.equal(ep, done * 4, 'every committed step has its episodes');
    db.close();

    const list = spawnSync(process.execPath, [bin, 'runs', 'list', '--db', s.db, '--json'], { encoding: 'utf8' });
    const runs = JSON.parse(list.stdout);
    assert.equal(runs[0].status, 'interrupted');

    const resumed = spawnSync(process.execPath, [bin, 'train', '--resume', '1', '--steps', String(done + 2), '--db', s.db, '--json'], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    const out = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.runId, 1);
    assert.equal(out.status, 'completed');
    assert.equal(out.steps, done + 2);
    const db2 = openSqlite(s.db, { readonly: true });
    const steps = db2.prepare("SELECT step FROM metrics WHERE name = 'reward' ORDER BY step").all() as { step: number }[];
    assert.deepEqual(steps.map((x) => x.step), Array.from({ length: done + 2 }, (_, i) => i + 1), 'one curve, no gaps or duplicates');
    assert.equal((db2.prepare('SELECT COUNT(*) n FROM runs').get() as { n: number }).n, 1);
    db2.close();
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('bad input: both --config and --preset, a missing config file, an invalid field', () => {
  const a = spawnSync(process.execPath, [bin, 'train', '--preset', 'builtin-baseline', '--config', 'x.json'], { encoding: 'utf8' });
  assert.equal(a.status, 2);
  assert.match(a.stderr, /exactly one of/);
  const dir = mkdtempSync(path.join(tmpdir(), 'as-train-bad-'));
  try {
    const b = spawnSync(process.execPath, [bin, 'train', '--config', path.join(dir, 'nope.json'), '--db', path.join(dir, 'x.db')], { encoding: 'utf8' });
    assert.equal(b.status, 1);
    assert.match(b.stderr, /nope\.json: no such file/);
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ steps: 0, task: { maxAttempts: 'five' }, bogus: 1 }));
    const c = spawnSync(process.execPath, [bin, 'train', '--config', f, '--db', path.join(dir, 'x.db')], { encoding: 'utf8' });
    assert.equal(c.status, 2);
    assert.match(c.stderr, /bad\.json: invalid run config/);
    assert.match(c.stderr, /steps/);
    assert.match(c.stderr, /task\.maxAttempts/);
    assert.match(c.stderr, /bogus/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C (SIGINT) stops after the current step with a checkpoint; the run is marked stopped', async () => {
  const s = await setup();
  try {
    const child = spawn(process.execPath, [bin, 'train', '--config', s.config(60, 0), '--db', s.db, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 120_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      let done = 0;
      try {
        const db = openSqlite(s.db, { readonly: true, fileMustExist: true });
        done = (db.prepare('SELECT steps_done n FROM runs WHERE id = 1').get() as { n: number } | undefined)?.n ?? 0;
        db.close();
      } catch {
        /* not created yet */
      }
      if (done >= 1) break;
      assert.ok(Date.now() < deadline, 'training did not reach step 1 in time');
    }
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal(out.status, 'stopped');
    assert.ok(out.steps >= 1 && out.steps < 60);
    assert.match(out.checkpoint, new RegExp(`step-${String(out.steps).padStart(6, '0')}$`), 'checkpoint at the step it stopped after');
    const db = openSqlite(s.db, { readonly: true });
    assert.equal((db.prepare('SELECT status FROM runs WHERE id = 1').get() as { status: string }).status, 'stopped');
    db.close();
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('--dry-run validates, prints the estimate from config.json alone (no weights in the folder) and creates no run', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-train-dry-'));
  try {
    const model = path.join(dir, 'shape-only');
    mkdirSync(model);
    // Only config.json: a dry run never reads weights.
    writeFileSync(path.join(model, 'config.json'), JSON.stringify({ architectures: ['Qwen2ForCausalLM'], vocab_size: 300, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 48, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, max_position_embeddings: 512 }));
    const cfg = (name: string, over: Record<string, unknown>) => {
      const f = path.join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify({ model: { source: model, gradientCheckpointing: true }, rolloutBatch: 4, miniBatch: 2, generation: { maxTokensPerAttempt: 8, maxTotalTokens: 16 }, runtime: 'cpu', ...over }));
      return f;
    };
    const db = path.join(dir, 'runs.db');
    const ok = spawnSync(process.execPath, [bin, 'train', '--config', cfg('ok', {}), '--db', db, '--dry-run'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /valid \(multi-attempt, ppo, 100 steps; activation checkpointing on\)/);
    assert.match(ok.stdout, /shape-only[/\\]config\.json/);
    assert.match(ok.stdout, /checkpointed layer inputs \(2 sequences × 512 tokens\)/);
    assert.match(ok.stdout, /^fits: .* \(system memory\)\. Dry run: no run was created\.$/m);
    const js = spawnSync(process.execPath, [bin, 'train', '--config', cfg('ok', {}), '--db', db, '--dry-run', '--json'], { encoding: 'utf8' });
    assert.equal(js.status, 0, js.stderr);
    const out = JSON.parse(js.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.fits, true);
    assert.equal(out.runtime, 'cpu');
    assert.ok(out.peakBytes > 0 && out.peakBytes < out.availableBytes);
    // Does not fit (a 2^26-sequence rollout): exit 1 with the refusal and the breakdown.
    const big = spawnSync(process.execPath, [bin, 'train', '--config', cfg('big', { rolloutBatch: 2 ** 26, model: { source: model } }), '--db', db, '--dry-run'], { encoding: 'utf8' });
    assert.equal(big.status, 1);
    assert.match(big.stderr, /this run does not fit: it needs about [\d.]+ (GiB|TiB)/);
    assert.match(big.stderr, /Set model\.gradientCheckpointing to true/);
    assert.match(big.stderr, /KV cache \(67108864 sequences × 512 tokens\)/);
    assert.match(big.stderr, /Dry run: no run was created/);
    // An invalid config is still a usage error.
    const bad = spawnSync(process.execPath, [bin, 'train', '--config', cfg('bad', { miniBatch: 3 }), '--db', db, '--dry-run'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /miniBatch/);
    assert.equal(existsSync(db), false, 'no database (and so no run row) was written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
