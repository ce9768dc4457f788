// The datasets the studio knows by name: the five benchmarks (each with its gold-answer rule), the MATH
// level 3–5 training set, and the synthetic curriculum. Files are read from resources/datasets inside the
// package, never from outside it.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { importDataset, type ImportOptions, type ImportResult } from './importer.js';
import { generateSynthetic, type SyntheticOptions } from './synthetic.js';

export const DATASETS_DIR = fileURLToPath(new URL('../../resources/datasets/', import.meta.url));

export interface BuiltinDataset {
  name: string;
  title: string;
  /** Path relative to resources/datasets. */
  file: string;
  /** Number of records the file holds. */
  count: number;
  /** How the gold answer is read (docs/ARCHITECTURE.md, "The method"). */
  goldRule: string;
  import: ImportOptions;
}

export const BUILTIN_DATASETS: BuiltinDataset[] = [
  {
    name: 'aime24',
    title: 'AIME 2024',
    file: 'benchmarks/aime24/test.jsonl',
    count: 30,
    goldRule: 'answer',
    import: { answerField: 'answer', questionField: 'question', metaFields: ['url'] },
  },
  {
    name: 'amc23',
    title: 'AMC 2023',
    file: 'benchmarks/amc23/test.jsonl',
    count: 40,
    goldRule: 'answer (a JSON number, 27.0 → "27")',
    import: { answerField: 'answer', questionField: 'question', metaFields: ['url'] },
  },
  {
    name: 'math500',
    title: 'MATH 500',
    file: 'benchmarks/math500/test.jsonl',
    count: 500,
    goldRule: 'answer',
    import: {
      answerField: 'answer',
      questionField: 'problem',
      idField: 'unique_id',
      metaFields: ['subject', 'level'],
    },
  },
  {
    name: 'minerva_math',
    title: 'Minerva Math',
    file: 'benchmarks/minerva_math/test.jsonl',
    count: 272,
    goldRule: 'last \\boxed{} of solution',
    import: { answerField: 'boxed:solution', questionField: 'problem', idField: 'idx', metaFields: ['type'] },
  },
  {
    name: 'olympiadbench',
    title: 'OlympiadBench',
    file: 'benchmarks/olympiadbench/test.jsonl',
    count: 675,
    goldRule: 'final_answer[0] without $',
    import: {
      answerField: 'final_answer',
      questionField: 'question',
      metaFields: ['answer_type', 'unit', 'is_multiple_answer', 'subfield'],
    },
  },
  {
    name: 'math_train',
    title: 'MATH levels 3–5 (SimpleRL training set)',
    file: 'train/simplelr_math_35_train.qa.jsonl',
    count: 8523,
    goldRule: 'answer',
    import: {
      answerField: 'answer',
      questionField: 'question',
      idField: 'index',
      metaFields: ['level', 'subject'],
    },
  },
];

export const BENCHMARK_NAMES = ['aime24', 'amc23', 'math500', 'minerva_math', 'olympiadbench'] as const;
export const DATASET_NAMES = [...BUILTIN_DATASETS.map((d) => d.name), 'synthetic'];

export interface LoadedDataset extends Omit<ImportResult, 'format'> {
  name: string;
}

/** Absolute path of a built-in dataset file. */
export function datasetPath(d: BuiltinDataset): string {
  return path.join(DATASETS_DIR, d.file);
}

/**
 * Loads a dataset by name. `synthetic` takes generator options (default: seed 0, 10,000 train problems, or
 * 1,000 for `split: 'validation'` or `'test'`).
 */
export async function loadDataset(
  name: string,
  synthetic: Partial<SyntheticOptions> = {},
): Promise<LoadedDataset> {
  if (name === 'synthetic') {
    const split = synthetic.split ?? 'train';
    const records = generateSynthetic({
      seed: 0,
      count: split === 'train' ? 10_000 : 1_000,
      ...synthetic,
      split,
    });
    return { name, records, rows: records.length, emptyAnswers: [], duplicates: 0 };
  }
  const d = BUILTIN_DATASETS.find((x) => x.name === name);
  if (!d) throw new Error(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  const r = await importDataset(datasetPath(d), { ...d.import, source: d.name });
  return { name, records: r.records, rows: r.rows, emptyAnswers: r.emptyAnswers, duplicates: r.duplicates };
}
