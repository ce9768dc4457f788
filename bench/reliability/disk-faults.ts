// Fault scenarios for storage: (1) the disk fills up during training — a real tmpfs of a few MB, filled to
// leave less than one checkpoint free; (2) the data folder turns read-only mid-run — a read-only bind mount
// over it (open database handles keep writing, every new file fails with EROFS) — and a read-only folder at
// start. Each: a clear error, a clean stop, a sound database, no half checkpoint, and resume once fixed.
// Needs root (mount); without it the scenarios report `skipped` with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../backend/db/sqlite-binding.js';
import { openDb } from '../../backend/db/open-db.js';
import { getRun } from '../../backend/db/run-store.js';
import { reconcile } from '../../backend/jobs/run-status.js';
import { readSafetensors } from '../../backend/model/formats/safetensors.js';
import { existingRunFolder } from '../../backend/db/run-folder.js';
import { BIN, faultFixture, type FaultFixture } from './fixture.js';

export interface DiskFaultCase {
  name: string;
  skipped?: string;
  exitCode: number | null;
  /** The line the user saw (CLI stderr) / the run's stored error. */
  errorLine: string;
  storedError: string | null;
  statusAfterReconcile: string | null;
  clearError: boolean;
  integrityOk: boolean;
  committedSteps: number;
  rowsComplete: boolean;
  checkpointsComplete: boolean;
  leftoverTemps: string[];
  resumed: boolean;
  seconds: number;
}

const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** Mounts a tmpfs of `bytes` at dir; false when not permitted (not root, no CAP_SYS_ADMIN). */
export function mountTmpfs(dir: string, bytes: number): boolean {
  mkdirSync(dir, { recursive: true });
  return process.platform === 'linux' && sh('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]).status === 0;
}
const umount = (dir: string) => {
  for (let i = 0; i < 20 && sh('umount', [dir]).status !== 0; i++) spawnSync('sleep', ['0.1']);
};

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

/** The folder of the first checkpoint written (a step-N folder; its parent is the run's checkpoints folder). */
function firstCheckpointPath(db: string): string {
  const d = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT path FROM checkpoints ORDER BY id LIMIT 1').get() as { path: string }).path;
  } finally {
    d.close();
  }
}

