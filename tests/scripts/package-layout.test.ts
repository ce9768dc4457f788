// The packaged app as electron-builder really lays it out (`--dir`, Linux), from electron-builder.yml: a
// stand-in Electron distribution (the real one cannot be downloaded here) and, unless a real build is there,
// a stand-in better-sqlite3 Electron build in native/electron-sqlite (a copy of the Node build whose
// build-info.json names no real Electron, so a leftover is rebuilt by npm start; it is removed afterwards).
// What is checked is the layout: only the Electron build ships, unpacked from app.asar, where the selection
// code finds it. The large tfjs packages are left out of this package to keep it quick; nothing else changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINARY_NAME, BUILD_INFO_NAME, ELECTRON_SQLITE_REL, betterSqlite3Version, SqliteBindingError, sqliteNativeBinding } from '../../backend/db/sqlite-binding.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const builderDir = path.dirname(require.resolve('app-builder-lib/package.json'));
const builderRequire = createRequire(path.join(builderDir, 'package.json'));
const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
const asar = createRequire(require.resolve('electron-builder'))('@electron/asar') as { listPackage(file: string): string[] };
const { build, Platform } = require('electron-builder') as {
  build(o: object): Promise<string[]>;
  Platform: { LINUX: { createTarget(t: string[], ...archs: number[]): unknown } };
};

/** What a stand-in copy's build-info.json claims: no real Electron has this version, so npm start rebuilds over it. */
const STAND_IN = { electron: '0.0.0-stand-in', modules: '0' };

test('npm run dist layout: the Electron better-sqlite3 build unpacked and selected, no Node build, no C sources', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'as-pack-'));
  const made: string[] = [];
  try {
    // Stand-in Electron distribution: electron-builder copies it and renames the executable.
    const electronDist = path.join(work, 'electron-dist');
    mkdirSync(electronDist);
    writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(electronDist, 'electron'), 0o755);
    writeFileSync(path.join(electronDist, 'version'), 'v37.10.1');
    // The Electron copy of better-sqlite3 where scripts/build-electron-sqlite.mjs puts it: the real one, or a stand-in.
    const copy = path.join(ROOT, ELECTRON_SQLITE_REL);
    const standIn = !existsSync(path.join(copy, BINARY_NAME));
    if (standIn) {
      mkdirSync(copy, { recursive: true });
      copyFileSync(require.resolve('better-sqlite3/build/Release/better_sqlite3.node'), path.join(copy, BINARY_NAME));
      const info = { electron: STAND_IN.electron, abi: STAND_IN.modules, betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch };
      writeFileSync(path.join(copy, BUILD_INFO_NAME), JSON.stringify(info));
      made.push(copy);
    }
    const info = JSON.parse(readFileSync(path.join(copy, BUILD_INFO_NAME), 'utf8')) as { electron: string; abi: string };

    const config = yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
    config.files = [...(config.files as string[]), '!node_modules/@tensorflow/**', '!node_modules/@cortex-js/**', '!node_modules/chart.js/**'];
    config.electronDist = electronDist;
    config.directories = { ...config.directories, output: path.join(work, 'out') };
    await build({ projectDir: ROOT, targets: Platform.LINUX.createTarget(['dir']), config, publish: 'never' });

    const resources = path.join(work, 'out', 'linux-unpacked', 'resources');
    const appAsar = path.join(resources, 'app.asar');
    const inAsar = new Set(asar.listPackage(appAsar).map((p) => p.replace(/\\/g, '/')));
    const unpackedRoot = path.join(resources, 'app.asar.unpacked');
    const unpackedFiles: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => unpackedFiles.push(path.relative(unpackedRoot, p)))(path.join(d, e.name));
    };
    walk(unpackedRoot);

    // The Electron build and its build-info.json: real files next to app.asar, byte for byte what was built.
    for (const f of [BINARY_NAME, BUILD_INFO_NAME]) {
      const p = path.join(unpackedRoot, ELECTRON_SQLITE_REL, f);
      assert.ok(readFileSync(p).equals(readFileSync(path.join(copy, f))), `${p}`);
    }
    // No Node build of better-sqlite3 anywhere, and not its C sources; its JS library ships (in the asar).
    const sqliteBinaries = [...new Set([...inAsar, ...unpackedFiles.map((f) => `/${f}`)])].filter((f) => f.endsWith('.node') && f.includes('sqlite')); // the asar header lists unpacked files too
    assert.deepEqual(sqliteBinaries, [`/${ELECTRON_SQLITE_REL}/${BINARY_NAME}`]);
    for (const gone of ['build', 'deps', 'src', 'binding.gyp']) {
      assert.equal([...inAsar].some((f) => f.startsWith(`/node_modules/better-sqlite3/${gone}`)), false, `node_modules/better-sqlite3/${gone} must not ship`);
      assert.equal(existsSync(path.join(unpackedRoot, 'node_modules/better-sqlite3', gone)), false);
    }
    assert.ok(inAsar.has('/node_modules/better-sqlite3/lib/index.js') && inAsar.has('/node_modules/better-sqlite3/package.json'));
    assert.ok(inAsar.has('/backend/db/sqlite-binding.ts'));

    // The selection code, run against this layout as the packaged app's Electron would: finds the unpacked copy.
    assert.equal(sqliteNativeBinding({ electron: info.electron, modules: info.abi }, { root: appAsar, env: {} }), path.join(unpackedRoot, ELECTRON_SQLITE_REL, BINARY_NAME));
    // A packaged app whose Electron does not match the copy says to reinstall (nothing a user could build).
    assert.throws(() => sqliteNativeBinding({ electron: '999.0.0', modules: '999' }, { root: appAsar, env: {} }), (e: Error) => e instanceof SqliteBindingError && /out of date .*reinstall Attempt Studio$/.test(e.message));
  } finally {
    for (const d of made) rmSync(d, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
