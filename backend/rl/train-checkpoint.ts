// Training checkpoints: the actor in Hugging Face layout at the top of the folder (so eval and other tools
// load it directly), its Adam state, the critic (+ Adam) in critic/, and run.json with the resolved config
// and the step. Written into a temporary folder and renamed, so a crash never leaves a half checkpoint.
import { mkdir, readFile, rename, rm, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { tf } from '../model/core/tf.js';
import type { Transformer } from '../model/core/transformer.js';
import { loadModel, loadOptimizer, saveModel, saveOptimizer } from '../model/formats/checkpoint.js';
import { writeFileAtomic } from '../model/formats/safetensors.js';
import { copyTokenizerFiles } from '../model/formats/model-folder.js';
import type { RunConfig } from './config.js';

export interface TrainingState {
  actor: Transformer;
  actorOptimizer: tf.AdamOptimizer;
  critic?: Transformer;
  criticOptimizer?: tf.AdamOptimizer;
}

export interface CheckpointInfo {
  step: number;
  config: RunConfig;
  runId?: number;
}

export function checkpointDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** Writes checkpoint `root/step-NNNNNN` atomically; returns its path. */
export async function saveTrainingCheckpoint(root: string, state: TrainingState, info: CheckpointInfo): Promise<string> {
  const final = path.join(root, checkpointDirName(info.step));
  const tmp = `${final}.tmp-${process.pid}`;
  await removeStaleTemps(root);
  try {
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await saveModel(tmp, state.actor, { step: String(info.step) });
    // An imported model's tokenizer travels with its checkpoints, so eval and export read them on their own.
    const source = info.config?.model?.source;
    if (source && source !== 'builtin') await copyTokenizerFiles(source, tmp);
    await saveOptimizer(tmp, state.actorOptimizer, { step: info.step });
    if (state.critic && state.criticOptimizer) {
      await saveModel(path.join(tmp, 'critic'), state.critic);
      await saveOptimizer(path.join(tmp, 'critic'), state.criticOptimizer, { step: info.step });
    }
    await writeFileAtomic(path.join(tmp, 'run.json'), JSON.stringify(info, null, 2) + '\n');
  } catch (err) {
    // Disk full / read-only: no half checkpoint stays behind (the previous ones are untouched).
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw await realWriteError(err, root);
  }
  // Swap without a moment where `final` is missing: move the old one aside, rename, then delete it.
  const old = `${final}.old-${process.pid}`;
  const hadOld = await rename(final, old).then(
    () => true,
    () => false,
  );
  await rename(tmp, final);
  if (hadOld) await rm(old, { recursive: true, force: true });
  return final;
}

/**
 * Node's recursive mkdir reports ENOENT on a read-only file system; a plain mkdir in the existing root gives
 * the real reason (EROFS, EACCES, ENOSPC), which the run's error then names.
 */
async function realWriteError(err: unknown, root: string): Promise<unknown> {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
  const probe = path.join(root, `.write-probe-${process.pid}`);
  try {
    await mkdir(probe);
    await rm(probe, { recursive: true, force: true });
    return err;
  } catch (probeErr) {
    const code = (probeErr as NodeJS.ErrnoException).code;
    return code && code !== 'ENOENT' ? probeErr : err;
  }
}

/** Deletes `step-*.tmp-PID` / `.old-PID` folders left by a process that was killed mid-save (not our own). */
async function removeStaleTemps(root: string): Promise<void> {
  for (const n of await readdir(root).catch(() => [] as string[])) {
    const m = /^step-\d{6}\.(?:tmp|old)-(\d+)$/.exec(n);
    if (m && Number(m[1]) !== process.pid) await rm(path.join(root, n), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Reads a checkpoint folder written by saveTrainingCheckpoint. */
export async function loadTrainingCheckpoint(dir: string): Promise<TrainingState & { info: CheckpointInfo }> {
  const runFile = path.join(dir, 'run.json');
  let info: CheckpointInfo;
  try {
    info = JSON.parse(await readFile(runFile, 'utf8')) as CheckpointInfo;
  } catch (err) {
    throw new Error(`${runFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing — not a training checkpoint' : (err as Error).message}`);
  }
  const actor = await loadModel(dir);
  const { optimizer: actorOptimizer } = await loadOptimizer(dir, actor);
  const state: TrainingState & { info: CheckpointInfo } = { actor, actorOptimizer, info };
  const criticDir = path.join(dir, 'critic');
  const hasCritic = await readdir(criticDir).then(
    () => true,
    () => false,
  );
  if (hasCritic) {
    state.critic = await loadModel(criticDir);
    state.criticOptimizer = (await loadOptimizer(criticDir, state.critic)).optimizer;
  }
  return state;
}

/** Deletes all but the newest `keep` checkpoints under root. */
export async function pruneCheckpoints(root: string, keep: number): Promise<string[]> {
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => /^step-\d{6}$/.test(n)).sort();
  const gone = names.slice(0, Math.max(0, names.length - keep));
  for (const n of gone) await rm(path.join(root, n), { recursive: true, force: true });
  return gone.map((n) => path.join(root, n));
}
