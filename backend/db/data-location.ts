// Where the studio keeps its data (database, checkpoints, base-model cache, exports): the platform's per-user
// application-data folder by default — the same one Electron's app.getPath('userData') gives — overridable by
// --data-dir / --db, the environment, or the `dataDir` entry of settings.json. Never the install folder.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The folder name under the platform's application-data root (Electron's productName). */
export const APP_DIR_NAME = 'Attempt Studio';
export const DB_FILE_NAME = 'attempt-studio.db';
export const SETTINGS_FILE_NAME = 'settings.json';

export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
}

const hostEnv = (): PlatformEnv => ({ platform: process.platform, env: process.env, home: os.homedir() });

/**
 * The per-user application-data root, by the rules Electron's app.getPath('appData') follows:
 * Windows %APPDATA% (else ~\AppData\Roaming), macOS ~/Library/Application Support, elsewhere $XDG_CONFIG_HOME
 * (when absolute) else ~/.config.
 */
export function appDataRoot(p: PlatformEnv = hostEnv()): string {
  const join = p.platform === 'win32' ? path.win32.join : path.posix.join;
  if (p.platform === 'win32') return p.env.APPDATA && path.win32.isAbsolute(p.env.APPDATA) ? p.env.APPDATA : join(p.home, 'AppData', 'Roaming');
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support');
  const xdg = p.env.XDG_CONFIG_HOME;
  return xdg && path.posix.isAbsolute(xdg) ? xdg : join(p.home, '.config');
}

/** The default data folder: `<appData>/Attempt Studio` (Electron's userData for this app). */
export function defaultDataDir(p: PlatformEnv = hostEnv()): string {
  return (p.platform === 'win32' ? path.win32.join : path.posix.join)(appDataRoot(p), APP_DIR_NAME);
}

export interface Settings {
  /** Where the database, checkpoints and exports go (absolute path). */
  dataDir?: string;
}

/** settings.json as a whole (every entry): a missing file is `{}`, a broken one an error naming the file. */
export function readSettingsFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: must hold a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * Changes settings.json's entries in place (`update` edits the object read) and writes it atomically (temp file
 * + rename), keeping every entry it does not touch; a broken file is an error, never overwritten.
 */
export function updateSettingsFile(file: string, update: (all: Record<string, unknown>) => void): void {
  const all = readSettingsFile(file);
  update(all);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  renameSync(tmp, file);
}

/** settings.json's dataDir, validated (the default data folder's file unless told). */
export function readSettings(file = path.join(defaultDataDir(), SETTINGS_FILE_NAME)): Settings {
  const dataDir = readSettingsFile(file).dataDir;
  if (dataDir !== undefined && (typeof dataDir !== 'string' || !path.isAbsolute(dataDir))) throw new Error(`${file}: dataDir must be an absolute path, got ${JSON.stringify(dataDir)}`);
  return dataDir === undefined ? {} : { dataDir };
}

/** Writes settings.json's dataDir, keeping its other entries (e.g. "ray"). */
export function writeSettings(settings: Settings, file = path.join(defaultDataDir(), SETTINGS_FILE_NAME)): void {
  if (settings.dataDir !== undefined && !path.isAbsolute(settings.dataDir)) throw new Error(`dataDir must be an absolute path, got ${settings.dataDir}`);
  updateSettingsFile(file, (all) => {
    delete all.dataDir;
    Object.assign(all, settings);
  });
}

export type DataSource = '--db' | '--data-dir' | 'ATTEMPT_STUDIO_DB' | 'ATTEMPT_STUDIO_DATA_DIR' | 'settings' | 'default';

export interface DataLocation {
  dataDir: string;
  dbPath: string;
  /** Which rule chose it (shown by `serve` and in the system info). */
  source: DataSource;
}

/**
 * Resolves the data folder and database, first match wins: `--db` (its folder holds the data unless
 * --data-dir is given too), `--data-dir`, $ATTEMPT_STUDIO_DB, $ATTEMPT_STUDIO_DATA_DIR, settings.json's
 * dataDir, the platform default. Relative flags resolve against the working directory.
 */
export function resolveDataLocation(o: { db?: string; dataDir?: string; settings?: Settings; platform?: PlatformEnv } = {}): DataLocation {
  const p = o.platform ?? hostEnv();
  const inDir = (dataDir: string, source: DataSource): DataLocation => ({ dataDir: path.resolve(dataDir), dbPath: path.resolve(dataDir, DB_FILE_NAME), source });
  const join = p.platform === 'win32' ? path.win32.join : path.posix.join;
  if (o.db) return { dbPath: path.resolve(o.db), dataDir: path.resolve(o.dataDir ?? path.dirname(path.resolve(o.db))), source: '--db' };
  if (o.dataDir) return inDir(o.dataDir, '--data-dir');
  const envDb = p.env.ATTEMPT_STUDIO_DB;
  if (envDb) return { dbPath: path.resolve(envDb), dataDir: path.dirname(path.resolve(envDb)), source: 'ATTEMPT_STUDIO_DB' };
  const envDir = p.env.ATTEMPT_STUDIO_DATA_DIR;
  if (envDir) return inDir(envDir, 'ATTEMPT_STUDIO_DATA_DIR');
  const settings = o.settings ?? readSettings(path.join(defaultDataDir(p), SETTINGS_FILE_NAME));
  if (settings.dataDir) return inDir(settings.dataDir, 'settings');
  const dir = defaultDataDir(p); // the platform's own path rules (also when a test asks about another OS)
  return { dataDir: dir, dbPath: join(dir, DB_FILE_NAME), source: 'default' };
}

/** Whether `child` is `dir` or inside it (after resolving both). */
export function isInside(child: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `--data-dir DIR` or `--data-dir=DIR` from a raw argv (the Electron main process has no command parser). */
export function dataDirFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') return argv[i + 1];
    if (a.startsWith('--data-dir=')) return a.slice('--data-dir='.length);
  }
  return undefined;
}
