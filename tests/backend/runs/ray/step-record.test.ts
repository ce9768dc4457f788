// Step records from a Ray node to the studio's SQLite: read whole from a scratch database, applied by replacing
// the step (twice = once), re-logged steps replace themselves; the ingest server applies a retried batch once,
// refuses bad tokens, answers "stop" when the user asked, and refuses (409, nothing applied) a batch whose run
// has moved on, which ends the forwarder at once. Real SQLite files and a real HTTP listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../../../../backend/db/open-db.js';
import { addCheckpoint, addEvalResult, createRun, getRun, logStep } from '../../../../backend/db/run-store.js';
import type { EpisodeRecord } from '../../../../backend/domain/vocabulary.js';
import { applyStepRecord, readStepRecord, stepFingerprints } from '../../../../backend/runs/ray/step-record.js';
import { RayIngestServer, type IngestBatch } from '../../../../backend/runs/ray/ingest-server.js';
import { finishRun, markRunning } from '../../../../backend/jobs/run-status.js';
import { checkSharedDir } from '../../../../backend/runs/ray/ray-entry-spec.js';
import { exitOfJob, jobResources, RayLauncher } from '../../../../backend/runs/ray/ray-launcher.js';

const episode = (q: string, verdicts: Array<'correct' | 'wrong'>): EpisodeRecord => ({
  split: 'train',
  dataset: 'synthetic',
  questionId: q,
  question: `question ${q}`,
  gold: '4',
  attemptsAllowed: 3,
  reward: verdicts.at(-1) === 'correct' ? 1 : 0,
  attempts: verdicts.map((v, i) => ({ response: `try ${i}`, extracted: v === 'correct' ? '4' : '5', verdict: v, tokens: 3 })),
});

function dump(db: Db, runId: number) {
  return {
    metrics: db.prepare('SELECT name, step, value FROM metrics WHERE run_id = ? ORDER BY step, name').all(runId),
    episodes: db.prepare('SELECT step, question_id, attempts_used, solved_at, verdict, repeats FROM episodes WHERE run_id = ? ORDER BY step, question_id').all(runId),
    attempts: db.prepare('SELECT e.step, e.question_id, a.idx, a.response, a.verdict FROM attempts a JOIN episodes e ON e.id = a.episode_id WHERE e.run_id = ? ORDER BY 1, 2, 3').all(runId),
    checkpoints: db.prepare('SELECT step, path, format FROM checkpoints WHERE run_id = ? ORDER BY step').all(runId),
    evals: db.prepare('SELECT step, dataset, k, n, correct FROM eval_results WHERE run_id = ? ORDER BY k').all(runId),
    stepsDone: getRun(db, runId)!.stepsDone,
  };
}

