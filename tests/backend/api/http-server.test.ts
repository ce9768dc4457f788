// The API over real HTTP on 127.0.0.1 with a temp SQLite file: token checks, loopback bind, every method,
// input errors naming the field, body limit, ordered events over SSE from a real worker, SSE cleanup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createBackend, type Backend } from '../../../backend/api/backend.js';
import { startHttpServer, type HttpServerHandle } from '../../../backend/api/http-server.js';
import { METHOD_NAMES, type MethodName } from '../../../backend/api/contract.js';
import { addEvalResult } from '../../../backend/db/run-store.js';
import { EVAL_MAX_K, EVAL_SAMPLED_TEMPERATURE, EVAL_SEED } from '../../../backend/eval/eval-defaults.js';
import { tinySetup, type TinySetup } from '../runs/tiny-run.js';
import { writeTinyTokenizer } from '../model/hf-fixtures.js';

const TOKEN = 'test-token-0123456789';
let s: TinySetup;
let backend: Backend;
let server: HttpServerHandle;

before(async () => {
  s = await tinySetup('as-api-');
  backend = createBackend({ dbPath: s.dbPath, settingsFile: path.join(s.dir, 'settings.json') });
  server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token: TOKEN, port: 0, maxBodyBytes: 64 * 1024, exportDir: backend.exportDir });
});
after(async () => {
  await server.close();
  await backend.close();
  s.cleanup();
});

async function call(method: string, input?: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${server.url}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: input === undefined ? '' : JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** An SSE connection: parsed events as they arrive, and a way to drop it. */
function openEvents(): Promise<{ events: Array<{ id: number; name: string; data: any }>; close(): void }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ id: number; name: string; data: any }> = [];
    const req = http.get(`${server.url}api/events?token=${TOKEN}`, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (f.event) events.push({ id: Number(f.id), name: f.event, data: JSON.parse(f.data!) });
        }
      });
      res.on('error', () => {});
      resolve({ events, close: () => req.destroy() });
    });
    req.on('error', (e) => (events.length === 0 ? reject(e) : undefined));
  });
}

