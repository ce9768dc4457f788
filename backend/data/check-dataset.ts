// A run's training dataset, checked before the run is queued (and before a base model trains for it): the
// source is 'synthetic', a built-in name, or a .jsonl/.json/.parquet file that exists, is a regular file within
// the size limit, parses, has the question and answer fields, and holds more questions than are held out.
// Relative file paths are resolved against a folder the caller names (the data folder for the API, the
// working folder for the command line), so a worker never depends on its own working folder.
import path from 'node:path';
import { importDataset } from './importer.js';
import { BUILTIN_DATASETS, DATASET_NAMES } from './registry.js';
import { DatasetError } from './record.js';

export const DATASET_FILE_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.parquet'];

export interface DatasetSpec {
  source: string;
  questionField?: string;
  answerField?: string;
  heldOut: number;
}

/** A dataset that cannot train a run; the message names the file (and line) and what to change. */
export class DatasetCheckError extends Error {
  readonly field = 'dataset.source';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetCheckError';
  }
}

/** Whether a source names a file rather than a built-in dataset. */
export function looksLikeFile(source: string): boolean {
  return /[\\/]/.test(source) || path.extname(source) !== '' || !/^[A-Za-z0-9_-]+$/.test(source);
}

/**
 * Checks the dataset and returns its source to store: unchanged for 'synthetic' and built-in names, the
 * absolute path for a file (relative ones resolved against `baseDir`, described as `baseName` in errors).
 */
export async function checkRunDataset(d: DatasetSpec, o: { baseDir: string; baseName: string }): Promise<{ source: string; questions: number | null }> {
  const known = `'synthetic', a built-in dataset (${DATASET_NAMES.filter((n) => n !== 'synthetic').join(', ')}) or a ${DATASET_FILE_EXTENSIONS.join('/')} file`;
  if (d.source === 'synthetic') return { source: d.source, questions: null };
  if (!looksLikeFile(d.source)) {
    const b = BUILTIN_DATASETS.find((x) => x.name === d.source);
    if (!b) throw new DatasetCheckError(`unknown dataset '${d.source}': expected ${known}`);
    if (b.count <= d.heldOut) throw new DatasetCheckError(`dataset ${b.name} has ${b.count} questions, not more than dataset.heldOut (${d.heldOut})`);
    return { source: d.source, questions: b.count };
  }
  const file = path.resolve(o.baseDir, d.source);
  const where = path.isAbsolute(d.source) ? file : `${file} (relative paths are resolved against ${o.baseName})`;
  if (!DATASET_FILE_EXTENSIONS.includes(path.extname(file).toLowerCase())) throw new DatasetCheckError(`${where} is not a dataset: expected ${known}`);
  let r;
  try {
    r = await importDataset(file, { questionField: d.questionField, answerField: d.answerField });
  } catch (err) {
    if (err instanceof DatasetError) {
      const missing = /ENOENT|no such file/i.test(err.message);
      throw new DatasetCheckError(missing ? `no dataset file at ${where}` : err.message);
    }
    throw new DatasetCheckError(`${where}: ${(err as Error).message}`);
  }
  if (r.records.length === 0) {
    const field = d.answerField ? `'${d.answerField}'` : 'answer (answer, final_answer or a \\boxed{} in solution)';
    throw new DatasetCheckError(`${file}: no row has a gold ${field} (${r.rows} rows read)`);
  }
  if (r.records.length <= d.heldOut)
    throw new DatasetCheckError(`${file}: ${r.records.length} questions with answers, not more than dataset.heldOut (${d.heldOut}); lower heldOut or add questions`);
  return { source: file, questions: r.records.length };
}
