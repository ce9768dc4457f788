// Types for scripts/build-electron-sqlite.mjs (imported by tests and by start/dist scripts).
export interface EnsureElectronSqliteOptions {
  electronVersion: string;
  electronBin?: string;
  force?: boolean;
  log?: (message: string) => void;
  outDir?: string;
  stageDir?: string;
  headerURL?: string;
  buildFromSource?: boolean;
}
export interface EnsureElectronSqliteResult {
  ok: boolean;
  built: boolean;
  message: string;
}
export function ensureElectronSqlite(options: EnsureElectronSqliteOptions): Promise<EnsureElectronSqliteResult>;
export function installedElectronVersion(): string | undefined;
export function packagedElectronVersion(): string | undefined;
export function electronAbi(version: string): string;
export function rebuildEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