function checkpointCount(db: string): number {
  try {
    const d = openSqlite(db, { readonly: true, fileMustExist: true });
    try {
      return (d.prepare('SELECT COUNT(*) n FROM checkpoints').get() as { n: number }).n;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

/** Soundness after the fault: integrity, rows of every committed step, every recorded checkpoint complete. */
async function inspect(c: DiskFaultCase, dbFile: string, dataDir: string, rolloutBatch: number): Promise<number | undefined> {
  const db = openDb(dbFile);
  try {
    c.integrityOk = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check === 'ok';
    reconcile(db);
    const run = db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1').get() as { id: number } | undefined;
    if (!run) return undefined;
    const r = getRun(db, run.id)!;
    c.statusAfterReconcile = r.status;
    c.storedError = r.error;
    c.committedSteps = r.stepsDone;
    const steps = (db.prepare("SELECT step FROM metrics WHERE run_id = ? AND name = 'reward' ORDER BY step").all(run.id) as Array<{ step: number }>).map((x) => x.step);
    const eps = db.prepare("SELECT COUNT(*) n FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step ORDER BY step").all(run.id) as Array<{ n: number }>;
    c.rowsComplete = steps.length === r.stepsDone && steps.every((s, i) => s === i + 1) && eps.length === r.stepsDone && eps.every((e) => e.n === rolloutBatch);
    const cks = db.prepare('SELECT step, path FROM checkpoints WHERE run_id = ?').all(run.id) as Array<{ step: number; path: string }>;
    c.checkpointsComplete = true;
    for (const ck of cks) {
      for (const f of ['config.json', 'run.json', 'optimizer.json', 'model.safetensors']) if (!existsSync(path.join(ck.path, f))) c.checkpointsComplete = false;
      try {
        await readSafetensors(path.join(ck.path, 'model.safetensors'));
      } catch {
        c.checkpointsComplete = false;
      }
    }
    const folder = existingRunFolder(db, dataDir, run.id);
    const root = folder ? path.join(folder, 'checkpoints') : '';
    c.leftoverTemps = existsSync(root) ? readdirSync(root).filter((n) => /\.(tmp|old)-/.test(n)) : [];
    return run.id;
  } finally {
    db.close();
  }
}

function resume(c: DiskFaultCase, dataDir: string, runId: number | undefined, steps: number): void {
  if (runId === undefined) return;
  const r = sh(process.execPath, [BIN, 'train', '--resume', String(runId), '--steps', String(steps), '--data-dir', dataDir, '--json']);
  const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)!) : null;
  c.resumed = out?.status === 'completed' && out?.steps === steps;
}

function blank(name: string): DiskFaultCase {
  return { name, exitCode: null, errorLine: '', storedError: null, statusAfterReconcile: null, clearError: false, integrityOk: false, committedSteps: 0, rowsComplete: false, checkpointsComplete: false, leftoverTemps: [], resumed: false, seconds: 0 };
}

async function diskFull(fx: FaultFixture): Promise<DiskFaultCase> {
  const c = blank('disk full during training (tmpfs)');
  const t0 = performance.now();
  const mnt = path.join(fx.dir, 'full');
  if (!mountTmpfs(mnt, 4 * 1024 * 1024)) return { ...c, skipped: 'cannot mount a tmpfs here (needs root)' };
  try {
    const db = path.join(mnt, 'attempt-studio.db');
    const child = spawn(process.execPath, [BIN, 'train', '--config', fx.configFile(60, 1), '--data-dir', mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    if (!(await waitFor(() => checkpointCount(db) >= 1, 240_000))) throw new Error(`no checkpoint on the tmpfs: ${stderr}`);
    // Leave less room than one more checkpoint needs.
    const ckRoot = path.dirname(firstCheckpointPath(db));
    const one = readdirSync(ckRoot).filter((n) => /^step-\d{6}$/.test(n)).map((n) => readdirSync(path.join(ckRoot, n)).reduce((s, f) => s + (statSync(path.join(ckRoot, n, f)).isFile() ? statSync(path.join(ckRoot, n, f)).size : 0), 0))[0]!;
    const df = sh('df', ['-B1', '--output=avail', mnt]).stdout.trim().split('\n').at(-1)!;
    const fill = Math.max(0, Number(df) - Math.floor(one / 2));
    try {
      writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(fill));
    } catch {
      /* filled to the last byte already */
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    c.exitCode = await exited;
    clearTimeout(timer);
    c.errorLine = stderr.trim().split('\n').filter((l) => /fail|error/i.test(l)).at(-1) ?? stderr.trim().split('\n').at(-1) ?? '';
    rmSync(path.join(mnt, 'filler'), { force: true });
    const runId = await inspect(c, db, mnt, fx.rolloutBatch);
    c.clearError = c.exitCode === 1 && /disk is full \((ENOSPC|SQLITE_FULL)\)/.test(c.errorLine) && !/\n\s+at /.test(stderr);
    resume(c, mnt, runId, c.committedSteps + 2);
  } finally {
    umount(mnt);
    c.seconds = (performance.now() - t0) / 1000;
  }
  return c;
}

async function readOnlyMidRun(fx: FaultFixture): Promise<DiskFaultCase> {
  const c = blank('data folder turns read-only mid-run (ro bind mount)');
  const t0 = performance.now();
  const mnt = path.join(fx.dir, 'ro');
  if (!mountTmpfs(mnt, 64 * 1024 * 1024)) return { ...c, skipped: 'cannot mount a tmpfs here (needs root)' };
  let bound = false;
  try {
    const db = path.join(mnt, 'attempt-studio.db');
    const child = spawn(process.execPath, [BIN, 'train', '--config', fx.configFile(60, 1), '--data-dir', mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    if (!(await waitFor(() => checkpointCount(db) >= 1, 240_000))) throw new Error(`no checkpoint: ${stderr}`);
    bound = sh('mount', ['--bind', '-o', 'ro', mnt, mnt]).status === 0;
    if (!bound) {
      child.kill('SIGKILL');
      return { ...c, skipped: 'read-only bind mount refused' };
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    c.exitCode = await exited;
    clearTimeout(timer);
    c.errorLine = stderr.trim().split('\n').filter((l) => /fail|error/i.test(l)).at(-1) ?? '';
    umount(mnt); // the bind mount: writable again
    bound = false;
    const runId = await inspect(c, db, mnt, fx.rolloutBatch);
    c.clearError = c.exitCode === 1 && /read-only file system \(EROFS\)|database is read-only/.test(c.errorLine) && !/\n\s+at /.test(stderr);
    resume(c, mnt, runId, c.committedSteps + 2);
  } finally {
    if (bound) umount(mnt);
    umount(mnt);
    c.seconds = (performance.now() - t0) / 1000;
  }
  return c;
}

function readOnlyAtStart(fx: FaultFixture): DiskFaultCase {
  const c = blank('read-only data folder at start');
  const t0 = performance.now();
  const mnt = path.join(fx.dir, 'ro0');
  if (!mountTmpfs(mnt, 1024 * 1024)) return { ...c, skipped: 'cannot mount a tmpfs here (needs root)' };
  try {
    sh('mount', ['-o', 'remount,ro', mnt]);
    const r = sh(process.execPath, [BIN, 'train', '--config', fx.configFile(2, 1), '--data-dir', mnt]);
    c.exitCode = r.status;
    c.errorLine = r.stderr.trim().split('\n').at(-1) ?? '';
    c.clearError = r.status === 1 && /read-only/.test(c.errorLine) && !/\n\s+at /.test(r.stderr);
    c.integrityOk = c.rowsComplete = c.checkpointsComplete = c.resumed = true; // nothing was written
  } finally {
    umount(mnt);
    c.seconds = (performance.now() - t0) / 1000;
  }
  return c;
}

export async function runDiskFaults(o: { which?: Array<'full' | 'ro' | 'ro-start'> } = {}): Promise<DiskFaultCase[]> {
  const which = o.which ?? ['full', 'ro', 'ro-start'];
  const fx = await faultFixture('as-disk-');
  try {
    const out: DiskFaultCase[] = [];
    if (which.includes('ro-start')) out.push(readOnlyAtStart(fx));
    if (which.includes('full')) out.push(await diskFull(fx));
    if (which.includes('ro')) out.push(await readOnlyMidRun(fx));
    return out;
  } finally {
    fx.cleanup();
  }
}
