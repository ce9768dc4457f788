// Where the studio finds its Ray cluster, first match wins: `serve --ray ADDRESS` (and its --ray-* flags),
// $ATTEMPT_STUDIO_RAY, then `"ray": {"address", "sharedDir", "ingestHost", "cpusPerJob"}` in settings.json of the
// default data folder (the desktop app reads the last two; the Settings page writes it). No match: the local
// backend. Bad values are errors naming the file and field; writing keeps the file's other entries.
import path from 'node:path';
import { defaultDataDir, readSettingsFile, SETTINGS_FILE_NAME, updateSettingsFile } from '../../db/data-location.js';

/** The "ray" entry of settings.json. */
export interface RaySettings {
  address: string;
  /** Default: the data folder. */
  sharedDir?: string;
  ingestHost?: string;
  cpusPerJob?: number;
}

export interface RayConfig extends RaySettings {
  /** Where it came from, for the start-up line and the Settings page. */
  source: 'flag' | 'env' | 'settings';
}

export interface RayConfigInput {
  flags?: { address?: string; sharedDir?: string; ingestHost?: string; cpusPerJob?: number };
  env?: NodeJS.ProcessEnv;
  settingsFile?: string;
}

/** settings.json of the default data folder (where the desktop app and `serve` read "ray"). */
export const defaultSettingsFile = (): string => path.join(defaultDataDir(), SETTINGS_FILE_NAME);

/** Whether the flags or the environment choose the cluster (then settings.json's "ray" is not read). */
export function rayOverride(i: RayConfigInput = {}): 'flag' | 'env' | null {
  if (i.flags?.address) return 'flag';
  return (i.env ?? process.env).ATTEMPT_STUDIO_RAY ? 'env' : null;
}

export function resolveRayConfig(i: RayConfigInput = {}): RayConfig | undefined {
  const f = i.flags ?? {};
  const extras = { ...(f.sharedDir ? { sharedDir: f.sharedDir } : {}), ...(f.ingestHost ? { ingestHost: f.ingestHost } : {}), ...(f.cpusPerJob !== undefined ? { cpusPerJob: f.cpusPerJob } : {}) };
  if (f.address) return { address: f.address, ...extras, source: 'flag' };
  const env = (i.env ?? process.env).ATTEMPT_STUDIO_RAY;
  if (env) return { address: env, ...extras, source: 'env' };
  const saved = readRaySettings(i.settingsFile ?? defaultSettingsFile());
  return saved ? { ...saved, ...extras, source: 'settings' } : undefined;
}

/** settings.json's "ray", validated; undefined when the file or the entry is missing. */
export function readRaySettings(file: string): RaySettings | undefined {
  const ray = readSettingsFile(file).ray;
  if (ray === undefined) return undefined;
  if (typeof ray !== 'object' || ray === null || Array.isArray(ray)) throw new Error(`${file}: "ray" must be an object like {"address": "http://HEAD:8265", "sharedDir": "/mnt/shared"}`);
  const r = ray as Record<string, unknown>;
  const field = (name: string, ok: (v: unknown) => boolean, want: string) => {
    if (r[name] !== undefined && !ok(r[name])) throw new Error(`${file}: ray.${name} must be ${want}, got ${JSON.stringify(r[name])}`);
  };
  field('address', (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v), 'the Ray dashboard URL (http://host:port)');
  field('sharedDir', (v) => typeof v === 'string' && path.isAbsolute(v), 'an absolute path');
  field('ingestHost', (v) => typeof v === 'string' && v.length > 0, 'a host name or address');
  field('cpusPerJob', (v) => typeof v === 'number' && v > 0 && v <= 1024, 'a positive number');
  if (r.address === undefined) throw new Error(`${file}: ray.address is missing (the Ray dashboard URL, e.g. http://127.0.0.1:8265)`);
  return {
    address: r.address as string,
    ...(r.sharedDir !== undefined ? { sharedDir: r.sharedDir as string } : {}),
    ...(r.ingestHost !== undefined ? { ingestHost: r.ingestHost as string } : {}),
    ...(r.cpusPerJob !== undefined ? { cpusPerJob: r.cpusPerJob as number } : {}),
  };
}

/** Sets (or with null removes) settings.json's "ray", keeping its other entries; atomic (temp file + rename). */
export function writeRaySettings(file: string, ray: RaySettings | null): void {
  updateSettingsFile(file, (all) => {
    if (ray) all.ray = ray;
    else delete all.ray;
  });
}
