// The faults a probe found in browser mode (issue 18), each against a real HTTP server over a real SQLite file:
// exports outside their places, spreadsheet formulas in CSVs, datasets that are not datasets, an out-of-range
// cursor, a chunked body over the limit, a Content-Type matched as a substring, the built page's headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../../../backend/api/backend.js';
import { startHttpServer, type HttpServerHandle } from '../../../backend/api/http-server.js';
import { createRun, logStep } from '../../../backend/db/run-store.js';
import { parseCsv } from '../../../backend/export/csv.js';

const TOKEN = 'probe-token-0123456789';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let dir: string;
let backend: Backend;
let server: HttpServerHandle;
let runId: number;
/** The path the desktop app's save dialog "returns" (a stand-in for Electron's dialog: the one part not run here). */
let picked: string | null = null;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-probe-'));
  backend = createBackend({
    dbPath: path.join(dir, 'studio.db'),
    dialogs: {
      'dialog:openFile': async () => ({ path: null }),
      'dialog:openFolder': async () => ({ path: picked }),
      'dialog:saveFile': async () => ({ path: picked }),
    },
  });
  runId = createRun(backend.db, { kind: 'train', config: { steps: 1 }, name: '=HYPERLINK("http://evil.example","run")' });
  logStep(backend.db, runId, 1, {
    metrics: { reward: -0.5 },
    episodes: [
      {
        split: 'train',
        dataset: 'synthetic',
        questionId: 'q1',
        question: '@SUM(1+1)*cmd',
        gold: '-3',
        attemptsAllowed: 1,
        reward: -0.5,
        attempts: [{ response: "=cmd|' /C calc'!A0", extracted: '+1+1', verdict: 'wrong', tokens: 3 }],
      },
    ],
  });
  server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token: TOKEN, port: 0, exportDir: backend.exportDir, staticDir: path.join(ROOT, 'renderer/dist') });
});
after(async () => {
  await server.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, input: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) {
  const res = await fetch(`${server.url}api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, ...headers }, body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as any };
}

test('exports go only to the export folder, home, the temporary folder or a dialog pick; never the install or system folders', async () => {
  const install = await call('export:csv', { table: 'metrics', path: path.join(ROOT, 'probe-export.csv') });
  assert.equal(install.status, 400, JSON.stringify(install.body));
  assert.equal(install.body.field, 'path');
  assert.match(install.body.error, /where the studio never writes/);
  assert.equal(existsSync(path.join(ROOT, 'probe-export.csv')), false);
  for (const p of ['/etc/as-probe.csv', '/proc/as-probe.csv', '/proc/self/as-probe.csv']) {
    const r = await call('export:csv', { table: 'metrics', path: p });
    assert.equal(r.status, 400, `${p}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, /never writes/);
  }
  // The data folder's own files (checkpoints) are not an export destination either.
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  assert.equal((await call('export:csv', { table: 'metrics', path: path.join(dir, 'runs', 'x.csv') })).status, 400);
  // Allowed: the temporary folder (and home, the export folder).
  const ok = await call('export:csv', { table: 'metrics', path: path.join(dir, 'metrics.csv') });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // Outside every allowed place (/var/tmp is neither home nor the temporary folder here): refused until picked in the dialog.
  if (existsSync('/var/tmp') && !tmpdir().startsWith('/var/tmp')) {
    const outside = mkdtempSync('/var/tmp/as-probe-');
    try {
      const target = path.join(outside, 'picked.csv');
      const refused = await call('export:csv', { table: 'metrics', path: target });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error, /outside the places exports may go/);
      picked = target;
      assert.equal((backend.handlers['dialog:saveFile'] as (i: unknown) => Promise<{ path: string | null }>)({}) instanceof Promise, true);
      assert.equal((await (backend.handlers['dialog:saveFile'] as (i: unknown) => Promise<{ path: string | null }>)({})).path, target);
      const after = await call('export:csv', { table: 'metrics', path: target });
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.ok(existsSync(target));
      // Only the exact pick: its sibling stays refused.
      assert.equal((await call('export:csv', { table: 'metrics', path: path.join(outside, 'other.csv') })).status, 400);
    } finally {
      rmSync(outside, { recursive: true, force: true });
      picked = null;
    }
  }
});

