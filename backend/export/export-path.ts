// Where exports may be written: a user-given path is checked before anything is touched (absolute, no `..`
// segments, no NUL, no symlink at the target, an existing parent folder) and nothing existing is replaced
// unless the caller said `overwrite: true`. Errors are ExportPathError naming the input field.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { refuseExportPlace, type ExportPlaces } from './export-places.js';

export class ExportPathError extends Error {
  constructor(
    message: string,
    /** The input field to blame. */
    readonly field: string,
    /** 409 when the target exists (retry with overwrite), 400 otherwise. */
    readonly status: 400 | 409 = 400,
  ) {
    super(message);
    this.name = 'ExportPathError';
  }
}

const exists = (p: string, follow = false) =>
  (follow ? stat(p) : lstat(p)).then(
    (s) => s,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );

/** Checks the text of a path: non-empty, absolute, no NUL, no `..` segment. Returns it resolved. */
export function checkPathText(raw: string, field: string): string {
  if (raw.trim() === '') throw new ExportPathError(`${field}: empty path`, field);
  if (raw.includes('\0')) throw new ExportPathError(`${field}: path contains a NUL byte`, field);
  if (raw.split(/[\\/]+/).includes('..')) throw new ExportPathError(`${field}: '${raw}' contains a '..' segment; give the folder itself`, field);
  if (!path.isAbsolute(raw)) throw new ExportPathError(`${field}: '${raw}' is not an absolute path`, field);
  return path.resolve(raw);
}

/** Refuses a target outside the export places (export-places.ts), judged on its real path. */
async function checkPlace(target: string, places: ExportPlaces | undefined, field: string): Promise<void> {
  if (!places) return;
  const real = path.join(await realpath(path.dirname(target)), path.basename(target));
  const why = refuseExportPlace(real, places, target);
  if (why) throw new ExportPathError(`${field}: ${why}`, field);
}

/**
 * A file to write: its text is checked, its parent folder must exist, it must lie in the export places (when
 * given), and it must not be a folder or a symlink; an existing file is refused unless `overwrite`. Returns
 * the resolved path.
 */
export async function checkFileTarget(raw: string, o: { field: string; overwrite: boolean; extension?: string; places?: ExportPlaces }): Promise<string> {
  const file = checkPathText(raw, o.field);
  if (o.extension && path.extname(file).toLowerCase() !== o.extension)
    throw new ExportPathError(`${o.field}: '${file}' must end in ${o.extension}`, o.field);
  const parent = await exists(path.dirname(file), true);
  if (!parent?.isDirectory()) throw new ExportPathError(`${o.field}: folder ${path.dirname(file)} does not exist`, o.field);
  await checkPlace(file, o.places, o.field);
  const st = await exists(file);
  if (st?.isSymbolicLink()) throw new ExportPathError(`${o.field}: ${file} is a symbolic link; choose a plain file`, o.field);
  if (st?.isDirectory()) throw new ExportPathError(`${o.field}: ${file} is a folder`, o.field);
  if (st && !o.overwrite) throw new ExportPathError(`${o.field}: ${file} already exists; pass overwrite: true to replace it`, o.field, 409);
  return file;
}

/**
 * A folder to write into: its text is checked, its parent must exist, it must not be (or be inside, or
 * contain) `protect` — the folder being exported — even through symlinks; an existing folder must be empty
 * unless `overwrite`. Returns the resolved path and whether it exists.
 */
export async function checkFolderTarget(
  raw: string,
  o: { field: string; overwrite: boolean; protect?: string; places?: ExportPlaces },
): Promise<{ dir: string; exists: boolean }> {
  const dir = checkPathText(raw, o.field);
  const parent = await exists(path.dirname(dir), true);
  if (!parent?.isDirectory()) throw new ExportPathError(`${o.field}: folder ${path.dirname(dir)} does not exist`, o.field);
  const st = await exists(dir);
  if (st?.isSymbolicLink()) throw new ExportPathError(`${o.field}: ${dir} is a symbolic link; choose a plain folder`, o.field);
  if (st && !st.isDirectory()) throw new ExportPathError(`${o.field}: ${dir} is a file, not a folder`, o.field);
  if (o.protect) {
    const real = path.join(await realpath(path.dirname(dir)), path.basename(dir));
    const src = await realpath(o.protect);
    const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
    if (inside(real, src) || inside(src, real))
      throw new ExportPathError(`${o.field}: ${dir} overlaps the checkpoint folder ${src}; choose a folder outside it`, o.field);
  }
  await checkPlace(dir, o.places, o.field);
  if (st) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !o.overwrite)
      throw new ExportPathError(`${o.field}: ${dir} is not empty (${entries.length} entries); choose a new or empty folder, or pass overwrite: true`, o.field, 409);
  }
  return { dir, exists: st !== undefined };
}
