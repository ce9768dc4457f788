// `npm start`: without an Electron binary (as here, offline) browser mode with the URL printed and a note on
// how to get the desktop build; with one (a stand-in script here, named by $ATTEMPT_STUDIO_ELECTRON) better-sqlite3's
// Electron build is checked first — the app starts when it fits, and when it cannot be built the message says
// what to run and browser mode starts instead. Ctrl-C ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINARY_NAME, BUILD_INFO_NAME, betterSqlite3Version } from '../../backend/db/sqlite-binding.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/start.mjs');
const require = createRequire(import.meta.url);

/** Runs `npm start -- --port 0` with `env`; resolves when `done(out, err)` holds or the process exits. */
async function start(env: NodeJS.ProcessEnv, done: (out: string, err: string) => boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-start-'));
  const child = spawn(process.execPath, [SCRIPT, '--port', '0'], { env: { ...process.env, ATTEMPT_STUDIO_DB: path.join(dir, 's.db'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c))); // after stdout and stderr ended
  const ready = new Promise<void>((resolve) => {
    const check = () => done(out, err) && resolve();
    child.stdout.on('data', (d) => ((out += d), check()));
    child.stderr.on('data', (d) => ((err += d), check()));
  });
  const code = await Promise.race([ready.then(() => undefined), exited]);
  return {
    out: () => out,
    err: () => err,
    code,
    async stop() {
      child.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const URL_LINE = /^Attempt Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m;

async function assertServesPage(out: string) {
  const url = URL_LINE.exec(out)?.[1];
  assert.ok(url, out);
  const res = await fetch(url);
  assert.match(await res.text(), /<title>Attempt Studio<\/title>/);
}

/** A stand-in Electron: answers --version, otherwise prints its arguments and the copy folder it was given. */
function fakeElectron(version: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-fake-electron-'));
  const bin = path.join(dir, 'electron');
  writeFileSync(bin, `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; exit 0; fi\necho "FAKE ELECTRON $* sqlite=$ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

test('npm start falls back to browser mode, prints the URL and how to get the desktop build', async () => {
  const s = await start({ ATTEMPT_STUDIO_ELECTRON: path.join(tmpdir(), 'no-such-electron') }, (out) => URL_LINE.test(out));
  try {
    assert.match(s.err(), /no desktop build here \(\$ATTEMPT_STUDIO_ELECTRON .* did not report a version\); starting browser mode/);
    assert.match(s.err(), /npm install electron/);
    await assertServesPage(s.out());
  } finally {
    await s.stop();
  }
});

test('ATTEMPT_STUDIO_BROWSER=1 forces browser mode even where Electron is installed', async () => {
  const s = await start({ ATTEMPT_STUDIO_BROWSER: '1', ATTEMPT_STUDIO_ELECTRON: fakeElectron('37.10.1') }, (out) => URL_LINE.test(out));
  try {
    assert.match(s.err(), /\(ATTEMPT_STUDIO_BROWSER=1\); starting browser mode/);
    assert.doesNotMatch(s.out(), /FAKE ELECTRON/);
    await assertServesPage(s.out());
  } finally {
    await s.stop();
  }
});

test('with Electron and a fitting better-sqlite3 build: no rebuild, the app starts with that build', async () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'as-start-sqlite-'));
  copyFileSync(require.resolve('better-sqlite3/build/Release/better_sqlite3.node'), path.join(copy, BINARY_NAME));
  const info = { electron: '37.10.1', abi: '136', betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch };
  writeFileSync(path.join(copy, BUILD_INFO_NAME), JSON.stringify(info));
  const bin = fakeElectron('37.10.1');
  const s = await start({ ATTEMPT_STUDIO_ELECTRON: bin, ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: copy }, (out) => /FAKE ELECTRON/.test(out));
  try {
    assert.match(s.err(), /\[better-sqlite3 for Electron\] .* is built for Electron 37\.10\.1 \(ABI 136\)/);
    assert.doesNotMatch(s.err(), /building|rebuilding/);
    assert.match(s.err(), /starting the desktop app \(Electron 37\.10\.1, /);
    assert.match(s.out(), new RegExp(`^FAKE ELECTRON ${ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --port 0 sqlite=${copy}$`, 'm'));
  } finally {
    await s.stop();
    rmSync(copy, { recursive: true, force: true });
    rmSync(path.dirname(bin), { recursive: true, force: true });
  }
});

test('with Electron but no way to build better-sqlite3 for it: says what to run, then browser mode', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'as-start-sqlite-'));
  const bin = fakeElectron('999.0.0'); // a release node-abi does not know: fails before any download
  const s = await start({ ATTEMPT_STUDIO_ELECTRON: bin, ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: empty }, (out) => URL_LINE.test(out));
  try {
    assert.match(s.err(), /\[better-sqlite3 for Electron\] unknown Electron version 999\.0\.0 .*npm run build:electron-sqlite/);
    assert.match(s.err(), /no desktop build here \(better-sqlite3 is not built for Electron 999\.0\.0\); starting browser mode/);
    assert.doesNotMatch(s.out(), /FAKE ELECTRON/);
    await assertServesPage(s.out());
  } finally {
    await s.stop();
    rmSync(empty, { recursive: true, force: true });
    rmSync(path.dirname(bin), { recursive: true, force: true });
  }
});
