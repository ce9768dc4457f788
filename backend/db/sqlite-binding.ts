// Which better-sqlite3 native binary a process loads, and the one function that opens a SQLite file with it.
// better-sqlite3 is not N-API: `npm install` compiles it for the system Node's ABI (node_modules/better-sqlite3/
// build), and Electron's main process — and the workers it forks with ELECTRON_RUN_AS_NODE — need a copy built
// for Electron's ABI. That copy lives in a folder of its own (native/electron-sqlite, built by
// scripts/build-electron-sqlite.mjs; unpacked from app.asar in a packaged app) with build-info.json saying what
// it was built for. Plain Node (CLI, serve, tests) keeps the default build.
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInAsar, toUnpacked } from '../platform/packaged-paths.js';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The Electron copy's folder relative to the app root (checkout or app.asar), and its two files. */
export const ELECTRON_SQLITE_REL = 'native/electron-sqlite';
export const BINARY_NAME = 'better_sqlite3.node';
export const BUILD_INFO_NAME = 'build-info.json';
/** The command that builds the Electron copy (needs internet: Electron's headers or a prebuilt binary). */
export const BUILD_COMMAND = 'npm run build:electron-sqlite';

/** What an Electron copy was built for (build-info.json); a copy is usable only when all of it matches. */
export interface ElectronSqliteBuildInfo {
  /** Electron version, e.g. "37.10.1". */
  electron: string;
  /** NODE_MODULE_VERSION of that Electron (process.versions.modules inside it), e.g. "136". */
  abi: string;
  /** better-sqlite3's version: the JS library and the binary must come from the same release. */
  betterSqlite3: string;
  platform: string;
  arch: string;
}

export type ElectronSqliteState = { ok: true; binary: string; info: ElectronSqliteBuildInfo } | { ok: false; reason: 'missing' | 'stale'; binary: string; detail: string };

/** A better-sqlite3 binary that cannot be used by this runtime; its message is one line saying what to run. */
export class SqliteBindingError extends Error {
  override name = 'SqliteBindingError';
}

/** The Electron copy's folder: $ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR, else native/electron-sqlite under `root` (unpacked when inside app.asar). */
export function electronSqliteDir(root: string = ROOT, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR) return path.resolve(env.ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR);
  return toUnpacked(path.join(root, ELECTRON_SQLITE_REL));
}

/** The installed better-sqlite3's version (its JS library, which every binary must match). */
export function betterSqlite3Version(): string {
  return (require('better-sqlite3/package.json') as { version: string }).version;
}

/** build-info.json of a copy, or undefined when absent or unreadable. */
export function readBuildInfo(dir: string): ElectronSqliteBuildInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(dir, BUILD_INFO_NAME), 'utf8')) as Partial<ElectronSqliteBuildInfo>;
    const fields = ['electron', 'abi', 'betterSqlite3', 'platform', 'arch'] as const;
    return fields.every((f) => typeof info[f] === 'string') ? (info as ElectronSqliteBuildInfo) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the copy in `dir` fits `want`: missing (no binary or no build-info.json), stale (built for another
 * Electron, ABI, better-sqlite3 release, platform or architecture), or ok. Fields absent from `want` are not
 * compared (the start script knows Electron's version but not its ABI; Electron itself knows both).
 */
export function electronSqliteState(dir: string, want: Partial<ElectronSqliteBuildInfo>): ElectronSqliteState {
  const binary = path.join(dir, BINARY_NAME);
  if (!existsSync(binary)) return { ok: false, reason: 'missing', binary, detail: `${binary} does not exist` };
  const info = readBuildInfo(dir);
  if (!info) return { ok: false, reason: 'missing', binary, detail: `${path.join(dir, BUILD_INFO_NAME)} is missing or unreadable` };
  const labels: Record<keyof ElectronSqliteBuildInfo, string> = { electron: 'Electron', abi: 'ABI', betterSqlite3: 'better-sqlite3', platform: 'platform', arch: 'arch' };
  const diffs = (Object.keys(labels) as (keyof ElectronSqliteBuildInfo)[])
    .filter((k) => want[k] !== undefined && want[k] !== info[k])
    .map((k) => `${labels[k]} ${info[k]}, need ${want[k]}`);
  if (diffs.length > 0) return { ok: false, reason: 'stale', binary, detail: `built for ${diffs.join('; ')}` };
  return { ok: true, binary, info };
}

/**
 * The `nativeBinding` for better-sqlite3 in a process with these `versions`: undefined under plain Node (the
 * default build), the Electron copy's path under Electron (process.versions.electron is set there, and in the
 * workers it forks with ELECTRON_RUN_AS_NODE). Throws SqliteBindingError when that copy is missing or stale.
 */
export function sqliteNativeBinding(versions: { electron?: string; modules: string } = process.versions, opts: { root?: string; env?: NodeJS.ProcessEnv } = {}): string | undefined {
  if (!versions.electron) return undefined;
  const root = opts.root ?? ROOT;
  const dir = electronSqliteDir(root, opts.env);
  const want = { electron: versions.electron, abi: versions.modules, betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch };
  const state = electronSqliteState(dir, want);
  if (state.ok) return state.binary;
  const what = `better-sqlite3 for Electron ${versions.electron} (ABI ${versions.modules}) is ${state.reason === 'missing' ? 'not built' : 'out of date'} (${state.detail})`;
  if (isInAsar(root)) throw new SqliteBindingError(`${what}: this installation is incomplete; reinstall Attempt Studio`);
  throw new SqliteBindingError(`${what}: run \`${BUILD_COMMAND}\` with internet access (\`npm start\` does it when Electron is installed), or use browser mode: ATTEMPT_STUDIO_BROWSER=1 npm start`);
}

let cachedBinding: { key: string; binding: string | undefined } | undefined;

/**
 * Opens a SQLite file with the better-sqlite3 binary this runtime needs: every `new Database` of the studio
 * goes through here (db/open-db.ts for the app, CLI and workers; tests and benches for their raw reads).
 */
export function openSqlite(file: string, options: Omit<Database.Options, 'nativeBinding'> = {}): Database.Database {
  const key = `${process.versions.electron ?? ''}/${process.versions.modules}/${process.env.ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR ?? ''}`;
  if (cachedBinding?.key !== key) cachedBinding = { key, binding: sqliteNativeBinding() };
  const binding = cachedBinding.binding;
  return new Database(file, binding === undefined ? options : { ...options, nativeBinding: binding });
}
