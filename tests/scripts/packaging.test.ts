// electron-builder.yml: valid by electron-builder's own schema; every path it names exists (or is a build
// output with a known producer); the packaged layout holds what the app runs — the worker entry points, the
// grader's worker thread, datasets, native addons unpacked from asar — and the backend imports only packages
// that ship (dependencies, not devDependencies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_ENTRIES } from '../../backend/workers/protocol.js';
import { BUILTIN_DATASETS, DATASETS_DIR } from '../../backend/data/registry.js';
import { ADDON_PATH } from '../../backend/model/native/native-addon.js';
import { esbuildPackage, isInAsar, toUnpacked, workerLaunch } from '../../backend/platform/packaged-paths.js';
import { BINARY_NAME, BUILD_INFO_NAME, ELECTRON_SQLITE_REL, electronSqliteDir } from '../../backend/db/sqlite-binding.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const builderDir = path.dirname(require.resolve('app-builder-lib/package.json'));
const builderRequire = createRequire(path.join(builderDir, 'package.json'));
const { validateConfiguration } = builderRequire(path.join(builderDir, 'out/util/config/config')) as {
  validateConfiguration(c: unknown, logger: unknown): Promise<void>;
};
const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
const { DebugLogger } = builderRequire(path.join(path.dirname(builderRequire.resolve('builder-util/package.json')), 'out/DebugLogger')) as { DebugLogger: new (on: boolean) => unknown };
const minimatch = builderRequire('minimatch') as ((p: string, g: string, o?: object) => boolean) & { minimatch?: (p: string, g: string, o?: object) => boolean };
const match = (p: string, g: string) => (minimatch.minimatch ?? minimatch)(p, g, { dot: true });

/** Build outputs the config names, and what produces them (they need not exist in a fresh checkout). */
const BUILD_OUTPUTS: Record<string, string> = {
  'dist/electron/preload.cjs': 'scripts/build-electron.mjs (run by npm run dist / npm start)',
  'renderer/dist/**': 'renderer (its Vite build, npm run build:renderer, run by npm run dist)',
  'native/build/Release/*.node': 'scripts/build-native.mjs (npm install)',
  'native/electron-sqlite/better_sqlite3.node': 'scripts/build-electron-sqlite.mjs (run by npm run dist / npm start; needs internet)',
  'native/electron-sqlite/build-info.json': 'scripts/build-electron-sqlite.mjs (run by npm run dist / npm start; needs internet)',
  'native/electron-sqlite/**': 'scripts/build-electron-sqlite.mjs (run by npm run dist / npm start; needs internet)',
};

const config = yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
const files: string[] = config.files;
const unpack: string[] = config.asarUnpack;
/** Whether electron-builder would put `rel` into the app (last matching pattern wins, `!` excludes). */
const packaged = (rel: string) => files.reduce((inc, g) => (g.startsWith('!') ? (match(rel, g.slice(1)) ? false : inc) : inc || match(rel, g)), false);
const unpacked = (rel: string) => unpack.some((g) => match(rel, g));
const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join('/');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== '.git' && e.name !== '.scratch') walk(p, out);
    }
    else out.push(rel(p));
  }
  return out;
}

test('electron-builder.yml is valid for electron-builder, with the four installer targets and matching Electron', async () => {
  await validateConfiguration(structuredClone(config), new DebugLogger(false));
  await assert.rejects(validateConfiguration({ ...structuredClone(config), linux: { target: 5, bogus: 1 } }, new DebugLogger(false)), /configuration/i);
  assert.equal(config.appId, 'studio.attempt.app');
  assert.equal(config.productName, 'Attempt Studio');
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.equal(config.asar, true);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const range = String(pkg.optionalDependencies.electron);
  const [maj, min, pat] = String(config.electronVersion).split('.').map(Number);
  const [rmaj, rmin, rpat] = range.replace(/^\^/, '').split('.').map(Number);
  assert.ok(range.startsWith('^') && maj === rmaj && (min! > rmin! || (min === rmin && pat! >= rpat!)), `electronVersion ${config.electronVersion} outside ${range}`);
  assert.equal(config.extraMetadata.main, pkg.main);
  assert.ok(existsSync(path.join(ROOT, pkg.main)));
  assert.match(pkg.scripts.dist, /scripts\/dist\.mjs/);
});

test('every path and glob the config names exists (or is a build output with a producer), icons included', () => {
  const all = walk(ROOT);
  for (const g of files.filter((f) => !f.startsWith('!'))) {
    const hit = all.some((f) => match(f, g));
    assert.ok(hit || BUILD_OUTPUTS[g], `files: '${g}' matches nothing and is not a known build output`);
  }
  for (const g of unpack) {
    const dir = g.startsWith('node_modules/') ? path.join(ROOT, g.replace(/\/\*\*$/, '')) : undefined;
    const hit = all.some((f) => match(f, g)) || (dir !== undefined && existsSync(dir));
    // tfjs-node and webgpu are optional (not always installed); the rest must exist.
    const optional = ['node_modules/@tensorflow/tfjs-node/**', 'node_modules/webgpu/dist/**'];
    assert.ok(hit || BUILD_OUTPUTS[g] || optional.includes(g), `asarUnpack: '${g}' matches nothing`);
  }
  for (const out of Object.values(BUILD_OUTPUTS)) assert.ok(existsSync(path.join(ROOT, out.split(' ')[0]!)), `producer ${out}`);
  // Icons: PNG set for Linux (with 512x512), ICO for Windows, ICNS for macOS, each a real image of its kind.
  const icons = path.join(ROOT, config.linux.icon);
  assert.ok(statSync(icons).isDirectory());
  const png = readFileSync(path.join(icons, '512x512.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), 512);
  const ico = readFileSync(path.join(ROOT, config.win.icon));
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1]);
  assert.ok(ico.readUInt16LE(4) >= 1);
  assert.equal(readFileSync(path.join(ROOT, config.mac.icon)).subarray(0, 4).toString(), 'icns');
  assert.ok(existsSync(path.join(ROOT, config.directories.buildResources)));
});

