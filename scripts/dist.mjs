#!/usr/bin/env node
// `npm run dist`: the installers for this platform (Linux AppImage + .deb, Windows NSIS, macOS dmg) into
// dist/packages. Builds the preload bundle and the renderer (when its build script exists), then runs
// electron-builder with electron-builder.yml. Needs internet the first time (Electron + headers download).
// better-sqlite3's Electron build is made first (scripts/build-electron-sqlite.mjs); the Node build is not packaged.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// better-sqlite3 for the packaged Electron (electron-builder.yml's electronVersion) into native/electron-sqlite;
// the package carries that build only (see electron-builder.yml), so without it there is nothing to package.
const { ensureElectronSqlite, installedElectronVersion, packagedElectronVersion } = await import('./build-electron-sqlite.mjs');
const electronVersion = packagedElectronVersion();
const require = createRequire(import.meta.url);
const probeBin = installedElectronVersion() === electronVersion ? (() => { try { return require('electron'); } catch { return undefined; } })() : undefined;
const sqlite = await ensureElectronSqlite({ electronVersion, electronBin: probeBin });
process.stderr.write(`${sqlite.message}\n`);
if (!sqlite.ok) process.exit(1);
const { buildPreload } = await import('./build-electron.mjs');
await buildPreload();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
if (pkg.scripts?.['build:renderer']) run('npm', ['run', 'build:renderer']);
if (!existsSync(path.join(root, 'renderer/dist/index.html')))
  process.stderr.write('dist: renderer/dist is missing; the app will show the minimal loopback page instead of the full UI.\n');
if (!existsSync(path.join(root, 'native/build/Release/attempt_native.node')))
  process.stderr.write('dist: the native kernel addon is not built (npm run build:native); the app will use stock TensorFlow.js kernels.\n');
run(process.execPath, [path.join(root, 'node_modules/electron-builder/cli.js'), '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)]);
