// Fault scenario: two training workers and the UI (API reads in several lanes, plus the SSE stream) on one
// database for a fixed time. Counts any SQLITE_BUSY / 5xx the UI sees and any run that failed; at the end
// every step a worker reported (SSE runs:progress) must have its metric, episode and attempt rows.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { openSqlite } from '../../backend/db/sqlite-binding.js';
import { BIN, faultFixture } from './fixture.js';

export interface ConcurrencyResult {
  seconds: number;
  workers: number;
  readRequests: number;
  readErrors: number;
  busySurfaced: number;
  errorSamples: string[];
  stepsReported: number;
  stepsCommitted: number;
  /** Steps reported over SSE with no (or incomplete) rows in the database. */
  lostSteps: number;
  episodes: number;
  attempts: number;
  runStatuses: string[];
  runErrors: Array<string | null>;
  readP99Ms: number;
}

const TOKEN = 'concurrency-token-0123';

export async function runConcurrency(o: { seconds: number; log?: (s: string) => void }): Promise<ConcurrencyResult> {
  const fx = await faultFixture('as-conc-');
  const dataDir = path.join(fx.dir, 'data');
  let serve: ChildProcess | undefined;
  let sse: http.ClientRequest | undefined;
  try {
    serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--token', TOKEN, '--data-dir', dataDir, '--concurrency', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    serve.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve!.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      serve!.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
    });
    const call = async (method: string, input?: unknown): Promise<{ status: number; body: any }> => {
      const res = await fetch(`${url}api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: input === undefined ? '' : JSON.stringify(input) });
      return { status: res.status, body: await res.json() };
    };
    // The progress stream, as the UI gets it.
    const reported = new Map<number, Set<number>>();
    await new Promise<void>((resolve, reject) => {
      sse = http.get(`${url}api/events?token=${TOKEN}`, (res) => {
        let buf = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          buf += c;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (!block.includes('event: runs:progress')) continue;
            const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { runId: number; step: number };
            (reported.get(data.runId) ?? reported.set(data.runId, new Set()).get(data.runId)!).add(data.step);
          }
        });
        res.on('error', () => undefined);
        resolve();
      });
      sse.on('error', reject);
    });
    const runIds: number[] = [];
    for (const seed of [1, 2]) {
      const r = await call('runs:start', { config: fx.config(100_000, 5, { seed }), name: `conc-${seed}` });
      if (r.status !== 200) throw new Error(`runs:start: ${JSON.stringify(r.body)}`);
      runIds.push(r.body.runId);
    }
    // The clock starts once both workers are writing.
    const ready = Date.now() + 300_000;
    while (!runIds.every((id) => (reported.get(id)?.size ?? 0) > 0)) {
      if (Date.now() > ready) throw new Error(`workers did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const out: ConcurrencyResult = { seconds: o.seconds, workers: 2, readRequests: 0, readErrors: 0, busySurfaced: 0, errorSamples: [], stepsReported: 0, stepsCommitted: 0, lostSteps: 0, episodes: 0, attempts: 0, runStatuses: [], runErrors: [], readP99Ms: 0 };
    const times: number[] = [];
    const end = Date.now() + o.seconds * 1000;
    let lastLog = Date.now();
    const lane = async (k: number) => {
      let cursor: string | undefined; // keyset cursor "step:id"; undefined = first page
      while (Date.now() < end) {
        const runId = runIds[k % 2]!;
        const reads: Array<[string, unknown]> = [
          ['runs:list', {}],
          ['runs:get', { runId }],
          ['metrics:get', { runId }],
          ['episodes:list', cursor === undefined ? { runId, limit: 200 } : { runId, cursor, limit: 200 }],
          ['eval:results', { runId }],
        ];
        for (const [m, input] of reads) {
          const t0 = performance.now();
          const r = await call(m, input).catch((e: Error) => ({ status: 0, body: { error: e.message } }));
          times.push(performance.now() - t0);
          out.readRequests++;
          if (r.status !== 200) {
            out.readErrors++;
            const msg = JSON.stringify(r.body);
            if (/SQLITE_BUSY|database is locked/i.test(msg)) out.busySurfaced++;
            if (out.errorSamples.length < 5) out.errorSamples.push(`${m} ${r.status} ${msg.slice(0, 200)}`);
          } else if (m === 'episodes:list') cursor = r.body.nextCursor ?? undefined;
        }
        if (o.log && Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          o.log(`${Math.round((end - Date.now()) / 1000)} s left: ${out.readRequests} reads, ${out.readErrors} errors, steps reported ${[...reported.values()].map((s) => s.size).join('+')}`);
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(lane));
    for (const runId of runIds) await call('runs:stop', { runId });
    for (;;) {
      const rs = await Promise.all(runIds.map((runId) => call('runs:get', { runId })));
      if (rs.every((r) => r.body.status !== 'running' && r.body.status !== 'queued')) {
        out.runStatuses = rs.map((r) => r.body.status);
        out.runErrors = rs.map((r) => r.body.error);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    sse?.destroy();
    serve.kill('SIGINT');
    await new Promise((r) => serve!.once('exit', r));
    serve = undefined;
    const db = openSqlite(path.join(dataDir, 'attempt-studio.db'), { readonly: true });
    try {
      for (const runId of runIds) {
        const steps = reported.get(runId) ?? new Set<number>();
        out.stepsReported += steps.size;
        const done = (db.prepare('SELECT steps_done FROM runs WHERE id = ?').get(runId) as { steps_done: number }).steps_done;
        out.stepsCommitted += done;
        const metricSteps = new Set((db.prepare("SELECT step FROM metrics WHERE run_id = ? AND name = 'reward'").all(runId) as Array<{ step: number }>).map((r) => r.step));
        const epi = new Map((db.prepare("SELECT step, COUNT(*) n FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step").all(runId) as Array<{ step: number; n: number }>).map((r) => [r.step, r.n]));
        for (const s of steps) if (!metricSteps.has(s) || epi.get(s) !== fx.rolloutBatch) out.lostSteps++;
        for (let s = 1; s <= done; s++) if (!metricSteps.has(s) || epi.get(s) !== fx.rolloutBatch) out.lostSteps++;
        out.episodes += (db.prepare('SELECT COUNT(*) n FROM episodes WHERE run_id = ?').get(runId) as { n: number }).n;
        const a = db.prepare('SELECT COUNT(*) n, (SELECT SUM(attempts_used) FROM episodes WHERE run_id = ?) used FROM attempts JOIN episodes e ON e.id = attempts.episode_id WHERE e.run_id = ?').get(runId, runId) as { n: number; used: number };
        out.attempts += a.n;
        if (a.n !== a.used) out.lostSteps++;
      }
    } finally {
      db.close();
    }
    times.sort((a, b) => a - b);
    out.readP99Ms = Math.round(times[Math.floor(times.length * 0.99)] ?? 0);
    return out;
  } finally {
    sse?.destroy();
    if (serve) {
      serve.kill('SIGKILL');
      await new Promise((r) => serve!.once('exit', r));
    }
    fx.cleanup();
  }
}
