// Where exports (CSV files, checkpoint copies) may be written. Through the API (browser mode, the desktop app):
// the data folder's exports/, the user's home folder, the system's temporary folder, or exactly the file or
// folder the user picked in a native dialog. From the command line: wherever its user says, as with `cp`.
// Never, in either: the install folder, the data folder's runs/ and models/ (the app's own files), and system
// folders (/etc, /proc, /sys, /dev, /usr, … ; C:\Windows). Checked on the real path (symlinks followed).
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExportPlaces {
  /** Folders an export may go into (anywhere inside them); 'anywhere' for the command line. */
  allowed: string[] | 'anywhere';
  /** Exact paths the user picked in a native dialog (desktop app): allowed even outside `allowed`. */
  picked?: ReadonlySet<string>;
  /** Folders never written into, whatever else allows it. */
  forbidden: string[];
}

/** The studio's own folder: the source checkout, or `resources/app.asar` inside a packaged app. */
const APP_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The install folder: the checkout itself, or the folder holding `resources/app.asar` (and the executable). */
export function installFolders(): string[] {
  const m = /^(.*)[\\/]resources[\\/]app\.asar$/.exec(APP_ROOT);
  return m ? [m[1]!, APP_ROOT] : [APP_ROOT];
}

const SYSTEM_POSIX = ['/etc', '/proc', '/sys', '/dev', '/boot', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/run', '/System', '/Library', '/Applications'];

/** System folders (an export into them is never what a researcher meant, even where the process may write). */
export function systemFolders(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform !== 'win32') return SYSTEM_POSIX;
  return [env.SystemRoot ?? 'C:\\Windows', env.ProgramFiles ?? 'C:\\Program Files', env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)', env.ProgramData ?? 'C:\\ProgramData'];
}

/** The folders no export may enter: install, the data folder's own files, the system's. */
export function forbiddenFolders(dataDir: string | undefined): string[] {
  return [...installFolders(), ...(dataDir ? [path.join(dataDir, 'runs'), path.join(dataDir, 'models')] : []), ...systemFolders()];
}

/** The API's places: the export folder, home, the temporary folder, and the dialog picks. */
export function apiExportPlaces(o: { dataDir: string; exportDir: string; picked?: ReadonlySet<string> }): ExportPlaces {
  return { allowed: [o.exportDir, os.homedir(), os.tmpdir()], picked: o.picked, forbidden: forbiddenFolders(o.dataDir) };
}

/** The command line's places: anywhere its user names, except the forbidden folders. */
export function cliExportPlaces(o: { dataDir?: string }): ExportPlaces {
  return { allowed: 'anywhere', forbidden: forbiddenFolders(o.dataDir) };
}

/** The folder's real path when it exists (a home reached through a symlink), else the path itself. */
const realOr = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

const inside = (child: string, dir: string): boolean => {
  const rel = path.relative(realOr(dir), path.resolve(child));
  const relGiven = path.relative(path.resolve(dir), path.resolve(child));
  const within = (r: string) => r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
  return within(rel) || within(relGiven);
};

/**
 * Why `real` (an absolute path with symlinks resolved) may not be written, or null when it may. `asGiven` is the
 * path as the caller typed it (a dialog pick is matched on either).
 */
export function refuseExportPlace(real: string, places: ExportPlaces, asGiven = real): string | null {
  const bad = places.forbidden.find((f) => inside(real, f) || inside(asGiven, f));
  if (bad) return `${asGiven} is inside ${bad}, where the studio never writes; choose a folder in your home or the data folder's exports/`;
  if (places.allowed === 'anywhere') return null;
  if (places.picked && (places.picked.has(path.resolve(asGiven)) || places.picked.has(real))) return null;
  if (places.allowed.some((a) => inside(real, a))) return null;
  return `${asGiven} is outside the places exports may go (${places.allowed.join(', ')}, or a file or folder picked in the desktop app's dialog)`;
}
