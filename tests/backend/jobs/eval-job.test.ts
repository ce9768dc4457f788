// The eval job's one resolve (request + target → stored spec): defaults by model kind and by source run, the
// one batch default, sampled and single-turn rules, and refusals that name the request field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../../../backend/db/open-db.js';
import { addCheckpoint, createRun } from '../../../backend/db/run-store.js';
import { DomainError } from '../../../backend/domain/errors.js';
import { EVAL_BATCH_SIZE, EVAL_DEFAULTS } from '../../../backend/eval/eval-defaults.js';
import { parseEvalJobSpec, resolveEvalJob, resolveEvalTarget } from '../../../backend/jobs/kinds/eval-job.js';

let dir: string;
let builtin: string;
let hf: string;
let db: Db;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-eval-job-'));
  builtin = path.join(dir, 'builtin');
  hf = path.join(dir, 'hf');
  mkdirSync(builtin);
  mkdirSync(hf);
  writeFileSync(path.join(hf, 'tokenizer.json'), '{}');
  db = openDb(path.join(dir, 'a.db'));
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const invalid = (field: string, message: RegExp) => (err: unknown) =>
  err instanceof DomainError && err.kind === 'invalid' && err.field === field && message.test(err.message);

test('defaults by model kind; one batch default; the total budget follows K', () => {
  const t = resolveEvalTarget(db, { checkpoint: builtin });
  const b = resolveEvalJob(t, {});
  assert.deepEqual(b, {
    checkpoint: builtin,
    checkpointId: null,
    step: null,
    sourceRun: null,
    datasets: ['synthetic'],
    maxAttempts: EVAL_DEFAULTS.builtin.maxAttempts,
    protocol: 'one-episode',
    prompt: 'multi-attempt',
    template: null,
    limit: null,
    batchSize: EVAL_BATCH_SIZE,
    maxTokensPerAttempt: 64,
    maxTotalTokens: 5 * 64,
    samples: null,
    temperature: 0,
    seed: 0,
    runtime: 'auto',
  });
  assert.equal(resolveEvalJob(t, { datasets: ['amc23'] }).maxAttempts, 7, 'the built-in model on a benchmark: K = 7');
  assert.equal(resolveEvalJob(t, { attempts: 3, maxTokensPerAttempt: 10 }).maxTotalTokens, 30);
  const h = resolveEvalJob(resolveEvalTarget(db, { checkpoint: hf }), {});
  assert.deepEqual([h.datasets, h.maxAttempts, h.protocol, h.maxTotalTokens, h.batchSize], [[...EVAL_DEFAULTS.hf.datasets], 7, 'separate', 8000, EVAL_BATCH_SIZE]);
});

test("a built-in training run: its own held-out split and per-attempt budget; the target's checkpoint", () => {
  const run = createRun(db, { kind: 'train', config: { generation: { maxTokensPerAttempt: 12 } } });
  assert.throws(() => resolveEvalTarget(db, { runId: run }), (e: unknown) => e instanceof DomainError && e.kind === 'conflict' && /has no checkpoint yet/.test(e.message));
  const ck = addCheckpoint(db, run, 4, builtin, 'safetensors');
  const spec = resolveEvalJob(resolveEvalTarget(db, { runId: run }), { limit: 2 });
  assert.deepEqual([spec.datasets, spec.maxTokensPerAttempt, spec.checkpointId, spec.step, spec.sourceRun, spec.limit], [['held-out'], 12, ck, 4, run, 2]);
  assert.throws(() => resolveEvalTarget(db, { runId: 999 }), (e: unknown) => e instanceof DomainError && e.kind === 'not-found');
  assert.throws(() => resolveEvalTarget(db, { checkpoint: path.join(dir, 'nope') }), invalid('checkpoint', /does not exist/));
  assert.throws(() => resolveEvalTarget(db, {}), invalid('checkpoint', /exactly one/));
});

test('sampled and single-turn rules; refusals name the field', () => {
  const t = resolveEvalTarget(db, { checkpoint: builtin });
  const s = resolveEvalJob(t, { samples: 4 });
  assert.deepEqual([s.maxAttempts, s.protocol, s.temperature, s.samples], [4, null, 1, 4]);
  assert.equal(resolveEvalJob(t, { prompt: 'single-turn' }).maxAttempts, 1);
  assert.throws(() => resolveEvalJob(t, { prompt: 'single-turn', attempts: 3 }), invalid('attempts', /k = 1 only/));
  assert.throws(() => resolveEvalJob(t, { samples: 4, attempts: 2 }), invalid('attempts', /pass@1..N/));
  assert.throws(() => resolveEvalJob(t, { samples: 4, protocol: 'separate' }), invalid('protocol', /no/));
  assert.throws(() => resolveEvalJob(t, { temperature: 0.5 }), invalid('temperature', /goes with samples/));
  assert.throws(() => resolveEvalJob(t, { datasets: ['held-out'] }), invalid('datasets', /held-out split/));
  assert.throws(() => resolveEvalJob(t, { datasets: ['synthetic', 'aime25'] }), invalid('datasets', /unknown dataset 'aime25'/));
  assert.throws(() => resolveEvalJob(t, { runtime: 'tpu' }), invalid('runtime', /unknown runtime 'tpu'/));
});

test('a stored config is validated, each problem named by its field', () => {
  const good = resolveEvalJob(resolveEvalTarget(db, { checkpoint: builtin }), {});
  assert.deepEqual(parseEvalJobSpec(JSON.parse(JSON.stringify(good)), 'x'), good);
  // A config stored before sampled evaluation reached the app (no samples/temperature/template/runtime) still reads.
  const { samples: _s, temperature: _t, template: _p, runtime: _r, ...older } = good;
  assert.deepEqual(parseEvalJobSpec(older, 'x'), good);
  assert.throws(() => parseEvalJobSpec({ ...good, batchSize: 0 }, 'run 3'), invalid('batchSize', /^run 3: invalid eval config: batchSize: /));
  assert.throws(() => parseEvalJobSpec({ ...good, extra: 1 }, 'run 3'), /invalid eval config: .*extra/);
  assert.throws(() => parseEvalJobSpec({ ...good, samples: 2 }, 'run 3'), invalid('protocol', /names its protocol/));
});
