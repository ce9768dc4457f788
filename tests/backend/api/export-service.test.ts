// The explorer and export methods through the service on a real SQLite file (contract validation included),
// and the HTTP download route: only plain .csv names inside the export folder, only with the token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBackend, type Backend } from '../../../backend/api/backend.js';
import { ApiError, parseInput, type MethodInput, type MethodName, type MethodOutput } from '../../../backend/api/contract.js';
import { startHttpServer } from '../../../backend/api/http-server.js';
import { addCheckpoint, createRun, logStep } from '../../../backend/db/run-store.js';
import { encodeSafetensors } from '../../../backend/model/formats/safetensors.js';
import { parseCsv } from '../../../backend/export/csv.js';

let dir: string;
let backend: Backend;
let runId: number;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-xs-'));
  backend = createBackend({ dbPath: path.join(dir, 'studio.db') });
  runId = createRun(backend.db, { kind: 'train', config: { steps: 3 }, name: 'r' });
  for (let step = 1; step <= 3; step++)
    logStep(backend.db, runId, step, {
      metrics: { reward: step / 10 },
      episodes: [1, 2].map((i) => ({
        split: 'train' as const,
        dataset: i === 1 ? 'synthetic' : 'math500',
        questionId: `q${i}`,
        question: `Q${i}`,
        gold: '4',
        attemptsAllowed: 2,
        reward: -0.5,
        attempts: [
          { response: 'a \\boxed{5}', extracted: '5', verdict: 'wrong' as const, tokens: 3 },
          { response: 'b \\boxed{5}', extracted: '5', verdict: 'wrong' as const, tokens: 3 },
        ],
      })),
    });
});
after(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call<M extends MethodName>(m: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  return (backend.handlers[m] as (i: unknown) => Promise<MethodOutput<M>>)(parseInput(m, input));
}
async function fails<M extends MethodName>(m: M, input: MethodInput<M>, status: number, field: string, re?: RegExp) {
  await assert.rejects(call(m, input), (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.status, status, e.message);
    assert.equal(e.field, field, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('episodes:list pages with the new filters and validates its cursor; unknown runs are 404', async () => {
  const p1 = await call('episodes:list', { runId, dataset: 'math500', repeatedWrongAnswer: true, limit: 2 });
  assert.deepEqual(p1.items.map((e) => [e.step, e.dataset, e.repeats]), [[1, 'math500', 1], [2, 'math500', 1]]);
  const p2 = await call('episodes:list', { runId, dataset: 'math500', repeatedWrongAnswer: true, limit: 2, cursor: p1.nextCursor! });
  assert.deepEqual(p2.items.map((e) => e.step), [3]);
  assert.equal(p2.nextCursor, null);
  await fails('episodes:list', { runId, cursor: '12' }, 400, 'cursor');
  await fails('episodes:list', { runId: 99 }, 404, 'runId');
  await fails('episodes:facets', { runId: 99 }, 404, 'runId');
});

test('export:csv writes to the export folder (with a download URL) or to a checked path; 409 without overwrite', async () => {
  const a = await call('export:csv', { table: 'metrics', runIds: [runId] });
  assert.equal(a.rows, 3);
  assert.equal(path.dirname(a.path), backend.exportDir);
  assert.equal(a.downloadUrl, `exports/${a.fileName}`);
  const b = await call('export:csv', { table: 'metrics', runIds: [runId] });
  assert.notEqual(b.fileName, a.fileName, 'a fresh name per export');

  const target = path.join(dir, 'attempts.csv');
  const c = await call('export:csv', { table: 'attempts', episodes: { runId, stepMin: 2 }, path: target });
  assert.equal(c.downloadUrl, null);
  assert.equal(c.rows, 2 * 2 * 2);
  const rows = parseCsv(readFileSync(target, 'utf8').slice(1));
  assert.deepEqual(new Set(rows.slice(1).map((r) => r[2])), new Set(['2', '3']));
  await fails('export:csv', { table: 'attempts', episodes: { runId }, path: target }, 409, 'path', /overwrite: true/);
  assert.equal((await call('export:csv', { table: 'attempts', episodes: { runId }, path: target, overwrite: true })).rows, 12);
  await fails('export:csv', { table: 'metrics', path: 'rel.csv' }, 400, 'path', /absolute/);
  await fails('export:csv', { table: 'metrics', path: `${dir}/sub/../x.csv` }, 400, 'path', /'\.\.'/);
  await fails('export:csv', { table: 'metrics', path: `${dir}/x.txt` }, 400, 'path', /\.csv/);
  await fails('export:csv', { table: 'episodes' }, 400, 'episodes');
  await fails('export:csv', { table: 'metrics', episodes: { runId } }, 400, 'episodes');
  await fails('export:csv', { table: 'metrics', runIds: [99] }, 404, 'runId');
});

test('export:checkpoint copies the latest (or a chosen) checkpoint; refuses traversal, overlap and clobbering', async () => {
  await fails('export:checkpoint', { runId, destination: path.join(dir, 'm0') }, 409, 'runId', /no checkpoint yet/);
  const ck = path.join(dir, 'runs', String(runId), 'step-000003');
  mkdirSync(ck, { recursive: true });
  writeFileSync(path.join(ck, 'model.safetensors'), encodeSafetensors(new Map([['w', { data: new Float32Array([1]), shape: [1] }]])));
  writeFileSync(path.join(ck, 'config.json'), '{"vocab_size": 7}');
  addCheckpoint(backend.db, runId, 3, ck, 'attempt-studio-train-v1');
  const r = await call('export:checkpoint', { runId, destination: path.join(dir, 'm1') });
  assert.equal(r.step, 3);
  assert.deepEqual(readdirSync(path.join(dir, 'm1')).sort(), ['config.json', 'model.safetensors']);
  await fails('export:checkpoint', { runId, destination: path.join(dir, 'm1') }, 409, 'destination', /not empty/);
  await fails('export:checkpoint', { runId, destination: `${dir}/x/../../m2` }, 400, 'destination', /'\.\.'/);
  await fails('export:checkpoint', { runId, destination: path.join(ck, 'inside') }, 400, 'destination', /overlaps/);
  await fails('export:checkpoint', { runId, step: 2, destination: path.join(dir, 'm3') }, 404, 'step');
  rmSync(ck, { recursive: true });
  await fails('export:checkpoint', { runId, destination: path.join(dir, 'm4') }, 410, 'runId', /gone/);
});

test('the HTTP download route serves export-folder CSVs only, by plain name, with the token', async () => {
  const token = 'download-token-123456';
  const server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token, port: 0, exportDir: backend.exportDir });
  try {
    const a = await call('export:csv', { table: 'metrics' });
    const get = (p: string, auth = true) => fetch(`${server.url}${p}`, { headers: auth ? { Authorization: `Bearer ${token}` } : {} });
    const ok = await get(a.downloadUrl!);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-disposition')!, new RegExp(`attachment; filename="${a.fileName}"`));
    assert.equal(parseCsv((await ok.text()).slice(1)).length, 4);
    assert.equal((await get(a.downloadUrl!, false)).status, 401);
    writeFileSync(path.join(dir, 'secret.csv'), 'x');
    for (const bad of ['exports/..%2Fsecret.csv', 'exports/%2e%2e/secret.csv', 'exports/nope.csv', 'exports/studio.db', 'exports/.hidden.csv'])
      assert.equal((await get(bad)).status, 404, bad);
  } finally {
    await server.close();
  }
});
