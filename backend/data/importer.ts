// The general importer: any JSONL / JSON array / Parquet file with a question field and an answer field
// (chosen by the user or found among the usual names). Empty answers are reported, duplicates counted.
import path from 'node:path';
import { extractAnswer } from '../math/extract-answer.js';
import { asText, DatasetError, getPath, type DatasetRecord } from './record.js';
import { formatOf, readRows, type RowFormat } from './read-rows.js';

export const DEFAULT_QUESTION_FIELDS = ['question', 'problem', 'Question', 'input'];
/** `boxed:FIELD` means the last \boxed{} in FIELD (a string, or the last string of a list). */
export const DEFAULT_ANSWER_FIELDS = ['answer', 'final_answer', 'boxed:solution'];
export const DEFAULT_ID_FIELDS = ['id', 'unique_id', 'idx', 'index'];

export interface ImportOptions {
  format?: RowFormat;
  /** Dotted path of the question field (`extra_info.question`); default: first present of DEFAULT_QUESTION_FIELDS. */
  questionField?: string;
  /** Dotted path of the answer field, or `boxed:FIELD`; default: first present of DEFAULT_ANSWER_FIELDS. */
  answerField?: string;
  idField?: string;
  /** Name recorded as each record's `source` (default: the file name without extension). */
  source?: string;
  /** Extra fields copied into `meta` when they are scalars. */
  metaFields?: string[];
}

export interface ImportResult {
  records: DatasetRecord[];
  format: RowFormat;
  rows: number;
  /** Rows whose answer is missing or empty: not in `records`, listed here with their line. */
  emptyAnswers: { line: number; id: string }[];
  /** Records whose question text (trimmed) appeared earlier in the file; they are kept. */
  duplicates: number;
}

/** The answer a field spec names in a row: lists give their first element, `$` wrappers are dropped. */
export function answerFrom(row: Record<string, unknown>, spec: string): string | null {
  if (spec.startsWith('boxed:')) {
    const v = getPath(row, spec.slice(6));
    const text = Array.isArray(v) ? asText(v[v.length - 1]) : asText(v);
    if (text === null) return null;
    const e = extractAnswer(text, { answerIs: false });
    return e.answer;
  }
  const v = getPath(row, spec);
  const text = Array.isArray(v) ? asText(v[0]) : asText(v);
  return text === null ? null : text.replace(/\$/g, '').trim();
}

function present(row: Record<string, unknown>, spec: string): boolean {
  return getPath(row, spec.startsWith('boxed:') ? spec.slice(6) : spec) !== undefined;
}

/** Imports a dataset file. Throws DatasetError (file and line) for malformed rows or a missing question. */
export async function importDataset(file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const rows = await readRows(file, opts.format);
  const format = opts.format ?? formatOf(file);
  const source = opts.source ?? path.basename(file).replace(/\.[^.]+$/, '');
  const records: DatasetRecord[] = [];
  const emptyAnswers: ImportResult['emptyAnswers'] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const { line, value } of rows) {
    const qField =
      opts.questionField ?? DEFAULT_QUESTION_FIELDS.find((f) => typeof getPath(value, f) === 'string');
    const question = qField === undefined ? null : asText(getPath(value, qField));
    if (question === null || question.trim() === '') {
      const wanted = opts.questionField
        ? `'${opts.questionField}'`
        : `one of ${DEFAULT_QUESTION_FIELDS.join(', ')}`;
      throw new DatasetError(file, line, `no question: field ${wanted} is missing or empty`);
    }
    const idField = opts.idField ?? DEFAULT_ID_FIELDS.find((f) => asText(getPath(value, f)) !== null);
    const id = (idField !== undefined ? asText(getPath(value, idField)) : null) ?? `${source}-${line}`;
    const aField = opts.answerField ?? DEFAULT_ANSWER_FIELDS.find((f) => present(value, f));
    const answer = aField === undefined ? null : answerFrom(value, aField);
    if (answer === null || answer === '') {
      emptyAnswers.push({ line, id });
      continue;
    }
    const key = question.trim();
    if (seen.has(key)) duplicates++;
    seen.add(key);
    const meta: Record<string, string | number | boolean | null> = { line };
    for (const f of opts.metaFields ?? []) {
      const v = getPath(value, f);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) meta[f] = v;
      else if (typeof v === 'bigint') meta[f] = Number(v);
    }
    records.push({ id, question, answer, source, meta });
  }
  return { records, format, rows: rows.length, emptyAnswers, duplicates };
}
