// Checkpoint export: copies a studio checkpoint's model files (config.json, the safetensors weights, tokenizer
// and generation files, run.json) into a folder the user chose, without optimizer or critic state. For the
// built-in character model, which has no tokenizer.json, its vocabulary is written as char_tokenizer.json.
// No tfjs: files are checked (config JSON, safetensors header) and copied, never loaded.
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CharTokenizer } from '../model/tokenizers/char-tokenizer.js';
import { checkFolderTarget, ExportPathError } from './export-path.js';
import type { ExportPlaces } from './export-places.js';

/** Copied when present (besides `*.safetensors` weight files other than the optimizer's). */
export const EXTRA_FILES = [
  'config.json',
  'model.safetensors.index.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'chat_template.jinja',
  'run.json',
] as const;
const SKIPPED_WEIGHTS = new Set(['optimizer.safetensors']);

export interface CheckpointExportResult {
  destination: string;
  files: Array<{ name: string; bytes: number }>;
}

/** Reads and checks a safetensors header (8-byte length + JSON object); throws naming the file. */
async function checkSafetensors(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    const n = Number(head.readBigUInt64LE(0));
    if (size < 8 || n <= 0 || n > Math.min(size - 8, 100 * 1024 * 1024)) throw new Error(`${file}: not a safetensors file (header length ${n}, file ${size} bytes)`);
    const json = Buffer.alloc(n);
    await fh.read(json, 0, n, 8);
    const h = JSON.parse(json.toString('utf8')) as unknown;
    if (!h || typeof h !== 'object' || Array.isArray(h)) throw new Error(`${file}: safetensors header is not a JSON object`);
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${file}: safetensors header is not valid JSON (${err.message})`);
    throw err;
  } finally {
    await fh.close();
  }
}

/** The built-in tokenizer's vocabulary, id order, for tools outside the studio. */
export function charTokenizerFile(): string {
  const t = new CharTokenizer();
  const vocab = Array.from({ length: t.vocabSize }, (_, i) => t.decode([i]));
  const special = Object.fromEntries(Object.entries(t.specialTokens));
  return JSON.stringify({ type: t.name, vocab_size: t.vocabSize, vocab, special_tokens: special, unk_token: '<|unk|>', eos_token: '<|endoftext|>', pad_token: '<|pad|>' }, null, 2) + '\n';
}

/**
 * Copies the model files of checkpoint folder `source` into `destination` (an absolute path; checked by
 * checkFolderTarget: no `..`, parent exists, not overlapping the source, new or empty unless overwrite).
 * A new destination is filled under a temporary name and renamed at the end.
 */
export async function exportCheckpoint(source: string, destination: string, o: { overwrite: boolean; field?: string; places?: ExportPlaces }): Promise<CheckpointExportResult> {
  const field = o.field ?? 'destination';
  const entries = await readdir(source).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`checkpoint folder ${source}: ${err.code === 'ENOENT' ? 'missing' : err.message}`);
  });
  const weights = entries.filter((e) => e.endsWith('.safetensors') && !SKIPPED_WEIGHTS.has(e)).sort();
  if (weights.length === 0) throw new Error(`checkpoint folder ${source} has no model .safetensors file`);
  if (!entries.includes('config.json')) throw new Error(`checkpoint folder ${source} has no config.json`);
  let config: { vocab_size?: unknown };
  try {
    config = JSON.parse(await readFile(path.join(source, 'config.json'), 'utf8')) as typeof config;
  } catch (err) {
    throw new Error(`${path.join(source, 'config.json')}: not valid JSON (${(err as Error).message})`);
  }
  for (const w of weights) await checkSafetensors(path.join(source, w));
  const names = [...weights, ...EXTRA_FILES.filter((f) => entries.includes(f))];
  const writeChar = !entries.includes('tokenizer.json') && config.vocab_size === new CharTokenizer().vocabSize;

  const target = await checkFolderTarget(destination, { field, overwrite: o.overwrite, protect: source, places: o.places });
  const work = target.exists ? target.dir : path.join(path.dirname(target.dir), `.${path.basename(target.dir)}.tmp-${process.pid}-${Date.now()}`);
  if (!target.exists) await mkdir(work);
  const files: CheckpointExportResult['files'] = [];
  try {
    for (const name of names) {
      // Into a temporary name, then renamed: an interrupted export never leaves a truncated file under the real name.
      const tmp = path.join(work, `.${name}.tmp-${process.pid}`);
      await copyFile(path.join(source, name), tmp, constants.COPYFILE_FICLONE);
      await rename(tmp, path.join(work, name));
      files.push({ name, bytes: (await stat(path.join(work, name))).size });
    }
    if (writeChar) {
      const text = charTokenizerFile();
      await writeFile(path.join(work, '.char_tokenizer.json.tmp'), text);
      await rename(path.join(work, '.char_tokenizer.json.tmp'), path.join(work, 'char_tokenizer.json'));
      files.push({ name: 'char_tokenizer.json', bytes: Buffer.byteLength(text) });
    }
    if (!target.exists) {
      try {
        await rename(work, target.dir); // fails if something took the name meanwhile (non-empty folder)
      } catch (err) {
        throw new ExportPathError(`${field}: ${target.dir} appeared while exporting (${(err as Error).message})`, field, 409);
      }
    }
  } catch (err) {
    if (!target.exists) await rm(work, { recursive: true, force: true });
    throw err;
  }
  return { destination: target.dir, files };
}
