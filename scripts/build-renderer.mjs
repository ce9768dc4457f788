#!/usr/bin/env node
// `npm run build:renderer`: the Svelte UI → renderer/dist with Vite. `ensureRenderer()` rebuilds only when
// dist is missing or older than a source file (used by `npm start`, `serve` and `npm test`); Vite's messages
// go to stderr so a caller's stdout stays clean. Usage: node scripts/build-renderer.mjs [--if-stale]
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rendererDir = path.join(root, 'renderer');
const distIndex = path.join(rendererDir, 'dist', 'index.html');
const configFile = path.join(rendererDir, 'vite.config.ts');

function newestMtime(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** Why the build is missing or stale, or null when renderer/dist is up to date (or no sources are present). */
export function rendererStaleReason() {
  if (!existsSync(path.join(rendererDir, 'src'))) return null; // a packaged app: dist only
  if (!existsSync(distIndex)) return 'renderer/dist is missing';
  const built = statSync(distIndex).mtimeMs;
  const inputs = [path.join(rendererDir, 'src'), path.join(rendererDir, 'index.html'), configFile, path.join(root, 'backend/api/contract.ts')];
  const newest = Math.max(...inputs.filter((p) => existsSync(p)).map(newestMtime));
  return newest > built ? 'renderer sources changed since the last build' : null;
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
  await build({ configFile, logLevel: 'warn', customLogger: logger });
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
