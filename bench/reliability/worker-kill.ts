// Fault scenario: `kill -9` of a training process at random moments (start-up, mid-step, mid-checkpoint).
// After each kill: PRAGMA integrity_check, every committed step's metric/episode/attempt rows, the run
// reconciled as interrupted, the newest checkpoint loadable; then `train --resume` must finish the run on
// the same curve as an uninterrupted reference run (same seed), with no gaps or duplicate steps.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../backend/db/sqlite-binding.js';
import { openDb } from '../../backend/db/open-db.js';
import { getRun } from '../../backend/db/run-store.js';
import { reconcile } from '../../backend/jobs/run-status.js';
import { BIN, faultFixture } from './fixture.js';

export interface WorkerKillTrial {
  killAfterMs: number;
  /** Committed steps when it died (0 = killed before the first step, or before the run row existed). */
  stepsAtKill: number;
  statusAfterReconcile: string | null;
  integrityOk: boolean;
  rowsComplete: boolean;
  checkpointOk: boolean;
  resumedTo: number;
  curveMatches: boolean;
  maxCurveDiff: number;
  problems: string[];
}

export interface WorkerKillResult {
  trials: number;
  steps: number;
  passed: number;
  integrityOk: number;
  rowsComplete: number;
  markedInterrupted: number;
  killedBeforeRunRow: number;
  resumedOnSameCurve: number;
  maxCurveDiff: number;
  referenceSeconds: number;
  /** The reference's training phase (running → exit), the range of the kill moments. */
  trainingSeconds: number;
  details: WorkerKillTrial[];
}

const CURVE_METRICS = ['reward', 'accuracy', 'attemptsUsed', 'kl', 'entropy', 'valueLoss'];

