// scripts/build-electron-sqlite.mjs: nothing is rebuilt when the copy fits; an unknown Electron or a failed
// rebuild (here a real @electron/rebuild run whose header download is refused) ends in a message that says what
// to run, nothing half-written in the copy's folder, and node_modules/better-sqlite3's Node build untouched.
// The successful rebuild needs internet (prebuilt binary or Electron's headers) and is never run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BINARY_NAME, BUILD_INFO_NAME, betterSqlite3Version } from '../../backend/db/sqlite-binding.js';
import { electronAbi, ensureElectronSqlite, packagedElectronVersion, rebuildEnv } from '../../scripts/build-electron-sqlite.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const NODE_BUILD = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');

test('an up-to-date copy is kept as it is: no staging, no rebuild', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'as-esb-'));
  const stage = path.join(out, 'stage');
  try {
    copyFileSync(NODE_BUILD, path.join(out, BINARY_NAME));
    const info = { electron: '37.10.1', abi: String(electronAbi('37.10.1')), betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch };
    writeFileSync(path.join(out, BUILD_INFO_NAME), JSON.stringify(info));
    const logs: string[] = [];
    const r = await ensureElectronSqlite({ electronVersion: '37.10.1', outDir: out, stageDir: stage, log: (m: string) => logs.push(m) });
    assert.deepEqual({ ok: r.ok, built: r.built }, { ok: true, built: false });
    assert.match(r.message, /is built for Electron 37\.10\.1 \(ABI 136\)/);
    assert.deepEqual(logs, []);
    assert.equal(existsSync(stage), false);
    assert.equal(electronAbi('37.10.1'), '136');
    assert.equal(packagedElectronVersion(), '37.10.1', "electron-builder.yml's electronVersion");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('an Electron version node-abi does not know: says to update node-abi, builds nothing', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'as-esb-'));
  try {
    const r = await ensureElectronSqlite({ electronVersion: '999.0.0', outDir: out, stageDir: path.join(out, 'stage'), log: () => {} });
    assert.equal(r.ok, false);
    assert.match(r.message, /unknown Electron version 999\.0\.0 .*update node-abi .*npm run build:electron-sqlite/);
    assert.deepEqual(readdirSync(out), []);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a failed rebuild (header download refused): what to run, the log, no copy written, the Node build untouched', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'as-esb-'));
  const out = path.join(work, 'electron-sqlite');
  const before = statSync(NODE_BUILD);
  const bytes = readFileSync(NODE_BUILD);
  // A child with an empty HOME (no cached Electron headers), built from source against a refused header URL:
  // a real @electron/rebuild + node-gyp run that fails the same way with or without internet. An npmrc
  // `nodedir` (this machine has one) must not make node-gyp compile against the system Node's headers.
  const code = `const m = await import(${JSON.stringify(pathToFileURL(path.join(REPO, 'scripts/build-electron-sqlite.mjs')).href)});
const r = await m.ensureElectronSqlite({ electronVersion: '37.10.1', outDir: ${JSON.stringify(out)}, stageDir: ${JSON.stringify(path.join(work, 'stage'))}, headerURL: 'http://127.0.0.1:9/headers', buildFromSource: true });
console.log(JSON.stringify(r));`;
  try {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, env: { ...process.env, HOME: work, USERPROFILE: work, npm_config_nodedir: path.dirname(path.dirname(process.execPath)) }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    const lines = child.stdout.trim().split('\n');
    const r = JSON.parse(lines.at(-1)!) as { ok: boolean; built: boolean; message: string };
    assert.equal(r.ok, false);
    // Progress went through `log` (stdout), each line tagged.
    assert.match(lines.join('\n'), /\[better-sqlite3 for Electron\] not built yet: building better-sqlite3 .* for Electron 37\.10\.1 \(ABI 136\)/);
    assert.match(r.message, /could not build better-sqlite3 for Electron 37\.10\.1: .*log: .*build\.log/);
    assert.match(r.message, /when online, run: npm run build:electron-sqlite/);
    assert.match(r.message, /ATTEMPT_STUDIO_BROWSER=1 npm start/);
    assert.doesNotMatch(r.message, /^\s+at /m, 'no stack trace in the message');
    // The tools' own output is in the log, not on the terminal.
    const log = readFileSync(path.join(work, 'build.log'), 'utf8');
    assert.match(log, /REBUILD FAILED/);
    assert.match(log, /bad port|ECONNREFUSED|127\.0\.0\.1:9/, "node-gyp went for Electron's headers, not the npmrc nodedir");
    assert.equal(existsSync(path.join(out, BINARY_NAME)) || existsSync(path.join(out, BUILD_INFO_NAME)), false);
    assert.equal(existsSync(path.join(work, 'stage')), false, 'the staging copy is removed');
    const after = statSync(NODE_BUILD);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.ok(readFileSync(NODE_BUILD).equals(bytes), 'node_modules/better-sqlite3 keeps its Node build');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the rebuild ignores npm settings that would point node-gyp at another runtime', () => {
  const env = rebuildEnv({ PATH: '/bin', npm_config_nodedir: '/usr', npm_config_target: '20.0.0', npm_config_runtime: 'node', npm_config_cache: '/c', NPM_CONFIG_DISTURL: 'x' });
  assert.deepEqual(env, { PATH: '/bin', npm_config_cache: '/c' });
});
