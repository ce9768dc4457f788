#!/usr/bin/env node
// `npm run build:renderer`: the Svelte UI → renderer/dist with Vite. `ensureRenderer()` rebuilds only when
// dist is missing or was built from other sources (used by `npm start`, `serve` and `npm test`); Vite's
// messages go to stderr so a caller's stdout stays clean. Usage: node scripts/build-renderer.mjs [--if-stale]
// Staleness is by content: a build writes renderer/dist/build-inputs.json, the SHA-256 of every file the
// bundle was made from (the modules Vite reports, index.html, the Vite config). Modification times were not
// enough: a dist copied with `cp -r` looks newer than sources it was not built from.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configFile = path.join(root, 'renderer', 'vite.config.ts');
const STAMP = 'build-inputs.json';

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Why the build under `repo` is missing or stale, or null when renderer/dist was built from the sources there now (or no sources are present). */
export function rendererStaleReason(repo = root) {
  const rendererDir = path.join(repo, 'renderer');
  if (!existsSync(path.join(rendererDir, 'src'))) return null; // a packaged app: dist only
  if (!existsSync(path.join(rendererDir, 'dist', 'index.html'))) return 'renderer/dist is missing';
  const stampFile = path.join(rendererDir, 'dist', STAMP);
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(stampFile, 'utf8')).inputs;
  } catch {
    return `renderer/dist has no readable ${STAMP}`;
  }
  if (!inputs || typeof inputs !== 'object' || Object.keys(inputs).length === 0) return `renderer/dist/${STAMP} lists no inputs`;
  for (const [rel, hash] of Object.entries(inputs)) {
    const file = path.join(repo, rel);
    if (!existsSync(file)) return `${rel} is gone since the last build`;
    if (sha256(file) !== hash) return `${rel} changed since the last build`;
  }
  return null;
}

/** The stamp of a build under `repo` made from `files` (absolute paths): each file's path relative to `repo` → its SHA-256. */
export function buildStamp(files, repo = root) {
  const inputs = {};
  for (const f of [...new Set(files)].sort()) inputs[path.relative(repo, f).split(path.sep).join('/')] = sha256(f);
  return { inputs };
}

/** The source files a Vite/Rollup build result was made from: its chunks' module ids that are files in this repository, outside node_modules. */
function sourcesOf(result) {
  const ids = [];
  for (const out of Array.isArray(result) ? result : [result]) {
    for (const item of out?.output ?? []) {
      if (item.type !== 'chunk') continue;
      ids.push(...(item.moduleIds ?? Object.keys(item.modules ?? {})));
    }
  }
  return ids
    .map((id) => id.split('?')[0])
    .filter((id) => path.isAbsolute(id) && id.startsWith(root + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`) && existsSync(id));
}

const toStderr = (msg) => process.stderr.write(`${msg}\n`);
const logger = {
  info: toStderr,
  warn: toStderr,
  warnOnce: toStderr,
  error: toStderr,
  clearScreen() {},
  hasErrorLogged: () => false,
  hasWarned: false,
};

/** Builds renderer/dist (always). */
export async function buildRenderer() {
  const { build } = await import('vite');
  const result = await build({ configFile, logLevel: 'warn', customLogger: logger });
  const sources = sourcesOf(result);
  if (sources.length === 0) throw new Error('the UI build reported no source modules; cannot record what it was built from');
  const stamp = buildStamp([...sources, path.join(root, 'renderer', 'index.html'), configFile]);
  writeFileSync(path.join(root, 'renderer', 'dist', STAMP), `${JSON.stringify(stamp, null, 1)}\n`);
}

/** Builds renderer/dist when missing or stale; returns whether it built. Without Vite installed, it says so and skips. */
export async function ensureRenderer() {
  const why = rendererStaleReason();
  if (!why) return false;
  try {
    await import('vite');
  } catch {
    toStderr(`Attempt Studio: ${why}, and Vite is not installed (npm install); serving the minimal page instead.`);
    return false;
  }
  const t0 = Date.now();
  toStderr(`Attempt Studio: ${why}; building the UI (vite build)…`);
  await buildRenderer();
  toStderr(`Attempt Studio: UI built in ${((Date.now() - t0) / 1000).toFixed(1)} s → renderer/dist`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) await ensureRenderer();
  else await buildRenderer();
}
