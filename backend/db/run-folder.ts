// Where a run's files live: <data folder>/runs/<folder>, the folder named once per run (its id and a random key,
// stored in the runs table), so two databases sharing a data folder never share a run folder. Runs from before
// the key keep their runs/<id> folder. And the data folder's layout, checked before any work starts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './open-db.js';

/** The data folder's own subfolders. */
export const DATA_SUBFOLDERS = ['runs', 'models', 'exports'] as const;

/**
 * The run's folder (absolute), naming it on first use: `<id>-<8 hex>`. A run whose checkpoints already live in
 * the old unkeyed `runs/<id>` keeps that folder.
 */
export function runFolder(db: Db, dataDir: string, runId: number): string {
  const root = path.join(dataDir, 'runs');
  const row = db.prepare('SELECT folder FROM runs WHERE id = ?').get(runId) as { folder: string | null } | undefined;
  if (!row) throw new Error(`no run with id ${runId}`);
  if (row.folder) return path.join(root, row.folder);
  const legacy = path.join(root, String(runId));
  const ck = db.prepare('SELECT path FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1').get(runId) as { path: string } | undefined;
  const name = ck && path.resolve(ck.path).startsWith(legacy + path.sep) ? String(runId) : `${runId}-${randomBytes(4).toString('hex')}`;
  db.prepare('UPDATE runs SET folder = ? WHERE id = ?').run(name, runId);
  return path.join(root, name);
}

/** The run's folder if it was ever named (null: the run never wrote files). */
export function existingRunFolder(db: Db, dataDir: string, runId: number): string | null {
  const row = db.prepare('SELECT folder FROM runs WHERE id = ?').get(runId) as { folder: string | null } | undefined;
  return row?.folder ? path.join(dataDir, 'runs', row.folder) : null;
}

/**
 * Every folder under <data folder>/runs holding this run's files: its named folder, and the run folder of each
 * of its checkpoints (runs/<folder>/checkpoints/step-N) — a run trained elsewhere (a Ray node's scratch
 * database) has checkpoints but no folder name here. Never another run's folder: only what this run's rows name.
 */
export function runFoldersOf(db: Db, dataDir: string, runId: number): string[] {
  const root = path.resolve(dataDir, 'runs');
  const out = new Set<string>();
  const named = existingRunFolder(db, dataDir, runId);
  if (named) out.add(path.resolve(named));
  for (const { path: p } of db.prepare('SELECT path FROM checkpoints WHERE run_id = ?').all(runId) as Array<{ path: string }>) {
    const rel = path.relative(root, path.resolve(p)).split(/[\\/]/);
    if (rel.length >= 3 && rel[0] !== '..' && rel[0] !== '' && rel[1] === 'checkpoints') out.add(path.join(root, rel[0]!));
  }
  return [...out];
}

/**
 * Checks that the data folder can hold a run's files before any work starts: runs/ and models/ (and exports/)
 * are folders or absent — a file in their place would fail the run at its first checkpoint — and creates
 * `dir` (the run's folder). Throws an Error naming the path and the fix.
 */
export function prepareRunFolder(dataDir: string, dir: string): void {
  for (const sub of DATA_SUBFOLDERS) {
    const p = path.join(dataDir, sub);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // absent: created when needed
    }
    if (!st.isDirectory()) throw new Error(`data folder layout: ${p} is a file, but the studio keeps its ${sub} there; move or rename the file`);
  }
  mkdirSync(dir, { recursive: true });
}
