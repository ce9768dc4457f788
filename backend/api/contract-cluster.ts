// The contract's part for "where runs execute" (its methods spread into contract.ts's, its types re-exported):
// the Settings page reads which backend this server uses (this machine or a Ray cluster, and what chose it),
// saves settings.json's "ray" (validated field by field), and tests a cluster's dashboard before saving.
import { z } from 'zod';
import { method } from './method-spec.js';

/** settings.json's "ray" as the Settings page edits it. */
export interface RaySettingsView {
  address: string;
  sharedDir: string | null;
  ingestHost: string | null;
  cpusPerJob: number | null;
}

/** The backend this server runs new work on now. */
export type ActiveBackendView =
  | { backend: 'local' }
  | {
      backend: 'ray';
      address: string;
      sharedDir: string;
      ingestHost: string;
      cpusPerJob: number;
      rayVersion: string;
      /** Where the nodes send results. */
      ingestUrl: string;
      /** What chose it: `serve --ray`, $ATTEMPT_STUDIO_RAY, or settings.json. */
      source: 'flag' | 'env' | 'settings';
    };

export interface ClusterView {
  active: ActiveBackendView;
  /** Runs at once on the backend in use. */
  concurrency: number;
  /** settings.json's "ray" (null: none saved, so this machine unless a flag or the environment names a cluster). */
  saved: RaySettingsView | null;
  /** Why the saved entry could not be read (a broken settings.json), else null. */
  savedError: string | null;
  settingsFile: string;
  /** A flag or the environment chose the backend at start: settings.json is not read until a start without it. */
  overriddenBy: 'flag' | 'env' | null;
  /** Runs queued or running now (a save switches the backend only when there are none). */
  busyRuns: number;
  /**
   * Why the last attempt to use a cluster (at start or on a save) failed, else null: the sentence, and the
   * cluster's own error in it (`reason`, the same text a save's or a test's `reason` carries for that failure, so
   * the page can show it once).
   */
  problem: { address: string; message: string; reason: string } | null;
}

export interface ClusterSaveResult {
  view: ClusterView;
  /** Whether new runs use the saved settings now (else: at the next start). */
  applied: boolean;
  /** One plain sentence: what happened and when it takes effect. */
  message: string;
  /** Why the cluster this save tried could not be used (the cluster's error, within `message`); null when it was not tried or is in use. */
  reason: string | null;
}

export interface ClusterTestResult {
  ok: boolean;
  /** The dashboard origin asked. */
  address: string;
  rayVersion: string | null;
  /** Jobs the cluster's Jobs API lists (any app's). */
  jobs: number | null;
  /** One plain sentence: connected (version, jobs) or why not. */
  message: string;
  /** Why not connected (the cluster's error, within `message`); null when connected. */
  reason: string | null;
}

const address = z
  .string()
  .trim()
  .min(1, { error: 'give the Ray dashboard address, e.g. http://127.0.0.1:8265' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'must be the Ray dashboard URL, http(s)://host:port (e.g. http://127.0.0.1:8265)' },
  );
const optionalText = z.string().trim().max(4096).nullish();

export const clusterMethods = {
  /** Where runs execute: the backend in use (this machine or a Ray cluster, and what chose it) and settings.json's "ray". */
  'cluster:get': method<ClusterView>()(z.strictObject({}).optional()),
  /**
   * Saves settings.json's "ray" (ray: null removes it: this machine); switches now when no run is queued or
   * running and no flag or environment variable chose the backend, else at the next start.
   */
  'cluster:save': method<ClusterSaveResult>()(
    z.strictObject({
      ray: z
        .strictObject({
          address,
          /** Absolute; must exist and be writable here (default: the data folder). */
          sharedDir: optionalText,
          ingestHost: optionalText,
          cpusPerJob: z.number().positive({ error: 'must be a positive number of CPUs' }).max(1024).nullish(),
        })
        .nullable(),
    }),
  ),
  /** Asks a Ray dashboard for its version and its jobs: whether the studio could use it. */
  'cluster:test': method<ClusterTestResult>()(z.strictObject({ address })),
} as const;
