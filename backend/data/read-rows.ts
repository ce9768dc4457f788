// Reads the rows of a JSONL file, a JSON array file, or a Parquet file (hyparquet), each with its line /
// row number; malformed input is a DatasetError naming the file and line.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { DatasetError } from './record.js';

export type RowFormat = 'jsonl' | 'json' | 'parquet';

export interface Row {
  /** 1-based line (JSONL) or element / row index + 1 (JSON array, Parquet). */
  line: number;
  value: Record<string, unknown>;
}

export function formatOf(file: string): RowFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  if (ext === '.parquet') return 'parquet';
  throw new DatasetError(file, null, `unknown file type '${ext}' (expected .jsonl, .json or .parquet)`);
}

/** Largest dataset file read (the formats are read whole); override with ATTEMPT_STUDIO_MAX_DATASET_MB. */
export function maxDatasetBytes(): number {
  const mb = Number(process.env.ATTEMPT_STUDIO_MAX_DATASET_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 512) * 2 ** 20;
}

/** Datasets are untrusted: a regular file (not a device or FIFO that never ends) within the size limit. */
function checkDatasetFile(file: string): void {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new DatasetError(file, null, `cannot read: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new DatasetError(file, null, 'not a regular file');
  const max = maxDatasetBytes();
  if (st.size > max) throw new DatasetError(file, null, `${(st.size / 2 ** 20).toFixed(0)} MiB is over the ${(max / 2 ** 20).toFixed(0)} MiB limit for a dataset file (ATTEMPT_STUDIO_MAX_DATASET_MB)`);
}

function readText(file: string): string {
  checkDatasetFile(file);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(file, null, `cannot read: ${(err as Error).message}`);
  }
}

/** Rows of a JSONL file; blank lines are skipped, every other line must be a JSON object. */
export function readJsonl(file: string): Row[] {
  const rows: Row[] = [];
  const lines = readText(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new DatasetError(file, i + 1, `malformed JSON: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DatasetError(file, i + 1, 'expected a JSON object');
    }
    rows.push({ line: i + 1, value: value as Record<string, unknown> });
  }
  return rows;
}

function readJsonArray(file: string): Row[] {
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (err) {
    throw new DatasetError(file, null, `malformed JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new DatasetError(file, null, 'expected a JSON array of objects');
  return value.map((v, i) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new DatasetError(file, i + 1, `element ${i} is not an object`);
    return { line: i + 1, value: v as Record<string, unknown> };
  });
}

async function readParquet(file: string): Promise<Row[]> {
  let buf: Buffer;
  checkDatasetFile(file);
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new DatasetError(file, null, `cannot read: ${(err as Error).message}`);
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  let objects: Record<string, unknown>[];
  try {
    objects = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
  } catch (err) {
    throw new DatasetError(file, null, `not a readable Parquet file: ${(err as Error).message}`);
  }
  return objects.map((value, i) => ({ line: i + 1, value }));
}

/** Rows of a file in the given (or extension-implied) format. */
export async function readRows(file: string, format: RowFormat = formatOf(file)): Promise<Row[]> {
  if (format === 'jsonl') return readJsonl(file);
  if (format === 'json') return readJsonArray(file);
  return readParquet(file);
}
