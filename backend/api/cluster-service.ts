// The handlers of the cluster methods (contract-cluster.ts): which backend this server runs new work on, saving
// settings.json's "ray" from the Settings page, and testing a Ray dashboard. A save switches the backend at once
// when nothing chose it over settings.json (a --ray flag or $ATTEMPT_STUDIO_RAY) and no run is queued or
// running; otherwise it takes effect at the next start — the answer says which, in one sentence.
import path from 'node:path';
import type { RunManager } from '../runs/run-manager.js';
import type { ClusterTarget } from '../runs/ray/cluster-target.js';
import { readRaySettings, writeRaySettings, type RaySettings } from '../runs/ray/ray-config.js';
import { checkSharedDir } from '../runs/ray/ray-entry-spec.js';
import { RayClusterError, RayJobsClient } from '../runs/ray/ray-jobs-client.js';
import { ApiError } from './api-error.js';
import type { ApiHandlers, ClusterView, RaySettingsView } from './contract.js';

export interface ClusterServiceOptions {
  target: ClusterTarget;
  /** The settings.json holding "ray". */
  settingsFile: string;
  /** What chose the backend at start instead of settings.json, if anything. */
  override: 'flag' | 'env' | null;
}

/** How long "Test connection" waits for the dashboard. */
const TEST_TIMEOUT_MS = 5000;

const OVERRIDE_NAME = { flag: 'the serve --ray flag', env: '$ATTEMPT_STUDIO_RAY' } as const;

/** The target's last failure as the page shows it: one sentence, with the cluster's error kept apart too. */
function problemOf(p: ClusterTarget['problem']): ClusterView['problem'] {
  return p && { address: p.address, reason: p.reason, message: `Could not use the Ray cluster at ${p.address} (${p.source}): ${p.reason}` };
}

export function clusterHandlers(o: ClusterServiceOptions, manager: RunManager): Pick<ApiHandlers, 'cluster:get' | 'cluster:save' | 'cluster:test'> {
  const view = (): ClusterView => {
    let saved: RaySettingsView | null = null;
    let savedError: string | null = null;
    try {
      const s = readRaySettings(o.settingsFile);
      if (s) saved = { address: s.address, sharedDir: s.sharedDir ?? null, ingestHost: s.ingestHost ?? null, cpusPerJob: s.cpusPerJob ?? null };
    } catch (err) {
      savedError = (err as Error).message;
    }
    return {
      active: o.target.state(),
      concurrency: manager.concurrency,
      saved,
      savedError,
      settingsFile: o.settingsFile,
      overriddenBy: o.override,
      busyRuns: manager.running.length + manager.queued.length,
      problem: problemOf(o.target.problem),
    };
  };
  const where = () => {
    const s = o.target.state();
    return s.backend === 'ray' ? `the Ray cluster at ${s.address}` : 'this machine';
  };

  return {
    'cluster:get': async () => view(),
    'cluster:save': async ({ ray }) => {
      let settings: RaySettings | null = null;
      if (ray) {
        const sharedDir = ray.sharedDir || undefined;
        if (sharedDir !== undefined) {
          if (!path.isAbsolute(sharedDir)) throw new ApiError(400, `ray.sharedDir: '${sharedDir}' must be an absolute path (the same on every node)`, 'ray.sharedDir');
          const unreachable = checkSharedDir(sharedDir);
          if (unreachable) throw new ApiError(400, `ray.sharedDir: ${unreachable}`, 'ray.sharedDir');
        }
        settings = {
          address: new URL(ray.address).origin,
          ...(sharedDir !== undefined ? { sharedDir: path.resolve(sharedDir) } : {}),
          ...(ray.ingestHost ? { ingestHost: ray.ingestHost } : {}),
          ...(ray.cpusPerJob ? { cpusPerJob: ray.cpusPerJob } : {}),
        };
      }
      try {
        writeRaySettings(o.settingsFile, settings);
      } catch (err) {
        throw new ApiError(409, `cannot save: ${(err as Error).message}; fix or remove that file first`, 'ray');
      }
      const saved = `Saved to ${o.settingsFile}.`;
      const target = settings ? `the Ray cluster at ${settings.address}` : 'this machine';
      if (o.override)
        return { view: view(), applied: false, reason: null, message: `${saved} This server was started with ${OVERRIDE_NAME[o.override]}, which wins over settings.json: new runs stay on ${where()} until a start without it.` };
      const busy = manager.running.length + manager.queued.length;
      if (busy > 0)
        return { view: view(), applied: false, reason: null, message: `${saved} ${busy} run${busy === 1 ? ' is' : 's are'} queued or running on ${where()}, so it takes effect at the next start (or save again once none are).` };
      try {
        await o.target.use(settings ? { ...settings, source: 'settings' } : undefined);
      } catch (err) {
        if (!(err instanceof RayClusterError)) throw err;
        const why = /[.?!]$/.test(err.message) ? err.message : `${err.message}.`;
        return { view: view(), applied: false, reason: err.message, message: `${saved} Not in use: ${why} New runs stay on ${where()}; the next start tries ${target} again.` };
      }
      const state = o.target.state();
      const now = state.backend === 'ray' ? `new runs are Ray jobs on ${state.address} (Ray ${state.rayVersion}), ${manager.concurrency} at once at most` : 'new runs run on this machine';
      return { view: view(), applied: true, reason: null, message: `${saved} In use now: ${now}.` };
    },
    'cluster:test': async ({ address }) => {
      const client = new RayJobsClient(address, TEST_TIMEOUT_MS);
      try {
        const { ray_version } = await client.version();
        const jobs = await client.list();
        return { ok: true, address: client.address, rayVersion: ray_version, jobs: jobs.length, reason: null, message: `Connected: Ray ${ray_version} at ${client.address}; its Jobs API answers (${jobs.length} job${jobs.length === 1 ? '' : 's'} listed).` };
      } catch (err) {
        if (!(err instanceof RayClusterError)) throw err;
        return { ok: false, address: client.address, rayVersion: null, jobs: null, reason: err.message, message: `Not connected: ${err.message}` };
      }
    },
  };
}
