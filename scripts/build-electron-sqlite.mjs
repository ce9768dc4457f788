#!/usr/bin/env node
// Builds the better-sqlite3 binary for Electron's ABI into native/electron-sqlite (with build-info.json), next
// to — never instead of — the Node build in node_modules that the CLI, `serve` and the tests use. A copy of the
// package is staged in .cache/electron-sqlite and rebuilt there by @electron/rebuild (a prebuilt binary from
// better-sqlite3's releases, else node-gyp against Electron's headers): both need internet access.
// `npm run build:electron-sqlite [-- --electron VERSION] [--force]`; `npm start` and `npm run dist` call ensureElectronSqlite().
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { BINARY_NAME, BUILD_COMMAND, BUILD_INFO_NAME, betterSqlite3Version, electronSqliteDir, electronSqliteState } = await import('../backend/db/sqlite-binding.ts');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SELF = new URL(import.meta.url).pathname;
/** A path as the user reads it: relative inside the checkout, absolute elsewhere. */
const show = (p) => (path.relative(root, p).startsWith('..') ? p : path.relative(root, p) || p);
const require = createRequire(import.meta.url);

/** The installed Electron's version, or undefined when the optional electron package is absent. */
export function installedElectronVersion() {
  try {
    return require('electron/package.json').version;
  } catch {
    return undefined;
  }
}

/** NODE_MODULE_VERSION of an Electron release, from the node-abi table @electron/rebuild itself uses. */
export function electronAbi(version) {
  let rebuildRequire = require;
  try {
    rebuildRequire = createRequire(require.resolve('@electron/rebuild'));
  } catch {
    // @electron/rebuild is a devDependency; without it, the node-abi prebuild-install brings.
  }
  return rebuildRequire('node-abi').getAbi(version, 'electron');
}

/**
 * Builds the Electron copy when it is missing or stale (or `force`), printing each step through `log`.
 * Returns { ok, built, message }: ok false means there is no usable copy and `message` says what to run.
 * Options for tests and odd setups: outDir (default native/electron-sqlite), stageDir, headerURL, buildFromSource,
 * electronBin (the Electron executable: when given, the new copy is loaded once inside it as a check).
 */
export async function ensureElectronSqlite({ electronVersion, electronBin, force = false, log = (m) => process.stdout.write(`${m}\n`), outDir = electronSqliteDir(root), stageDir, headerURL, buildFromSource = false } = {}) {
  const tag = '[better-sqlite3 for Electron]';
  let abi;
  try {
    abi = electronAbi(electronVersion);
  } catch (err) {
    return { ok: false, built: false, message: `${tag} unknown Electron version ${electronVersion} (${err.message.split('\n')[0]}): update node-abi (npm update node-abi), then ${BUILD_COMMAND}` };
  }
  const want = { electron: electronVersion, abi: String(abi), betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch };
  const before = electronSqliteState(outDir, want);
  if (before.ok && !force) return { ok: true, built: false, message: `${tag} ${show(before.binary)} is built for Electron ${electronVersion} (ABI ${abi})` };
  log(`${tag} ${force ? 'rebuilding on request' : before.reason === 'missing' ? 'not built yet' : `out of date (${before.detail})`}: building better-sqlite3 ${want.betterSqlite3} for Electron ${electronVersion} (ABI ${abi}) into ${show(outDir)}`);
  log(`${tag} this needs internet access (a prebuilt binary from better-sqlite3's releases, else Electron's headers and a C++ toolchain) and takes a few seconds to a few minutes`);

  // Stage a copy of the installed package (without its Node build) so node_modules/better-sqlite3 stays untouched.
  const stage = stageDir ?? path.join(root, '.cache/electron-sqlite', `${electronVersion}-${process.platform}-${process.arch}`);
  const src = path.dirname(require.resolve('better-sqlite3/package.json'));
  const mod = path.join(stage, 'node_modules/better-sqlite3');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(path.dirname(mod), { recursive: true });
  const skip = ['build', 'node_modules'].map((d) => path.join(src, d));
  cpSync(src, mod, { recursive: true, filter: (p) => !skip.some((d) => p === d || p.startsWith(d + path.sep)) });
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'electron-sqlite-stage', private: true, dependencies: { 'better-sqlite3': want.betterSqlite3 } }));

  // @electron/rebuild in a child process: its tools' chatter (node-gyp's stack traces included) goes to a log file.
  const logFile = path.join(path.dirname(stage), 'build.log');
  log(`${tag} rebuilding with @electron/rebuild (prebuilt download, else compile); log: ${show(logFile)}`);
  const opts = { buildPath: stage, electronVersion, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential', buildFromSource, ...(headerURL ? { headerURL } : {}) };
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [SELF, '--rebuild-child', JSON.stringify(opts)], { cwd: root, env: rebuildEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(logFile);
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', (c) => out.end(() => resolve(c)));
  });
  const built = path.join(mod, 'build/Release', BINARY_NAME);
  if (code !== 0 || !existsSync(built)) {
    const text = readFileSync(logFile, 'utf8');
    const why = /REBUILD FAILED: (.*)/.exec(text)?.[1] ?? `the rebuild produced no ${BINARY_NAME}`;
    const net = /network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo/.test(text) ? ' — the download failed (no network access?)' : '';
    rmSync(stage, { recursive: true, force: true });
    return { ok: false, built: false, message: failure(tag, electronVersion, `${why}${net}; log: ${show(logFile)}`) };
  }

  if (electronBin) {
    // Load it once in the real Electron (as Node): an ABI mismatch shows here, not at the app's first query.
    const probe = `const D=require(${JSON.stringify(path.join(src, 'lib/index.js'))});const d=new D(':memory:',{nativeBinding:${JSON.stringify(built)}});console.log(d.prepare('select sqlite_version() v').get().v)`;
    const r = spawnSync(electronBin, ['-e', probe], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
    if (r.status !== 0) return { ok: false, built: false, message: failure(tag, electronVersion, `the new binary does not load in Electron: ${(r.stderr || r.stdout).trim().split('\n')[0]}`) };
    log(`${tag} loads in Electron ${electronVersion}: SQLite ${r.stdout.trim()}`);
  }
  // Into place: binary first, build-info.json last (a copy without it counts as missing).
  mkdirSync(outDir, { recursive: true });
  rmSync(path.join(outDir, BUILD_INFO_NAME), { force: true });
  copyFileSync(built, path.join(outDir, `${BINARY_NAME}.tmp`));
  renameSync(path.join(outDir, `${BINARY_NAME}.tmp`), path.join(outDir, BINARY_NAME));
  writeFileSync(path.join(outDir, BUILD_INFO_NAME), `${JSON.stringify({ ...want, builtAt: new Date().toISOString() }, null, 2)}\n`);
  rmSync(stage, { recursive: true, force: true });
  return { ok: true, built: true, message: `${tag} built ${show(path.join(outDir, BINARY_NAME))} for Electron ${electronVersion} (ABI ${abi})` };
}

