// Which better-sqlite3 binary a process loads: the Node build under plain Node, the Electron copy (its own
// folder, build-info.json matching) when process.versions.electron is set — faked here, in-process and in real
// child processes, since no Electron binary can be downloaded on this machine — and a one-line error naming the
// command to run when that copy is missing or stale. Every open of the database goes through one function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BINARY_NAME,
  BUILD_INFO_NAME,
  betterSqlite3Version,
  electronSqliteDir,
  electronSqliteState,
  openSqlite,
  SqliteBindingError,
  sqliteNativeBinding,
  type ElectronSqliteBuildInfo,
} from '../../../backend/db/sqlite-binding.js';
import { openDb } from '../../../backend/db/open-db.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(import.meta.url);
const NODE_BUILD = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
const ELECTRON = { electron: '37.10.1', modules: '136' };

function info(over: Partial<ElectronSqliteBuildInfo> = {}): ElectronSqliteBuildInfo {
  return { electron: '37.10.1', abi: '136', betterSqlite3: betterSqlite3Version(), platform: process.platform, arch: process.arch, ...over };
}

/** A copy folder with a binary (by default the Node build, so it really loads under this Node) and build-info.json. */
function copyDir(buildInfo: ElectronSqliteBuildInfo | undefined, binary: string | null = NODE_BUILD): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-esql-'));
  if (binary) copyFileSync(binary, path.join(dir, BINARY_NAME));
  if (buildInfo) writeFileSync(path.join(dir, BUILD_INFO_NAME), JSON.stringify(buildInfo));
  return dir;
}

test('plain Node keeps the default build; openSqlite opens a real file with it', () => {
  assert.equal(process.versions.electron, undefined);
  assert.equal(sqliteNativeBinding(), undefined);
  assert.equal(sqliteNativeBinding({ modules: '115' }), undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'as-esql-'));
  try {
    const db = openSqlite(path.join(dir, 'a.db'));
    db.exec('create table t(x); insert into t values (42)');
    assert.equal((db.prepare('select x from t').get() as { x: number }).x, 42);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing and stale detection compares every field build-info.json records', () => {
  const ok = copyDir(info());
  const noInfo = copyDir(undefined);
  const noBinary = copyDir(info(), null);
  const badInfo = copyDir(undefined);
  writeFileSync(path.join(badInfo, BUILD_INFO_NAME), '{"electron": 37');
  try {
    assert.deepEqual(electronSqliteState(ok, info()), { ok: true, binary: path.join(ok, BINARY_NAME), info: info() });
    // Fields absent from `want` are not compared (npm start knows Electron's version, not its ABI).
    assert.equal(electronSqliteState(ok, { electron: '37.10.1' }).ok, true);
    const missing = electronSqliteState(noBinary, info());
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok && missing.reason === 'missing' && missing.detail.includes(BINARY_NAME));
    for (const d of [noInfo, badInfo]) {
      const s = electronSqliteState(d, info());
      assert.ok(!s.ok && s.reason === 'missing' && s.detail.includes(BUILD_INFO_NAME), JSON.stringify(s));
    }
    const stale: Array<[Partial<ElectronSqliteBuildInfo>, RegExp]> = [
      [{ electron: '38.0.0' }, /Electron 37\.10\.1, need 38\.0\.0/],
      [{ abi: '139' }, /ABI 136, need 139/],
      [{ betterSqlite3: '99.0.0' }, /better-sqlite3 .+, need 99\.0\.0/],
      [{ platform: 'win32' }, /platform .+, need win32/],
      [{ arch: 'riscv64' }, /arch .+, need riscv64/],
    ];
    for (const [want, re] of stale) {
      const s = electronSqliteState(ok, info(want));
      assert.ok(!s.ok && s.reason === 'stale', JSON.stringify(s));
      assert.match(s.detail, re);
    }
  } finally {
    for (const d of [ok, noInfo, noBinary, badInfo]) rmSync(d, { recursive: true, force: true });
  }
});

test('under a faked Electron: the copy is chosen when it fits, a one-line error naming the command when not', () => {
  const ok = copyDir(info());
  const stale = copyDir(info({ electron: '36.9.0', abi: '135' }));
  const empty = mkdtempSync(path.join(tmpdir(), 'as-esql-'));
  try {
    assert.equal(sqliteNativeBinding(ELECTRON, { env: { ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: ok } }), path.join(ok, BINARY_NAME));
    const cases: Array<[string, RegExp]> = [
      [empty, /^better-sqlite3 for Electron 37\.10\.1 \(ABI 136\) is not built \(.*better_sqlite3\.node does not exist\): run `npm run build:electron-sqlite` with internet access \(`npm start` does it when Electron is installed\), or use browser mode: ATTEMPT_STUDIO_BROWSER=1 npm start$/],
      [stale, /^better-sqlite3 for Electron 37\.10\.1 \(ABI 136\) is out of date \(built for Electron 36\.9\.0, need 37\.10\.1; ABI 135, need 136\): run `npm run build:electron-sqlite`/],
    ];
    for (const [dir, re] of cases) {
      assert.throws(
        () => sqliteNativeBinding(ELECTRON, { env: { ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: dir } }),
        (err: Error) => err instanceof SqliteBindingError && re.test(err.message) && !err.message.includes('\n'),
      );
    }
    // The default folder is native/electron-sqlite of the checkout; in a packaged app its app.asar.unpacked twin.
    assert.equal(electronSqliteDir(REPO, {}), path.join(REPO, 'native/electron-sqlite'));
    const packaged = '/opt/Attempt Studio/resources/app.asar';
    assert.equal(electronSqliteDir(packaged, {}), '/opt/Attempt Studio/resources/app.asar.unpacked/native/electron-sqlite');
    assert.throws(() => sqliteNativeBinding(ELECTRON, { root: packaged, env: {} }), /is not built .*: this installation is incomplete; reinstall Attempt Studio$/);
  } finally {
    for (const d of [ok, stale, empty]) rmSync(d, { recursive: true, force: true });
  }
});

