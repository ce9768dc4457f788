// The questions of a training run's config: the training pool and the held-out split (synthetic task, a
// built-in dataset, or an imported file). Training (jobs/train-run.ts) and evaluation (eval/held-out.ts) share it.
import path from 'node:path';
import { loadDataset } from '../data/registry.js';
import { splitSpaceSize } from '../data/synthetic.js';
import { importDataset } from '../data/importer.js';
import type { RunConfig } from './config.js';
import type { Question } from './rollout.js';

/** Training questions and held-out questions for the config's dataset. */
export async function questionsFor(config: RunConfig): Promise<{ train: Question[]; heldOut: Question[]; dataset: string }> {
  const d = config.dataset;
  const toQ = (r: { id: string; question: string; answer: string }): Question => ({ id: r.id, question: r.question, gold: r.answer });
  if (d.source === 'synthetic') {
    const task = { families: d.synthetic?.families, levels: d.synthetic?.levels };
    // Distinct questions, at most half of what the split holds (a small task is cycled through, not exhausted).
    const room = Math.floor(splitSpaceSize('train', task.families, task.levels) / 2);
    const count = Math.min(20000, room, Math.max(2000, config.rolloutBatch * config.steps));
    const train = await loadDataset('synthetic', { ...task, seed: config.seed, count, split: 'train' });
    // The held-out curve during training is a tuning signal, so it reads the validation split; the test split
    // is left for the final evaluation (docs/RESULTS.md).
    const validation = await loadDataset('synthetic', { ...task, seed: config.seed + 1, count: d.heldOut, split: 'validation' });
    return { train: train.records.map(toQ), heldOut: validation.records.map(toQ), dataset: 'synthetic' };
  }
  const loaded = /\.(jsonl|json|parquet)$/i.test(d.source)
    ? await importDataset(d.source, { questionField: d.questionField, answerField: d.answerField })
    : await loadDataset(d.source);
  const all = loaded.records.map(toQ);
  if (all.length <= d.heldOut) throw new Error(`dataset ${d.source}: ${all.length} questions, not more than heldOut (${d.heldOut})`);
  return { train: all.slice(0, all.length - d.heldOut), heldOut: all.slice(all.length - d.heldOut), dataset: path.basename(d.source) };
}