/**
 * The rebuild's environment without npm settings that point node-gyp at another runtime's headers: an npmrc
 * `nodedir` (common on offline machines) would compile against the system Node's headers and yield a binary
 * for Node's ABI labelled as Electron's.
 */
export function rebuildEnv(env = process.env) {
  const drop = /^npm_config_(nodedir|target|runtime|disturl|dist_url|target_arch|build_from_source)$/i;
  return Object.fromEntries(Object.entries(env).filter(([k]) => !drop.test(k)));
}

function failure(tag, electronVersion, why) {
  return (
    `${tag} could not build better-sqlite3 for Electron ${electronVersion}: ${why}\n` +
    `${tag} it needs internet access (github.com for the prebuilt binary, or electronjs.org for Electron's headers plus g++, make and python3).\n` +
    `${tag} when online, run: ${BUILD_COMMAND}   (or: npm start, which runs it); meanwhile browser mode works: ATTEMPT_STUDIO_BROWSER=1 npm start`
  );
}

/** electron-builder.yml's electronVersion: the Electron that `npm run dist` packages. */
export function packagedElectronVersion() {
  const m = /^electronVersion:\s*["']?([\d.]+)/m.exec(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
  return m?.[1];
}

/** The child that runs @electron/rebuild with the JSON options in argv; prints one REBUILD FAILED line on error. */
async function rebuildChild(json) {
  try {
    const { rebuild } = await import('@electron/rebuild');
    await rebuild(JSON.parse(json));
  } catch (err) {
    process.stderr.write(`REBUILD FAILED: ${String(err?.message ?? err).split('\n')[0]}\n`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--rebuild-child') {
  await rebuildChild(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--electron');
  const electronVersion = at >= 0 ? args[at + 1] : (installedElectronVersion() ?? packagedElectronVersion());
  if (!electronVersion) {
    process.stderr.write('[better-sqlite3 for Electron] no Electron version: install electron (npm install electron) or pass --electron VERSION\n');
    process.exit(1);
  }
  let electronBin;
  try {
    electronBin = installedElectronVersion() === electronVersion ? require('electron') : undefined;
  } catch {
    electronBin = undefined;
  }
  const r = await ensureElectronSqlite({ electronVersion, electronBin, force: args.includes('--force') });
  (r.ok ? process.stdout : process.stderr).write(`${r.message}\n`);
  process.exit(r.ok ? 0 : 1);
}
