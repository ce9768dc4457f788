// Fault scenario: `kill -9` of the app's backend (`serve`) while a worker trains. (a) The worker survives in
// its own process group: a restarted server re-attaches to it (status running, steps still advancing, stop
// reaches it). (b) Server and worker both killed: the restarted server marks the run interrupted, and resume
// continues it to the end.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pidExists } from '../../backend/db/process-identity.js';
import { BIN, faultFixture } from './fixture.js';

export interface ServerKillResult {
  reattach: { statusAfterRestart: string; stepsAtKill: number; stepsAfterRestart: number; advancedAfterRestart: boolean; stoppedThroughNewServer: boolean; finalStatus: string };
  bothKilled: { statusAfterRestart: string; reason: string; resumedStatus: string; resumedSteps: number; totalSteps: number };
  seconds: number;
}

const TOKEN = 'server-kill-token-0123';

async function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--token', TOKEN, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 120_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url };
}

async function api<T>(url: string, method: string, input?: unknown): Promise<T> {
  const res = await fetch(`${url}api/${method}`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: input === undefined ? '' : JSON.stringify(input) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

type Run = { id: number; status: string; stepsDone: number; pid: number | null; error: string | null };

async function until<T>(f: () => Promise<T>, pred: (v: T) => boolean, what: string, ms = 240_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (pred(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const kill9 = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGKILL'))));

export async function runServerKill(o: { steps?: number } = {}): Promise<ServerKillResult> {
  const steps = o.steps ?? 8;
  const fx = await faultFixture('as-srvkill-');
  const t0 = performance.now();
  const children: ChildProcess[] = [];
  const workers: number[] = [];
  try {
    // (a) re-attach
    const dirA = path.join(fx.dir, 'a');
    let s = await startServe(dirA);
    children.push(s.child);
    const { runId } = await api<{ runId: number }>(s.url, 'runs:start', { config: fx.config(40, 1) });
    let run = await until(() => api<Run>(s.url, 'runs:get', { runId }), (r) => r.stepsDone >= 1, 'first step');
    workers.push(run.pid!);
    await kill9(s.child);
    const stepsAtKill = (await new Promise((r) => setTimeout(r, 100)), run.stepsDone);
    s = await startServe(dirA);
    children.push(s.child);
    run = await api<Run>(s.url, 'runs:get', { runId });
    const statusAfterRestart = run.status;
    const advanced = await until(() => api<Run>(s.url, 'runs:get', { runId }), (r) => r.stepsDone >= stepsAtKill + 2 || r.status !== 'running', 'progress after restart');
    await api(s.url, 'runs:stop', { runId });
    const stopped = await until(() => api<Run>(s.url, 'runs:get', { runId }), (r) => r.status !== 'running', 'stop through the new server');
    await kill9(s.child);
    const reattach = {
      statusAfterRestart,
      stepsAtKill,
      stepsAfterRestart: advanced.stepsDone,
      advancedAfterRestart: advanced.stepsDone > stepsAtKill,
      stoppedThroughNewServer: stopped.status === 'stopped',
      finalStatus: stopped.status,
    };

    // (b) both killed
    const dirB = path.join(fx.dir, 'b');
    s = await startServe(dirB);
    children.push(s.child);
    const b = await api<{ runId: number }>(s.url, 'runs:start', { config: fx.config(steps, 1) });
    run = await until(() => api<Run>(s.url, 'runs:get', { runId: b.runId }), (r) => r.stepsDone >= 1, 'first step (b)');
    workers.push(run.pid!);
    try {
      process.kill(run.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await kill9(s.child);
    await until(async () => pidExists(run.pid!), (alive) => !alive, 'worker gone');
    s = await startServe(dirB);
    children.push(s.child);
    const after = await api<Run>(s.url, 'runs:get', { runId: b.runId });
    await api(s.url, 'runs:resume', { runId: b.runId });
    const resumed = await until(() => api<Run>(s.url, 'runs:get', { runId: b.runId }), (r) => r.status !== 'running' && r.status !== 'queued', 'resumed run finished');
    await kill9(s.child);
    return {
      reattach,
      bothKilled: { statusAfterRestart: after.status, reason: after.error ?? '', resumedStatus: resumed.status, resumedSteps: resumed.stepsDone, totalSteps: steps },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    for (const c of children) await kill9(c);
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fx.cleanup();
  }
}