const until = async (pred: () => boolean, what: string, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('token: health is 200 with it (header or query), 401 without or with a wrong one; every path is guarded', async () => {
  assert.equal((await fetch(`${server.url}api/health`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await fetch(`${server.url}api/health?token=${TOKEN}`)).status, 200);
  assert.equal((await fetch(`${server.url}api/health`)).status, 401);
  assert.equal((await fetch(`${server.url}api/health`, { headers: { Authorization: `Bearer ${TOKEN}x` } })).status, 401);
  assert.equal((await fetch(`${server.url}api/health?token=nope`)).status, 401);
  assert.equal((await call('runs:list', {}, null)).status, 401);
  assert.equal((await call('runs:list', {}, 'wrong-token-0123456789')).status, 401);
  assert.equal((await fetch(`${server.url}`)).status, 401);
  assert.equal((await fetch(`${server.url}api/events`)).status, 401);
});

test('binds 127.0.0.1 only', async () => {
  assert.equal(server.host, '127.0.0.1');
  assert.match(server.urlWithToken, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=${TOKEN}$`));
  const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  if (external) {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const sock = net.connect(server.port, external.address);
      sock.once('connect', () => (sock.destroy(), resolve(null)));
      sock.once('error', (e) => resolve(e));
    });
    assert.equal(err?.code, 'ECONNREFUSED', `reachable on ${external.address}`);
  }
});

test('the page: titled "Attempt Studio", strict CSP, sets the token cookie the page then uses', async () => {
  const res = await fetch(server.urlWithToken);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<title>Attempt Studio<\/title>/);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
  const cookie = res.headers.get('set-cookie')!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const withCookie = await fetch(`${server.url}api/health`, { headers: { Cookie: cookie.split(';')[0]! } });
  assert.equal(withCookie.status, 200);
});

test('invalid input → 400 naming the field; unknown method 404; wrong verb 405; body limit 413; bad JSON 400', async () => {
  const a = await call('runs:get', { runId: 'one' });
  assert.equal(a.status, 400);
  assert.equal(a.body.field, 'runId');
  assert.match(a.body.error, /runId/);
  const b = await call('episodes:list', { runId: 1, limit: 10_000 });
  assert.equal(b.status, 400);
  assert.equal(b.body.field, 'limit');
  const c = await call('runs:list', { bogus: 1 });
  assert.equal(c.status, 400);
  assert.equal(c.body.field, 'bogus');
  const d = await call('runs:start', { config: { steps: 0, task: { maxAttempts: 'five' } } });
  assert.equal(d.status, 400);
  assert.match(d.body.field, /^config\./);
  assert.match(d.body.error, /steps/);
  assert.match(d.body.error, /task\.maxAttempts/);
  const e = await call('runs:delete', { runId: 1 });
  assert.equal(e.status, 400);
  assert.equal(e.body.field, 'confirm');
  assert.equal((await call('runs:nope', {})).status, 404);
  assert.equal((await fetch(`${server.url}api/runs:list?token=${TOKEN}`)).status, 405);
  const big = await call('config:validate', { config: { name: 'x'.repeat(70 * 1024) } });
  assert.equal(big.status, 413);
  const bad = await fetch(`${server.url}api/runs:list`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: '{' });
  assert.equal(bad.status, 400);
  assert.equal((await call('runs:get', { runId: 999 })).status, 404);
});

test('every method answers; a real run streams its events in order over SSE', async () => {
  const sse = await openEvents();
  await until(() => server.sseClients === 1, 'sse client registered');
  const answered = new Set<MethodName>();
  const ok = async (m: MethodName, input?: unknown) => {
    const r = await call(m, input);
    assert.equal(r.status, 200, `${m}: ${JSON.stringify(r.body)}`);
    answered.add(m);
    return r.body;
  };
  const presets = await ok('config:presets');
  assert.ok(presets.some((p: any) => p.name === 'builtin-multi-attempt' && p.config.task.mode === 'multi-attempt'));
  const schema = await ok('config:schema');
  assert.ok(schema.some((f: any) => f.path === 'task.maxAttempts' && f.description.length > 0));
  assert.equal((await ok('config:validate', { config: s.config(2) })).ok, true);
  const invalid = await ok('config:validate', { config: { steps: -1 } });
  assert.equal(invalid.ok, false);
  assert.equal(invalid.problems[0].path, 'steps');
  const datasets = await ok('datasets:list');
  assert.ok(datasets.some((d: any) => d.name === 'math500' && d.benchmark));
  const sys = await ok('system:runtime');
  assert.equal(sys.db, s.dbPath);
  assert.equal(sys.concurrency, 1);
  assert.ok(sys.runtime?.name || sys.runtimeError, 'the runtime probe answered');

  const started = await ok('runs:start', { config: s.config(2, 1), name: 'api run' });
  const runId = started.runId as number;
  await until(() => sse.events.some((e) => e.name === 'runs:status' && e.data.runId === runId && e.data.status === 'completed'), 'run completed');
  const list = await ok('runs:list', {});
  assert.equal(list[0].id, runId);
  assert.equal(list[0].name, 'api run');
  assert.equal(list[0].status, 'completed');
  assert.equal(list[0].totalSteps, 2);
  const rewards = (await ok('metrics:get', { runId, names: ['reward'] })).series.reward;
  assert.equal(list[0].lastReward, rewards.at(-1).value, 'the list carries the last logged reward');
  const edited = await ok('runs:update', { runId, tags: ['ablation', 'k5', 'ablation'], notes: 'first try\nline 2' });
  assert.deepEqual(edited.tags, ['ablation', 'k5'], 'tags are de-duplicated');
  assert.equal(edited.notes, 'first try\nline 2');
  assert.equal(edited.name, 'api run', 'unnamed fields stay as they were');
  assert.equal((await ok('runs:update', { runId, name: 'renamed' })).tags.length, 2);
  assert.equal((await ok('runs:get', { runId })).notes, 'first try\nline 2');
  const emptyTag = await call('runs:update', { runId, tags: ['  '] });
  assert.equal(emptyTag.status, 400);
  assert.equal(emptyTag.body.field, 'tags.0');
  assert.equal((await call('runs:update', { runId: 99999, notes: 'x' })).status, 404);
  const logs = await ok('runs:logs', { runId });
  assert.deepEqual(logs.filter((l: any) => l.line.startsWith('status:')).map((l: any) => l.line.split(' ')[1]), ['queued', 'running', 'completed']);
  assert.ok(logs.some((l: any) => /training questions/.test(l.line)), 'worker log lines are kept');
  const detail = await ok('runs:get', { runId });
  assert.deepEqual(detail.checkpoints.map((c: any) => c.step), [1, 2]);
  assert.ok(detail.metricNames.includes('reward'));
  const metrics = await ok('metrics:get', { runId, names: ['reward'] });
  assert.deepEqual(metrics.series.reward.map((p: any) => p.step), [1, 2]);
  const page1 = await ok('episodes:list', { runId, split: 'train', limit: 3 });
  assert.equal(page1.items.length, 3);
  assert.notEqual(page1.nextCursor, null);
  const page2 = await ok('episodes:list', { runId, split: 'train', limit: 3, cursor: page1.nextCursor });
  assert.equal(page2.items.length, 1, '2 steps × 2 episodes = 4 in all');
  assert.equal(page2.nextCursor, null);
  assert.ok(page2.items[0].id > page1.items[2].id);
  const step2 = await ok('episodes:list', { runId, split: 'train', stepMin: 2, stepMax: 2 });
  assert.ok(step2.items.every((e: any) => e.step === 2) && step2.items.length === 2);
  const later = await ok('episodes:list', { runId, solvedOnLaterAttempt: true });
  assert.ok(later.items.every((e: any) => e.solvedAt > 0));
  const ep = await ok('episodes:get', { episodeId: page1.items[0].id });
  assert.equal(ep.attempts.length, ep.attemptsUsed);
  addEvalResult(backend.db, runId, { dataset: 'math500', k: 2, n: 10, correct: 3, decoding: 'greedy', step: 2 });
  const evals = await ok('eval:results', { runId });
  // The run's own final held-out evaluation is there too.
  assert.ok(evals.some((e: any) => e.dataset === 'held-out' && e.k === 1));
  const added = evals.find((e: any) => e.dataset === 'math500');
  assert.equal(added.accuracy, 0.3);
  assert.equal(added.metric, 'k_attempt');
  assert.equal(added.skipped, 0);
  // Model-aware evaluation defaults: the built-in model's small ones; the seed's for a folder with tokenizer.json.
  const builtinDefaults = await ok('eval:defaults', { checkpoint: s.base });
  assert.deepEqual([builtinDefaults.kind, builtinDefaults.datasets, builtinDefaults.maxAttempts, builtinDefaults.protocol, builtinDefaults.maxTokensPerAttempt], ['builtin', ['synthetic'], 5, 'one-episode', 64]);
  assert.equal((await ok('eval:defaults', { runId })).kind, 'builtin');
  // What every kind shares comes from eval-defaults.ts too: the bound on K and N, the sampled temperature, the seed.
  assert.deepEqual([builtinDefaults.maxK, builtinDefaults.sampledTemperature, builtinDefaults.seed], [EVAL_MAX_K, EVAL_SAMPLED_TEMPERATURE, EVAL_SEED]);
  const hfDir = path.join(s.dir, 'hf-tokenizer-only');
  writeTinyTokenizer(hfDir);
  const hfDefaults = await ok('eval:defaults', { checkpoint: hfDir });
  assert.deepEqual(
    [hfDefaults.kind, hfDefaults.datasets, hfDefaults.maxAttempts, hfDefaults.protocol, hfDefaults.maxTokensPerAttempt, hfDefaults.maxTotalTokens],
    ['hf', ['aime24', 'amc23', 'math500', 'minerva_math', 'olympiadbench'], 7, 'separate', 8000, 8000],
  );
  const bothTargets = await call('eval:start', { checkpoint: s.base, runId });
  assert.equal(bothTargets.status, 400);
  assert.equal(bothTargets.body.field, 'checkpoint');
  const badSet = await call('eval:start', { checkpoint: s.base, datasets: ['nope'] });
  assert.equal(badSet.status, 400);
  assert.equal(badSet.body.field, 'datasets');
  const ev = await ok('eval:start', { checkpoint: s.base, datasets: ['synthetic'], attempts: 2, limit: 2, batchSize: 2, maxTokensPerAttempt: 6 });
  await until(() => sse.events.some((e) => e.name === 'runs:status' && e.data.runId === ev.runId && ['completed', 'failed'].includes(e.data.status)), 'eval run finished');
  const evRun = await ok('runs:get', { runId: ev.runId });
  assert.equal(evRun.kind, 'eval');
  assert.equal(evRun.status, 'completed', String(evRun.error));
  const evRows = await ok('eval:results', { runId: ev.runId });
  assert.ok(Array.isArray(await ok('eval:comparisons', { runId: ev.runId })), 'the multi-attempt comparisons of a stored evaluation');
  assert.deepEqual(evRows.map((r: any) => [r.dataset, r.k, r.n]), [['synthetic', 1, 2], ['synthetic', 2, 2]]);
  // A training run is evaluated by default on its own held-out split, with its own token budget (issue #24).
  const own = await ok('eval:start', { runId, attempts: 2, limit: 2, batchSize: 2 });
  await until(() => sse.events.some((e) => e.name === 'runs:status' && e.data.runId === own.runId && ['completed', 'failed'].includes(e.data.status)), 'held-out eval finished');
  const ownRun = await ok('runs:get', { runId: own.runId });
  assert.equal(ownRun.status, 'completed', String(ownRun.error));
  assert.deepEqual(ownRun.config.datasets, ['held-out']);
  assert.equal(ownRun.config.maxTokensPerAttempt, 6, "the run's generation.maxTokensPerAttempt");
  assert.deepEqual((await ok('eval:results', { runId: own.runId })).map((r: any) => [r.dataset, r.k, r.n]), [['held-out', 1, 2], ['held-out', 2, 2]]);
  const listed = (await ok('runs:list', {})) as any[];
  const ownSummary = listed.find((r) => r.id === own.runId);
  assert.equal(ownSummary.evalAccuracy.length, 1);
  assert.equal(ownSummary.evalAccuracy[0].dataset, 'held-out');
  assert.equal(ownSummary.evalAccuracy[0].metric, 'k_attempt');
  assert.equal(ownSummary.evalAccuracy[0].byK.length, 2);
  const trainSummary = listed.find((r) => r.id === runId);
  assert.ok(trainSummary.setupSeconds > 0 && trainSummary.trainingSeconds > 0, `time split: ${trainSummary.setupSeconds} / ${trainSummary.trainingSeconds}`);
  assert.equal(trainSummary.phase, null, 'no phase once finished');
  const heldOutOfFolder = await call('eval:start', { checkpoint: s.base, datasets: ['held-out'] });
  assert.equal(heldOutOfFolder.status, 400);
  assert.match(heldOutOfFolder.body.error, /give runId/);
  // The memory estimate before launch (train --dry-run in a child process).
  const est = await ok('config:estimate', { config: s.config(2) });
  assert.equal(est.fits, true, JSON.stringify(est));
  assert.ok(est.peakBytes > 0 && est.availableBytes > est.peakBytes && typeof est.available === 'string');
  // Path checks beside the form's fields.
  assert.deepEqual(await ok('paths:check', { field: 'model.checkpoint', path: s.base }), { ok: true, message: null });
  const missing = await ok('paths:check', { field: 'dataset.source', path: `${s.dir}/nope.jsonl` });
  assert.equal(missing.ok, false);
  assert.match(missing.message, /does not exist/);
  assert.match((await ok('paths:check', { field: 'model.source', path: 'relative/dir' })).message, /relative path/);
  const shipped = path.resolve(import.meta.dirname, '../../../resources/base-models');
  assert.deepEqual(await ok('models:base', {}), { cached: existsSync(shipped) && readdirSync(shipped).some((n) => n.startsWith('base-')) }, 'the shipped base model counts; the tiny runs cache none');
  const evEpisodes = await ok('episodes:list', { runId: ev.runId, split: 'eval' });
  assert.equal(evEpisodes.items.length, 2);
  const facets = await ok('episodes:facets', { runId });
  assert.deepEqual(facets, { datasets: ['held-out', 'synthetic'], splits: ['eval', 'train'], stepMin: 1, stepMax: 2 }, 'training episodes and the final held-out evaluation');
  const csv = await ok('export:csv', { table: 'episodes', episodes: { runId, split: 'train' } });
  assert.equal(csv.rows, 4);
  const download = await fetch(`${server.url}${csv.downloadUrl}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(download.status, 200);
  assert.match(download.headers.get('content-type')!, /text\/csv/);
  assert.equal((await download.text()).split('\r\n').length, 1 + 4 + 1, 'header, 4 rows, final CRLF');
  assert.equal((await fetch(`${server.url}${csv.downloadUrl}`)).status, 401, 'downloads need the token');
  const exported = await ok('export:checkpoint', { runId, destination: `${s.dir}/exported-model` });
  assert.deepEqual(exported.files.map((f: any) => f.name).sort(), ['char_tokenizer.json', 'config.json', 'model.safetensors', 'run.json']);
  await ok('runs:resume', { runId, steps: 3 });
  await until(() => sse.events.filter((e) => e.name === 'runs:status' && e.data.runId === runId && e.data.status === 'completed').length === 2, 'resumed run completed');
  const stop = await call('runs:stop', { runId });
  assert.equal(stop.status, 409, 'a finished run cannot be stopped');
  answered.add('runs:stop');
  const del = await ok('runs:delete', { runId, confirm: true });
  assert.equal(del.runId, runId);
  assert.equal((await call('runs:get', { runId })).status, 404);
  // A sweep (issue #19): baseline + multi-attempt per seed, queued, each evaluated at the end with K ≥ 5.
  const badSweep = await call('sweeps:start', { config: { ...s.config(1), steps: -1 }, seeds: 1 });
  assert.equal(badSweep.status, 400);
  assert.equal(badSweep.body.field, 'config.steps');
  const sweep = await ok('sweeps:start', { config: { ...s.config(1, 0), eval: { everySteps: 0, maxQuestions: 2 } }, seeds: 1, name: 'api sweep' });
  assert.equal(sweep.runIds.length, 2);
  for (const id of sweep.runIds)
    await until(() => sse.events.some((e) => e.name === 'runs:status' && e.data.runId === id && ['completed', 'failed'].includes(e.data.status)), `sweep run ${id} finished`);
  const swept = ((await ok('runs:list', {})) as any[]).filter((r) => sweep.runIds.includes(r.id));
  assert.deepEqual(swept.map((r) => r.name).sort(), ['api sweep · baseline · seed 1', 'api sweep · multi-attempt · seed 1']);
  assert.ok(swept.every((r) => r.status === 'completed' && r.tags.includes('sweep') && r.config.eval.attempts === 5), JSON.stringify(swept.map((r) => [r.status, r.error])));
  for (const id of sweep.runIds) assert.deepEqual((await ok('eval:results', { runId: id })).map((r: any) => r.k), [1, 2, 3, 4, 5], 'evaluated at the end, k = 1..5');
  for (const m of ['dialog:openFile', 'dialog:openFolder', 'dialog:saveFile'] as const) {
    const r = await call(m, {});
    assert.equal(r.status, 501, m);
    answered.add(m);
  }
  // Where runs execute (the Settings page): this machine; a closed port is "not connected"; saving this machine.
  assert.deepEqual((await ok('cluster:get')).active, { backend: 'local' });
  assert.equal((await ok('cluster:test', { address: 'http://127.0.0.1:9' })).ok, false);
  assert.equal((await ok('cluster:save', { ray: null })).applied, true);
  assert.deepEqual([...answered].sort(), [...METHOD_NAMES].sort(), 'every contract method was called');

  const evKinds = sse.events.filter((e) => e.data.runId === ev.runId && e.name === 'runs:status').map((e) => e.data.status);
  assert.deepEqual(evKinds, ['queued', 'running', 'completed']);
  const mine = sse.events.filter((e) => e.data.runId === runId);
  assert.deepEqual(mine.filter((e) => e.name === 'runs:phase').map((e) => e.data.phase.name), ['setup', 'training', 'setup', 'training'], 'phases of both sessions');
  const kinds = mine.filter((e) => e.name !== 'runs:log' && e.name !== 'runs:phase').map((e) => (e.name === 'runs:status' ? e.data.status : `step${e.data.step}`));
  assert.deepEqual(kinds, ['queued', 'running', 'step1', 'step2', 'completed', 'queued', 'running', 'step3', 'completed']);
  assert.ok(sse.events.every((e, i) => i === 0 || e.id > sse.events[i - 1]!.id), 'ids increase');
  sse.close();
});

test('a client that disconnects is cleaned up (no leaked SSE clients or listeners)', async () => {
  await until(() => server.sseClients === 0, 'earlier clients gone', 5000);
  const before = backend.events.listenerCount;
  const a = await openEvents();
  const b = await openEvents();
  await until(() => server.sseClients === 2, 'two clients');
  assert.equal(backend.events.listenerCount, before + 2);
  a.close();
  b.close();
  await until(() => server.sseClients === 0, 'clients gone', 5000);
  assert.equal(backend.events.listenerCount, before);
});