test('CSV exports neutralise formula cells (OWASP) and keep numbers numeric', async () => {
  const a = await call('export:csv', { table: 'attempts', episodes: { runId } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const rows = parseCsv(readFileSync(a.body.path, 'utf8').slice(1));
  const col = (name: string) => rows[1]![rows[0]!.indexOf(name)];
  assert.equal(col('response'), "'=cmd|' /C calc'!A0");
  assert.equal(col('extracted'), "'+1+1");
  assert.equal(col('gold'), '-3', 'a plain number stays a number');
  const e = await call('export:csv', { table: 'episodes', episodes: { runId } });
  const erows = parseCsv(readFileSync(e.body.path, 'utf8').slice(1));
  assert.equal(erows[1]![erows[0]!.indexOf('question')], "'@SUM(1+1)*cmd");
  assert.equal(erows[1]![erows[0]!.indexOf('reward')], '-0.5');
  const m = await call('export:csv', { table: 'metrics', runIds: [runId] });
  const mrows = parseCsv(readFileSync(m.body.path, 'utf8').slice(1));
  assert.ok(mrows.slice(1).some((r) => r.includes('-0.5')), JSON.stringify(mrows));
  assert.equal(mrows[1]![mrows[0]!.indexOf('run_name')], `'=HYPERLINK("http://evil.example","run")`);
  assert.ok(mrows.slice(1).every((r) => r.every((c) => !/^[=+@]/.test(c))), JSON.stringify(mrows));
});

test('a dataset that is not a dataset is refused before queueing, and config:validate agrees', async () => {
  for (const [source, re] of [
    ['/etc/passwd', /is not a dataset/],
    ['package.json', /resolved against the data folder/],
    ['no-such-dataset', /unknown dataset 'no-such-dataset'/],
    [path.join(dir, 'missing.jsonl'), /no dataset file/],
  ] as const) {
    const config = { dataset: { source } };
    const r = await call('runs:start', { config });
    assert.equal(r.status, 400, `${source}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, 'config.dataset.source');
    assert.match(r.body.error, re);
    const v = await call('config:validate', { config });
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, false, `${source}: config:validate must agree`);
    assert.equal(v.body.problems[0].path, 'dataset.source');
    assert.match(v.body.problems[0].message, re);
  }
  writeFileSync(path.join(dir, 'nofields.jsonl'), '{"q": "1+1", "a": "2"}\n');
  const nf = await call('runs:start', { config: { dataset: { source: path.join(dir, 'nofields.jsonl') } } });
  assert.equal(nf.status, 400);
  assert.match(nf.body.error, /nofields\.jsonl:1: no question/);
  writeFileSync(path.join(dir, 'few.jsonl'), '{"question": "1+1", "answer": "2"}\n');
  assert.match((await call('runs:start', { config: { dataset: { source: 'few.jsonl' } } })).body.error, /not more than dataset\.heldOut/);
  // A relative file in the data folder: accepted, stored absolute.
  writeFileSync(path.join(dir, 'mine.jsonl'), Array.from({ length: 5 }, (_, i) => JSON.stringify({ question: `${i}+1`, answer: String(i + 1) })).join('\n'));
  const v = await call('config:validate', { config: { dataset: { source: 'mine.jsonl', heldOut: 2 } } });
  assert.equal(v.body.ok, true, JSON.stringify(v.body));
  assert.equal(v.body.config.dataset.source, path.join(dir, 'mine.jsonl'));
  assert.equal((await call('runs:list', {})).body.length, 1, 'no run was queued by the refused starts');
});

test('an out-of-range cursor is 400, not 500', async () => {
  const r = await call('episodes:list', { runId, cursor: '99999999999999999999999:1' });
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.field, 'cursor');
});

test('the media type is parsed: a JSON body needs application/json (parameters allowed), not a substring of another type', async () => {
  assert.equal((await call('runs:list', {}, { 'Content-Type': 'text/plain; x=application/json' })).status, 415);
  assert.equal((await call('runs:list', {}, { 'Content-Type': 'text/application/json' })).status, 415);
  assert.equal((await call('runs:list', {}, { 'Content-Type': 'Application/JSON; charset=utf-8' })).status, 200);
});

test('a chunked body over 1 MiB is answered 413, not a reset connection', async () => {
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${server.url}api/runs:list`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < 2 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(answer.status, 413);
  assert.match(answer.body, /over 1048576 bytes/);
  assert.equal((await fetch(`${server.url}api/health?token=${TOKEN}`)).status, 200, 'the server is still healthy');
});

test('the built UI page carries the CSP and frame denial the fallback page has', async () => {
  for (const p of ['', 'index.html', 'some/client/route']) {
    const res = await fetch(`${server.url}${p}?token=${TOKEN}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, `${p}: ${csp}`);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    await res.text();
  }
});