test('the packaged layout: workers, grader thread, datasets in app.asar; native code and esbuild unpacked', () => {
  const appAsar = path.join('/opt/Attempt Studio/resources', 'app.asar');
  for (const [kind, entry] of Object.entries(WORKER_ENTRIES)) {
    const r = rel(entry);
    assert.ok(existsSync(entry), `${kind} worker ${r}`);
    assert.ok(packaged(r), `${kind} worker ${r} is not packaged`);
    const inApp = path.join(appAsar, r);
    assert.ok(isInAsar(inApp));
    const launch = workerLaunch(inApp, {});
    assert.equal(launch.modulePath, inApp);
    assert.match(launch.execArgv.join(' '), /^--import file:\/\/.+\/tsx\/dist\/loader\.mjs$/, 'tsx by absolute URL: the packaged working folder has no node_modules');
    assert.ok(launch.env.ESBUILD_BINARY_PATH === undefined || launch.env.ESBUILD_BINARY_PATH.includes('node_modules'), String(launch.env.ESBUILD_BINARY_PATH));
  }
  // Outside asar (a checkout), no esbuild override.
  assert.equal(workerLaunch(WORKER_ENTRIES.train, {}).env.ESBUILD_BINARY_PATH, undefined);
  assert.equal(toUnpacked(path.join(appAsar, 'node_modules/@esbuild/linux-x64/bin/esbuild')), '/opt/Attempt Studio/resources/app.asar.unpacked/node_modules/@esbuild/linux-x64/bin/esbuild');
  assert.equal(toUnpacked('/home/u/repo/node_modules/x'), '/home/u/repo/node_modules/x');
  for (const [platform, arch] of [['linux', 'x64'], ['darwin', 'arm64'], ['win32', 'x64']] as const) {
    const e = esbuildPackage(platform, arch);
    assert.ok(unpacked(`node_modules/${e.name}/${e.binary}`), `${e.name} must be unpacked`);
  }
  assert.ok(packaged('backend/math/cas-worker-entry.mjs') && existsSync(path.join(ROOT, 'backend/math/cas-worker-entry.mjs')), 'grader worker thread');
  assert.ok(packaged('bin/attempt-studio.js'), 'the runtime probe runs the CLI');
  for (const d of BUILTIN_DATASETS) {
    const r = rel(path.join(DATASETS_DIR, d.file));
    assert.ok(existsSync(path.join(ROOT, r)) && packaged(r), `dataset ${d.name}: ${r}`);
  }
  const addon = rel(ADDON_PATH);
  assert.ok(packaged(addon) && unpacked(addon), `native addon ${addon}`);
  // better-sqlite3: the Electron copy ships, unpacked, where backend/db/sqlite-binding.ts looks for it.
  for (const f of [BINARY_NAME, BUILD_INFO_NAME]) {
    const r = `${ELECTRON_SQLITE_REL}/${f}`;
    assert.ok(packaged(r) && unpacked(r), `${r} must be packaged and unpacked`);
  }
  assert.equal(electronSqliteDir(appAsar, {}), '/opt/Attempt Studio/resources/app.asar.unpacked/native/electron-sqlite');
  assert.equal(config.npmRebuild, false, "electron-builder must not rebuild node_modules/better-sqlite3 in place (the Node build the CLI and tests use)");
  // Dawn (the webgpu runtime) for every platform the npm package ships.
  for (const dir of ['linux-x64', 'linux-arm64', 'darwin-universal', 'win32-x64']) assert.ok(unpacked(`node_modules/webgpu/dist/${dir}/dawn.node`), `dawn.node (${dir}) must be unpacked`);
  // Nothing of the development tree ships.
  for (const r of ['tests/backend/api/http-server.test.ts', 'bench/model.ts', 'electron/electron.d.ts', 'scripts/test.mjs', 'native/src/kernels.cc', '.ci/run'])
    assert.equal(packaged(r), false, `${r} must not be packaged`);
});

test('the backend, electron and bin import only node built-ins and shipped dependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const shipped = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const sources = walk(ROOT).filter((f) => packaged(f) && /\.(ts|mjs|js)$/.test(f) && !f.startsWith('renderer/'));
  assert.ok(sources.length > 50);
  const missing: string[] = [];
  for (const f of sources) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)|import\s+'([^'.][^']*)'/g)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (builtins.has(spec) || spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!shipped.has(name) && name !== 'electron') missing.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(missing, [], 'imports of packages that are not production dependencies');
});
