// File paths that arrive from the UI or the API (dataset import, model folder, checkpoint, export
// destination) are untrusted: resolved to absolute real paths, checked for kind and size, kept inside an
// allowed root when one is given (no `..` or symlink escapes), and never overwritten without confirmation.
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from './contract.js';

export interface UserPathOptions {
  /** The input field the path came from (named in errors). */
  field: string;
  /** What must already be there: a regular file, a folder, or nothing required. */
  mustBe?: 'file' | 'dir';
  /** When given, the resolved real path must lie inside one of these folders. */
  within?: string[];
  /** Largest accepted file (bytes), for mustBe: 'file'. */
  maxBytes?: number;
  /** Accepted file extensions, lower case with the dot (['.jsonl', '.json', '.parquet']). */
  extensions?: string[];
}

/** Whether `child` is `dir` itself or inside it, comparing resolved paths. */
export function isInsideDir(child: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files not yet written). */
function realish(p: string): string {
  let head = p;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const up = path.dirname(head);
    if (up === head) break;
    tail.unshift(path.basename(head));
    head = up;
  }
  const real = (() => {
    try {
      return realpathSync(head);
    } catch {
      return head;
    }
  })();
  return path.join(real, ...tail);
}

/**
 * Validates a path from the UI and returns it absolute and resolved (symlinks followed). Rejects: empty or
 * non-string, NUL bytes, relative paths, `..` segments, escapes from `within`, the wrong kind, files over
 * `maxBytes`, other extensions, and special files (devices, FIFOs, sockets). Errors are 400/404/413 ApiErrors
 * naming the field.
 */
export function checkUserPath(input: unknown, o: UserPathOptions): string {
  if (typeof input !== 'string' || input.trim() === '') throw new ApiError(400, `${o.field}: give a path`, o.field);
  if (input.includes('\0')) throw new ApiError(400, `${o.field}: the path contains a NUL byte`, o.field);
  if (!path.isAbsolute(input)) throw new ApiError(400, `${o.field}: give an absolute path, got '${input}'`, o.field);
  if (input.split(/[\\/]+/).includes('..')) throw new ApiError(400, `${o.field}: '..' is not allowed in a path ('${input}')`, o.field);
  const real = realish(path.resolve(input));
  if (o.within && !o.within.some((root) => isInsideDir(real, realish(path.resolve(root)))))
    throw new ApiError(400, `${o.field}: ${real} is outside the allowed folders (${o.within.join(', ')})`, o.field);
  if (o.extensions && !o.extensions.includes(path.extname(real).toLowerCase()))
    throw new ApiError(400, `${o.field}: expected a ${o.extensions.join(' / ')} file, got '${path.basename(real)}'`, o.field);
  if (o.mustBe) {
    if (!existsSync(real)) throw new ApiError(404, `${o.field}: ${real} does not exist`, o.field);
    const st = statSync(real);
    if (o.mustBe === 'dir' && !st.isDirectory()) throw new ApiError(400, `${o.field}: ${real} is not a folder`, o.field);
    if (o.mustBe === 'file' && !st.isFile()) throw new ApiError(400, `${o.field}: ${real} is not a regular file`, o.field);
    if (o.mustBe === 'file' && o.maxBytes !== undefined && st.size > o.maxBytes)
      throw new ApiError(413, `${o.field}: ${real} is ${mb(st.size)}, over the ${mb(o.maxBytes)} limit`, o.field);
  }
  return real;
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

export interface ExportTarget {
  path: string;
  /** Whether a file is there already (and `overwrite` confirmed replacing it). */
  replaces: boolean;
}

/**
 * An export destination: absolute, no `..`, its folder must exist, not a folder itself, not a symlink, not
 * inside `forbidden` folders (the install folder); an existing file is replaced only with `overwrite: true`
 * (else 409 asking for confirmation).
 */
export function checkExportTarget(input: unknown, o: { field: string; overwrite?: boolean; extensions?: string[]; forbidden?: string[] }): ExportTarget {
  const p = checkUserPath(input, { field: o.field, extensions: o.extensions });
  try {
    if (lstatSync(path.resolve(input as string)).isSymbolicLink())
      throw new ApiError(400, `${o.field}: ${String(input)} is a symbolic link; refusing to write through it`, o.field);
  } catch (err) {
    if (err instanceof ApiError) throw err; // else: nothing there yet
  }
  const dir = path.dirname(p);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ApiError(404, `${o.field}: the folder ${dir} does not exist`, o.field);
  for (const f of o.forbidden ?? []) if (isInsideDir(p, realish(path.resolve(f)))) throw new ApiError(400, `${o.field}: cannot write inside ${f}`, o.field);
  const exists = existsSync(p) || (() => {
    try {
      lstatSync(p);
      return true; // a dangling symlink
    } catch {
      return false;
    }
  })();
  if (exists) {
    const st = lstatSync(p);
    if (st.isDirectory()) throw new ApiError(400, `${o.field}: ${p} is a folder`, o.field);
    if (!st.isFile()) throw new ApiError(400, `${o.field}: ${p} is not a regular file; refusing to write through it`, o.field);
    if (!o.overwrite) throw new ApiError(409, `${o.field}: ${p} exists; confirm to replace it (overwrite: true)`, o.field);
  }
  return { path: p, replaces: exists };
}

/** Largest dataset file the app imports (JSON/JSONL/Parquet are read whole into memory). */
export const MAX_DATASET_BYTES = 512 * 2 ** 20;
export const DATASET_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.parquet'];

/**
 * The paths inside a run config sent through the API: absolute ones are checked now (model folder and
 * checkpoint must be folders, a dataset file a regular file within the size limit); relative ones (preset
 * names such as models/…) may not contain NUL or `..` and are resolved by the worker.
 */
export function checkRunConfigPaths(c: { model: { source: string; checkpoint?: string }; dataset: { source: string } }): void {
  const check = (value: string | undefined, field: string, kind: 'dir' | 'file') => {
    if (value === undefined || (field === 'config.model.source' && value === 'builtin')) return;
    if (path.isAbsolute(value)) {
      checkUserPath(value, { field, mustBe: kind, ...(kind === 'file' ? { maxBytes: MAX_DATASET_BYTES, extensions: DATASET_EXTENSIONS } : {}) });
    } else if (value.includes('\0') || value.split(/[\\/]+/).includes('..')) {
      throw new ApiError(400, `${field}: '..' and NUL are not allowed in a path ('${value}')`, field);
    }
  };
  check(c.model.source, 'config.model.source', 'dir');
  check(c.model.checkpoint, 'config.model.checkpoint', 'dir');
  if (/\.(jsonl|ndjson|json|parquet)$/i.test(c.dataset.source)) check(c.dataset.source, 'config.dataset.source', 'file');
}