/** Runs `code` (ESM, tsx) in a child Node whose process.versions claims Electron 37.10.1 (ABI kept: the copy is the Node build). */
function inFakedElectron(code: string, env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-esql-fake-'));
  const fake = path.join(dir, 'fake-electron.mjs');
  writeFileSync(fake, "Object.defineProperty(process.versions, 'electron', { value: '37.10.1', enumerable: true });\n");
  const script = path.join(dir, 'child.ts');
  writeFileSync(script, code);
  try {
    return spawnSync(process.execPath, ['--import', fake, '--import', 'tsx', script], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a process that looks like Electron opens the database through openDb with the copy, or fails with the one line', () => {
  const copy = copyDir(info({ abi: process.versions.modules }));
  const empty = mkdtempSync(path.join(tmpdir(), 'as-esql-'));
  const data = mkdtempSync(path.join(tmpdir(), 'as-esql-db-'));
  const openDb = JSON.stringify(path.join(REPO, 'backend/db/open-db.ts'));
  // Which better_sqlite3.node files this process has mapped: proof of which binary was loaded.
  const code = `import { readFileSync } from 'node:fs';
import { openDb } from ${openDb};
try {
  const db = openDb(${JSON.stringify(path.join(data, 'studio.db'))});
  const runs = db.prepare("select count(*) n from sqlite_master where name = 'runs'").get();
  const maps = [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.endsWith('better_sqlite3.node')))];
  console.log(JSON.stringify({ electron: process.versions.electron, runs: runs.n, maps }));
} catch (err) {
  console.error('ERROR ' + err.name + ': ' + err.message);
  process.exit(3);
}`;
  try {
    const good = inFakedElectron(code, { ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: copy });
    assert.equal(good.status, 0, good.stderr);
    const out = JSON.parse(good.stdout.trim()) as { electron: string; runs: number; maps: string[] };
    assert.equal(out.electron, '37.10.1');
    assert.equal(out.runs, 1, 'the schema was migrated through the copy');
    assert.deepEqual(out.maps, [path.join(copy, BINARY_NAME)], 'only the Electron copy is loaded, not node_modules/better-sqlite3/build');

    rmSync(data, { recursive: true, force: true });
    mkdirSync(data);
    const bad = inFakedElectron(code, { ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: empty });
    assert.equal(bad.status, 3, bad.stdout + bad.stderr);
    assert.match(bad.stderr.trim(), /^ERROR SqliteBindingError: better-sqlite3 for Electron 37\.10\.1 \(ABI \d+\) is not built .* run `npm run build:electron-sqlite`/);
    assert.equal(readdirSync(data).filter((f) => f.startsWith('studio.db')).length, 0, 'nothing is created when the binary cannot load');
  } finally {
    for (const d of [copy, empty, data]) rmSync(d, { recursive: true, force: true });
  }
});

test('the CLI under a faked Electron (as the app forks it) says what to run, without a stack trace', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'as-esql-'));
  const data = mkdtempSync(path.join(tmpdir(), 'as-esql-db-'));
  const fake = path.join(empty, 'fake-electron.mjs');
  writeFileSync(fake, "Object.defineProperty(process.versions, 'electron', { value: '37.10.1', enumerable: true });\n");
  try {
    openDb(path.join(data, 's.db')).close(); // a database made by the CLI on plain Node
    const r = spawnSync(process.execPath, ['--import', fake, path.join(REPO, 'bin/attempt-studio.js'), 'runs', 'list', '--db', path.join(data, 's.db')], {
      cwd: REPO,
      env: { ...process.env, ATTEMPT_STUDIO_ELECTRON_SQLITE_DIR: path.join(empty, 'none') },
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /better-sqlite3 for Electron 37\.10\.1 .* is not built .*npm run build:electron-sqlite/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  } finally {
    for (const d of [empty, data]) rmSync(d, { recursive: true, force: true });
  }
});

test('every place that opens a SQLite file goes through openSqlite (the one that picks the binary)', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', '.git', '.cache'].includes(e.name)) walk(p);
      } else if (/\.(ts|mts|mjs|js)$/.test(e.name) && statSync(p).size < 2_000_000) {
        const rel = path.relative(REPO, p);
        if (rel === path.join('backend', 'db', 'sqlite-binding.ts')) continue;
        const text = readFileSync(p, 'utf8');
        if (/new Database\(|import Database from 'better-sqlite3'|require\('better-sqlite3'\)/.test(text)) offenders.push(rel);
      }
    }
  };
  for (const d of ['backend', 'electron', 'bin', 'bench', 'tests', 'scripts']) walk(path.join(REPO, d));
  assert.deepEqual(offenders.filter((f) => f !== path.join('tests', 'backend', 'db', 'sqlite-binding.test.ts')), []);
});