function curve(file: string, runId: number): Map<string, number | null> {
  const db = openSqlite(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT name, step, value FROM metrics WHERE run_id = ? AND name IN (${CURVE_METRICS.map(() => '?').join(',')})`).all(runId, ...CURVE_METRICS) as Array<{ name: string; step: number; value: number | null }>;
    return new Map(rows.map((r) => [`${r.name}@${r.step}`, r.value]));
  } finally {
    db.close();
  }
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Checks one killed database; returns problems found (empty = sound). */
function inspect(file: string, rolloutBatch: number, t: WorkerKillTrial): void {
  const ro = openSqlite(file);
  try {
    t.integrityOk = (ro.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check === 'ok';
    if (!t.integrityOk) t.problems.push('integrity_check failed');
    const run = ro.prepare('SELECT id, steps_done FROM runs ORDER BY id DESC LIMIT 1').get() as { id: number; steps_done: number } | undefined;
    if (!run) {
      t.rowsComplete = true;
      t.checkpointOk = true;
      return;
    }
    t.stepsAtKill = run.steps_done;
    const steps = (ro.prepare("SELECT step FROM metrics WHERE run_id = ? AND name = 'reward' ORDER BY step").all(run.id) as Array<{ step: number }>).map((r) => r.step);
    const want = Array.from({ length: run.steps_done }, (_, i) => i + 1);
    const perStep = ro.prepare("SELECT step, COUNT(*) n, SUM(attempts_used) used FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step ORDER BY step").all(run.id) as Array<{ step: number; n: number; used: number }>;
    const attempts = (ro.prepare("SELECT COUNT(*) n FROM attempts a JOIN episodes e ON e.id = a.episode_id WHERE e.run_id = ? AND e.split = 'train'").get(run.id) as { n: number }).n;
    const used = perStep.reduce((s, r) => s + r.used, 0);
    t.rowsComplete =
      JSON.stringify(steps) === JSON.stringify(want) &&
      perStep.length === run.steps_done &&
      perStep.every((r, i) => r.step === i + 1 && r.n === rolloutBatch) &&
      attempts === used;
    if (!t.rowsComplete) t.problems.push(`rows: steps_done ${run.steps_done}, metric steps ${steps.join(',')}, episodes per step ${perStep.map((r) => r.n).join(',')}, attempts ${attempts}/${used}`);
    const ck = ro.prepare("SELECT step, path FROM checkpoints WHERE run_id = ? AND format = 'training' ORDER BY step DESC LIMIT 1").get(run.id) as { step: number; path: string } | undefined;
    t.checkpointOk = ck === undefined || (ck.step <= run.steps_done && ['config.json', 'model.safetensors', 'run.json', 'optimizer.json'].every((f) => existsSync(path.join(ck.path, f))));
    if (!t.checkpointOk) t.problems.push(`checkpoint ${ck?.path} incomplete: ${ck && existsSync(ck.path) ? readdirSync(ck.path).join(',') : 'missing'}`);
  } finally {
    ro.close();
  }
}

/** Whether the newest run in a database (that may not exist yet) is marked running. */
function isRunning(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const db = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) n FROM runs WHERE status = 'running'").get() as { n: number }).n > 0;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** Committed steps of the newest run in a database that may not exist yet (0 then). */
function stepsDone(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT MAX(steps_done) n FROM runs').get() as { n: number | null }).n ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/**
 * `trials` kills; each at a uniformly random moment of the training phase (after the run is marked running,
 * within the reference run's training time), or — with `afterStep` — at a random moment within one step after
 * that many steps are committed.
 */
export async function runWorkerKill(o: {
  trials: number;
  steps?: number;
  every?: number;
  seed?: number;
  /** A step count, or 'random': each trial draws it from 0..steps-1. */
  afterStep?: number | 'random';
  /** No new trial starts after this many ms (the result says how many ran). */
  deadlineMs?: number;
  log?: (s: string) => void;
}): Promise<WorkerKillResult> {
  const steps = o.steps ?? 6;
  const every = o.every ?? 2;
  const fx = await faultFixture('as-kill-');
  const r = rng(o.seed ?? 11);
  try {
    // The reference: the same config, never interrupted.
    // Its training phase (from the run turning 'running' to the exit) sets the range of the kill moments.
    const refDb = path.join(fx.dir, 'reference.db');
    const t0 = performance.now();
    const refChild = spawn(process.execPath, [BIN, 'train', '--config', fx.configFile(steps, every), '--db', refDb, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let refErr = '';
    refChild.stderr.setEncoding('utf8').on('data', (d: string) => (refErr += d));
    const refExit = new Promise<number | null>((res) => refChild.once('exit', (code) => res(code)));
    let refRunning = 0;
    while (refChild.exitCode === null && refChild.signalCode === null) {
      if (!refRunning && isRunning(refDb)) refRunning = performance.now();
      await new Promise((res) => setTimeout(res, 50));
    }
    if ((await refExit) !== 0) throw new Error(`reference run failed: ${refErr}`);
    const referenceSeconds = (performance.now() - t0) / 1000;
    const trainingMs = performance.now() - (refRunning || t0);
    const refCurve = curve(refDb, 1);
    const out: WorkerKillResult = { trials: o.trials, steps, passed: 0, integrityOk: 0, rowsComplete: 0, markedInterrupted: 0, killedBeforeRunRow: 0, resumedOnSameCurve: 0, maxCurveDiff: 0, referenceSeconds, trainingSeconds: trainingMs / 1000, details: [] };
    const began = performance.now();
    for (let i = 0; i < o.trials; i++) {
      if (o.deadlineMs !== undefined && performance.now() - began > o.deadlineMs) {
        o.log?.(`deadline: ${i} of ${o.trials} trials ran`);
        out.trials = i;
        break;
      }
      const file = path.join(fx.dir, `trial-${i}.db`);
      // A random moment of the training phase (model load done, run 'running'): mid-step or mid-checkpoint.
      const killAfterMs = Math.round(trainingMs * r());
      const t: WorkerKillTrial = { killAfterMs, stepsAtKill: 0, statusAfterReconcile: null, integrityOk: false, rowsComplete: false, checkpointOk: false, resumedTo: 0, curveMatches: false, maxCurveDiff: 0, problems: [] };
      const child = spawn(process.execPath, [BIN, 'train', '--config', fx.configFile(steps, every), '--db', file], { stdio: 'ignore' });
      if (o.afterStep !== undefined) {
        // After `k` committed steps (k = 0: once running), at a random moment within the next step.
        const k = o.afterStep === 'random' ? Math.floor(r() * steps) : o.afterStep;
        const started = performance.now();
        while ((k === 0 ? !isRunning(file) : stepsDone(file) < k) && child.exitCode === null) await new Promise((res) => setTimeout(res, 50));
        await new Promise((res) => setTimeout(res, Math.round((trainingMs / steps) * r())));
        t.killAfterMs = Math.round(performance.now() - started);
      } else {
        while (!isRunning(file) && child.exitCode === null) await new Promise((res) => setTimeout(res, 50));
        await new Promise((res) => setTimeout(res, killAfterMs));
      }
      child.kill('SIGKILL');
      await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('exit', res)));
      if (!existsSync(file)) {
        // Killed before the database was created: nothing to check but a clean start afterwards.
        t.integrityOk = t.rowsComplete = t.checkpointOk = true;
      } else inspect(file, fx.rolloutBatch, t);
      let runId: number | undefined;
      if (existsSync(file)) {
        const db = openDb(file);
        try {
          reconcile(db);
          const row = db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1').get() as { id: number } | undefined;
          runId = row?.id;
          t.statusAfterReconcile = runId === undefined ? null : getRun(db, runId)!.status;
        } finally {
          db.close();
        }
      }
      if (runId === undefined) {
        out.killedBeforeRunRow++;
        const again = spawnSync(process.execPath, [BIN, 'train', '--config', fx.configFile(steps, every), '--db', file, '--json'], { encoding: 'utf8' });
        if (again.status !== 0) t.problems.push(`fresh start after an early kill failed: ${again.stderr.trim().split('\n').at(-1)}`);
        runId = 1;
      } else if (t.statusAfterReconcile === 'completed') {
        // Killed after the last step: nothing to resume.
      } else {
        if (t.statusAfterReconcile === 'interrupted') out.markedInterrupted++;
        else t.problems.push(`status after reconcile: ${t.statusAfterReconcile}`);
        const res = spawnSync(process.execPath, [BIN, 'train', '--resume', String(runId), '--db', file, '--json'], { encoding: 'utf8' });
        if (res.status !== 0) t.problems.push(`resume failed: ${res.stderr.trim().split('\n').at(-1)}`);
      }
      const db = openSqlite(file, { readonly: true });
      const final = db.prepare('SELECT status, steps_done FROM runs WHERE id = ?').get(runId) as { status: string; steps_done: number } | undefined;
      const dup = (db.prepare("SELECT COUNT(*) n FROM (SELECT step FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step HAVING COUNT(*) != ?)").get(runId, fx.rolloutBatch) as { n: number }).n;
      db.close();
      t.resumedTo = final?.steps_done ?? 0;
      const got = curve(file, runId);
      let diff = got.size === refCurve.size ? 0 : Infinity;
      for (const [k, v] of refCurve) {
        const g = got.get(k);
        if (g === undefined) diff = Infinity;
        else if (v !== null && g !== null) diff = Math.max(diff, Math.abs(v - g));
        else if (v !== g) diff = Infinity;
      }
      t.maxCurveDiff = diff;
      t.curveMatches = final?.status === 'completed' && t.resumedTo === steps && dup === 0 && diff <= 1e-4;
      if (!t.curveMatches) t.problems.push(`after resume: ${final?.status} at ${t.resumedTo}/${steps}, ${dup} steps with a wrong episode count, curve diff ${diff}`);
      if (t.integrityOk) out.integrityOk++;
      if (t.rowsComplete) out.rowsComplete++;
      if (t.curveMatches) out.resumedOnSameCurve++;
      if (Number.isFinite(diff)) out.maxCurveDiff = Math.max(out.maxCurveDiff, diff);
      if (t.problems.length === 0) out.passed++;
      out.details.push(t);
      o.log?.(`trial ${i + 1}/${o.trials}: killed at ${t.killAfterMs} ms after ${t.stepsAtKill} steps → ${t.statusAfterReconcile ?? 'no run yet'}; resumed to ${t.resumedTo}, curve diff ${diff}${t.problems.length ? `; PROBLEMS ${t.problems.join(' | ')}` : ''}`);
    }
    return out;
  } finally {
    fx.cleanup();
  }
}