test('a step travels whole and applying it twice leaves the same rows; a re-logged step replaces itself', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-rec-'));
  const node = openDb(path.join(dir, 'node.db'));
  const studio = openDb(path.join(dir, 'studio.db'));
  try {
    const cfg = { steps: 2 };
    const a = createRun(node, { kind: 'train', config: cfg as never });
    const b = createRun(studio, { kind: 'train', config: cfg as never });
    assert.equal(a, b);
    logStep(node, a, 1, { metrics: { reward: 0.5, loss: Number.NaN }, episodes: [episode('q1', ['wrong', 'correct']), episode('q2', ['wrong', 'wrong', 'wrong'])] });
    addCheckpoint(node, a, 1, '/shared/runs/1/checkpoints/step-000001', 'training');
    logStep(node, a, 2, { metrics: { reward: 1 }, episodes: [episode('q3', ['correct'])] });
    addEvalResult(node, a, { step: 2, dataset: 'synthetic', k: 1, n: 4, correct: 3, decoding: 'greedy' });
    const fp = stepFingerprints(node, a);
    assert.deepEqual([...fp.keys()], [1, 2]);
    for (const step of [1, 2]) {
      const rec = readStepRecord(node, a, step);
      applyStepRecord(studio, b, rec);
      applyStepRecord(studio, b, JSON.parse(JSON.stringify(rec))); // a retry, as it arrives over HTTP
    }
    assert.deepEqual(dump(studio, b), dump(node, a));
    assert.equal((studio.prepare('SELECT count(*) n FROM episodes').get() as { n: number }).n, 3);

    // The node logs step 2 again (e.g. metrics added after an evaluation): its fingerprint changes, the studio's step is replaced.
    logStep(node, a, 2, { metrics: { 'eval/accuracy': 0.25 } });
    assert.notEqual(stepFingerprints(node, a).get(2), fp.get(2));
    assert.equal(stepFingerprints(node, a).get(1), fp.get(1));
    applyStepRecord(studio, b, readStepRecord(node, a, 2));
    assert.deepEqual(dump(studio, b), dump(node, a));
  } finally {
    node.close();
    studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ingest server: per-job token, a retried batch applied once, stop answered, final status written', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-ingest-'));
  const studio = openDb(path.join(dir, 'studio.db'));
  const node = openDb(path.join(dir, 'node.db'));
  const server = new RayIngestServer(studio);
  await server.start();
  try {
    const runId = createRun(studio, { kind: 'train', config: { steps: 1 } as never });
    createRun(node, { kind: 'train', config: { steps: 1 } as never });
    logStep(node, runId, 1, { metrics: { reward: 1 }, episodes: [episode('q1', ['correct'])] });
    const got: string[] = [];
    let stop = false;
    server.register('job-1', { runId, token: 't'.repeat(48), resume: false, lastSeq: 0, onMessage: (m) => got.push(m.type), stopRequested: () => stop });
    const post = (batch: IngestBatch, token = 't'.repeat(48)) =>
      fetch(`${server.url}/ray/batch`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-attempt-studio-job': 'job-1', 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    const batch: IngestBatch = {
      seq: 1,
      messages: [
        { type: 'started', runId, startStep: 0, runtime: { name: 'cpu', device: 'CPU', reason: 'test', tfBackend: 'cpu' } },
        { type: 'step', runId, step: 1, metrics: { reward: 1 } },
      ],
      records: [readStepRecord(node, runId, 1)],
    };
    assert.equal((await post(batch, 'x'.repeat(48))).status, 401);
    assert.equal(getRun(studio, runId)!.status, 'queued', 'nothing applied without the token');
    for (let i = 0; i < 3; i++) assert.deepEqual(await (await post(batch)).json(), { stop: false, seq: 1 });
    assert.deepEqual(got, ['started', 'step'], 'messages of a retried batch arrive once');
    assert.equal((studio.prepare('SELECT count(*) n FROM episodes').get() as { n: number }).n, 1);
    const running = getRun(studio, runId)!;
    assert.equal(running.status, 'running');
    assert.equal(running.pid, null, 'a Ray run has no local pid');
    stop = true;
    assert.equal(((await (await post({ seq: 2, messages: [], records: [] })).json()) as { stop: boolean }).stop, true);
    await post({ seq: 3, messages: [{ type: 'done', runId, status: 'stopped', steps: 1, error: null }], records: [], final: { status: 'stopped', error: null } });
    assert.equal(getRun(studio, runId)!.status, 'stopped');
    const snap = await fetch(`${server.url}/ray/snapshot`, { headers: { authorization: `Bearer ${'t'.repeat(48)}`, 'x-attempt-studio-job': 'job-1' } });
    assert.equal(((await snap.json()) as { runs: Array<{ id: number }> }).runs[0]!.id, runId);
  } finally {
    await server.close();
    studio.close();
    node.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a job's end as a process exit; resources from the run; an unreachable shared folder is refused before anything runs", async () => {
  assert.deepEqual(exitOfJob({ status: 'SUCCEEDED', driver_exit_code: 0 }), { code: 0, signal: null });
  assert.deepEqual(exitOfJob({ status: 'STOPPED' }), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(exitOfJob({ status: 'STOPPED' }, 'SIGKILL'), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(exitOfJob({ status: 'FAILED', driver_exit_code: -9 }), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(exitOfJob({ status: 'FAILED', driver_exit_code: null, message: 'node died' }), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(exitOfJob({ status: 'FAILED', driver_exit_code: 1 }), { code: 1, signal: null });
  assert.deepEqual(jobResources({ runtime: 'cpu' }, 1), { numCpus: 1, numGpus: 0 });
  assert.deepEqual(jobResources({ runtime: 'tfjs-node-gpu' }, 2, 3e9), { numCpus: 2, numGpus: 1, memoryBytes: 3e9 });
  // No estimate (an evaluation, or the dry run failed): no memory request, never a zero or NaN one.
  for (const none of [null, 0, Number.NaN]) assert.deepEqual(jobResources({ runtime: 'cpu' }, 1, none), { numCpus: 1, numGpus: 0 });
  const missing = path.join(tmpdir(), 'as-no-such-shared-folder');
  assert.match(checkSharedDir(missing) ?? '', /shared folder .* is not reachable \(ENOENT\): it must exist, be writable and be mounted at the same path/);
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-'));
  const db = openDb(path.join(dir, 's.db'));
  try {
    await assert.rejects(RayLauncher.create({ address: 'http://127.0.0.1:9', sharedDir: missing, db }), /^RayClusterError: Ray backend: the shared folder .* is not reachable/);
    await assert.rejects(RayLauncher.create({ address: 'http://127.0.0.1:9', sharedDir: dir, db }), /cannot reach the Ray dashboard at http:\/\/127\.0\.0\.1:9/);
    await assert.rejects(RayLauncher.create({ address: 'not a url', sharedDir: dir, db }), /is not a URL/);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the forwarder: a resumed job sends only the steps it made, never the seeded checkpoint step (which would wipe it)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-fwd-'));
  const studio = openDb(path.join(dir, 'studio.db'));
  const scratchPath = path.join(dir, 'scratch.db');
  const scratch = openDb(scratchPath);
  const server = new RayIngestServer(studio);
  await server.start();
  try {
    const runId = createRun(studio, { kind: 'train', config: { steps: 3 } as never });
    for (const step of [1, 2]) logStep(studio, runId, step, { metrics: { reward: step }, episodes: [episode(`q${step}`, ['correct'])] });
    addCheckpoint(studio, runId, 2, '/shared/ck2', 'training');
    // The resumed job has started (its 'started' message marks the run running): 'completed' is allowed only from running.
    markRunning(studio, runId, { pid: 0, pidStart: null });
    // The node's scratch as ray-entry seeds it: the run and its checkpoint rows, no step rows.
    createRun(scratch, { kind: 'train', config: { steps: 3 } as never });
    addCheckpoint(scratch, runId, 2, '/shared/ck2', 'training');
    const got: string[] = [];
    server.register('job-2', { runId, token: 'k'.repeat(48), resume: true, lastSeq: 0, onMessage: (m) => got.push(m.type), stopRequested: () => false });
    let stops = 0;
    const { Forwarder } = await import('../../../../backend/runs/ray/forwarder.js');
    const fwd = new Forwarder({ server: server.url, token: 'k'.repeat(48), jobId: 'job-2', runId, dbPath: scratchPath, onStop: () => stops++, intervalMs: 60_000 });
    fwd.markSeeded();
    logStep(scratch, runId, 3, { metrics: { reward: 3 }, episodes: [episode('q3', ['wrong', 'correct'])] });
    fwd.message({ type: 'step', runId, step: 3, metrics: { reward: 3 } });
    fwd.message({ type: 'done', runId, status: 'completed', steps: 3, error: null });
    await fwd.close();
    const perStep = studio.prepare('SELECT step, count(*) n FROM episodes WHERE run_id = ? GROUP BY step ORDER BY step').all(runId);
    assert.deepEqual(perStep, [{ step: 1, n: 1 }, { step: 2, n: 1 }, { step: 3, n: 1 }]);
    assert.deepEqual(got, ['step', 'done']);
    assert.equal(getRun(studio, runId)!.stepsDone, 3);
    assert.equal(stops, 0);
  } finally {
    await server.close();
    studio.close();
    scratch.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch the studio refuses (its run moved on) is answered 409 with the reason, changes nothing, and the forwarder gives up at once', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-ray-refuse-'));
  const studio = openDb(path.join(dir, 'studio.db'));
  const scratchPath = path.join(dir, 'scratch.db');
  const scratch = openDb(scratchPath);
  const server = new RayIngestServer(studio);
  await server.start();
  try {
    const runId = createRun(studio, { kind: 'train', config: { steps: 2 } as never });
    finishRun(studio, runId, 'stopped'); // stopped while its job was starting
    createRun(scratch, { kind: 'train', config: { steps: 2 } as never });
    logStep(scratch, runId, 1, { metrics: { reward: 1 }, episodes: [episode('q1', ['correct'])] });
    const got: string[] = [];
    server.register('job-3', { runId, token: 'r'.repeat(48), resume: false, lastSeq: 0, onMessage: (m) => got.push(m.type), stopRequested: () => false });
    const started = { type: 'started' as const, runId, startStep: 0, runtime: { name: 'cpu', device: 'CPU', reason: 'test', tfBackend: 'cpu' } };
    const res = await fetch(`${server.url}/ray/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'r'.repeat(48)}`, 'x-attempt-studio-job': 'job-3', 'content-type': 'application/json' },
      body: JSON.stringify({ seq: 1, messages: [started], records: [readStepRecord(scratch, runId, 1)] } satisfies IngestBatch),
    });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, new RegExp(`run ${runId} is stopped; a Ray job starts only a queued run`));
    assert.equal((studio.prepare('SELECT count(*) n FROM episodes').get() as { n: number }).n, 0, 'the refused batch left no rows');
    assert.deepEqual(got, [], 'and no messages');
    // The state machine's own refusal answers the same: a queued run cannot be reported completed.
    const queued = createRun(studio, { kind: 'train', config: { steps: 2 } as never });
    server.register('job-4', { runId: queued, token: 'q'.repeat(48), resume: false, lastSeq: 0, onMessage: () => undefined, stopRequested: () => false });
    const early = await fetch(`${server.url}/ray/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'q'.repeat(48)}`, 'x-attempt-studio-job': 'job-4' },
      body: JSON.stringify({ seq: 1, messages: [], records: [], final: { status: 'completed', error: null } } satisfies IngestBatch),
    });
    assert.equal(early.status, 409);
    assert.match(((await early.json()) as { error: string }).error, new RegExp(`run ${queued} is queued; it cannot become completed`));
    const bad = await fetch(`${server.url}/ray/batch`, { method: 'POST', headers: { authorization: `Bearer ${'r'.repeat(48)}`, 'x-attempt-studio-job': 'job-3' }, body: '{"seq": 1,' });
    assert.equal(bad.status, 400, 'a malformed batch is the sender’s fault, not a server error');

    const { Forwarder } = await import('../../../../backend/runs/ray/forwarder.js');
    const refusals: string[] = [];
    const fwd = new Forwarder({ server: server.url, token: 'r'.repeat(48), jobId: 'job-3', runId, dbPath: scratchPath, onStop: () => assert.fail('no stop'), onRefused: (r) => refusals.push(r), intervalMs: 60_000, retryForMs: 600_000 });
    fwd.message(started);
    await fwd.flush(); // a 5xx would be retried for retryForMs (10 min): a 409 ends at once
    await fwd.flush();
    await fwd.close();
    assert.equal(refusals.length, 1, 'refused once, then nothing more is sent');
    assert.match(refusals[0]!, /refused batch 1: 409 .*a Ray job starts only a queued run/);
    assert.equal(getRun(studio, runId)!.status, 'stopped');
    assert.equal((studio.prepare('SELECT count(*) n FROM episodes').get() as { n: number }).n, 0);
  } finally {
    await server.close();
    studio.close();
    scratch.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
