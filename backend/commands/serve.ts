// `attempt-studio serve`: browser mode. The backend (API, run manager, workers) over HTTP + server-sent events
// on 127.0.0.1 with a per-launch token; prints one line with the full URL. Ctrl-C stops runs with a checkpoint.
import { fileURLToPath } from 'node:url';
import { type Command, DATA_OPTIONS, dataLocationOf, int, str, UserError } from './command.js';
import { cannotOpenDatabaseMessage } from './known-errors.js';

export const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the studio to a browser on 127.0.0.1 (prints the URL with its access token)',
  usage: '[--port P] [--db PATH | --data-dir DIR] [--token T] [--concurrency N] [--ray ADDRESS [--ray-shared-dir DIR] [--ray-ingest-host HOST] [--ray-cpus N]]',
  options: {
    port: { type: 'string', value: 'P', description: 'Port on 127.0.0.1 (0 = any free port)', default: '4310' },
    ...DATA_OPTIONS,
    token: { type: 'string', value: 'T', description: 'Access token (default: $ATTEMPT_STUDIO_TOKEN, else random per launch)' },
    concurrency: { type: 'string', value: 'N', description: 'Runs that may train at once (default 1; on a Ray cluster 64, Ray\'s resources decide)' },
    ray: { type: 'string', value: 'ADDRESS', description: 'Run workers as Ray jobs on the cluster whose dashboard is ADDRESS (e.g. http://127.0.0.1:8265; else $ATTEMPT_STUDIO_RAY, else settings.json "ray")' },
    'ray-shared-dir': { type: 'string', value: 'DIR', description: 'Folder the studio and every node share at the same path: checkpoints, base models (default: the data folder)' },
    'ray-ingest-host': { type: 'string', value: 'HOST', description: 'Address the nodes reach the studio at for results (default 127.0.0.1)' },
    'ray-cpus': { type: 'string', value: 'N', description: 'CPUs each Ray job asks for (default 1)' },
  },
  details:
    'Only 127.0.0.1 is bound; from another machine use an SSH tunnel (ssh -L 4310:127.0.0.1:4310 host).\n' +
    'Every request needs the token: the printed URL carries it (?token=), scripts send "Authorization: Bearer T".\n' +
    'Runs train in worker processes; Ctrl-C stops them after their current step with a checkpoint.',
  async run(args) {
    const { createBackend } = await import('../api/backend.js');
    const { newToken, startHttpServer } = await import('../api/http-server.js');
    const port = int(args, 'port') ?? 4310;
    if (port < 0 || port > 65535) throw new UserError(`--port must be 0..65535, got ${port}`, 2);
    const { defaultSettingsFile, rayOverride, resolveRayConfig } = await import('../runs/ray/ray-config.js');
    const rayInput = { flags: { address: str(args, 'ray'), sharedDir: str(args, 'ray-shared-dir'), ingestHost: str(args, 'ray-ingest-host'), cpusPerJob: int(args, 'ray-cpus') } };
    let rayConfig;
    try {
      rayConfig = resolveRayConfig(rayInput);
    } catch (err) {
      throw new UserError((err as Error).message, 2);
    }
    // Unset: 1 on this machine, 64 on a Ray cluster (following a switch made on the Settings page).
    const concurrency = int(args, 'concurrency');
    if (concurrency !== undefined && concurrency < 1) throw new UserError(`--concurrency must be at least 1, got ${concurrency}`, 2);
    const token = str(args, 'token') ?? (process.env.ATTEMPT_STUDIO_TOKEN || undefined) ?? newToken();
    if (token.length < 8) throw new UserError('--token must be at least 8 characters', 2);
    const loc = await dataLocationOf(args);
    const dbPath = loc.dbPath;
    let backend;
    try {
      backend = createBackend({ dbPath, dataDir: loc.dataDir, concurrency, rayOverride: rayOverride(rayInput) });
    } catch (err) {
      throw new UserError(cannotOpenDatabaseMessage(err, dbPath, loc.dataDir));
    }
    if (rayConfig) {
      try {
        await backend.cluster.use(rayConfig);
      } catch (err) {
        // A cluster named on this command line (or in the environment) must work; one saved in settings.json
        // must not lock the user out of the Settings page that changes it: this machine runs the work then.
        if (rayConfig.source !== 'settings') {
          await backend.close();
          throw new UserError((err as Error).message, 2);
        }
        process.stderr.write(`Ray backend (settings): ${(err as Error).message}\nRunning on this machine instead; change the cluster on the Settings page or in ${defaultSettingsFile()}.\n`);
      }
    }
    const ray = backend.cluster.launcher;
    if (ray && rayConfig) {
      process.stderr.write(`Ray backend (${rayConfig.source}): runs are Ray jobs on ${ray.client.address} (Ray ${ray.rayVersion}); results come back to ${ray.ingest.url}\n`);
      if (ray.stoppedOrphans.length > 0) process.stderr.write(`stopped ${ray.stoppedOrphans.length} Ray job(s) an earlier launch left running on this database; resume their runs\n`);
    }
    for (const r of backend.reconciled) process.stderr.write(`run ${r.runId} marked interrupted: ${r.reason}\n`);
    await buildUiIfStale();
    let server;
    try {
      server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token, port, staticDir: RENDERER_DIST, exportDir: backend.exportDir });
    } catch (err) {
      await backend.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port (0 = any free port)` : (err as Error).message);
    }
    process.stdout.write(`Attempt Studio: ${server.urlWithToken}\n`);
    process.stderr.write(`data folder ${loc.dataDir} (${loc.source}); database ${dbPath}; Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = () => {
        if (stopping) process.exit(130);
        stopping = true;
        process.stderr.write('\nStopping: running workers finish their step and checkpoint (Ctrl-C again to quit now)…\n');
        resolve();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await server.close();
    await backend.close();
    return 0;
  },
};

/**
 * Builds renderer/dist when it is missing or older than its sources (a source checkout); never fatal. Under
 * `npm test` (ATTEMPT_STUDIO_TEST=1) the runner has built it once, so parallel test servers never race on dist.
 */
async function buildUiIfStale(): Promise<void> {
  if (process.env.ATTEMPT_STUDIO_TEST === '1') return;
  try {
    const { ensureRenderer } = await import('../../scripts/build-renderer.mjs');
    await ensureRenderer();
  } catch (err) {
    process.stderr.write(`Attempt Studio: could not build the UI (${(err as Error).message.split('\n')[0]}); serving what is there.\n`);
  }
}
