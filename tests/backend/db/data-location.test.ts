// Where data goes: the per-user app-data folder of each platform (as Electron's userData), never the install
// or source folder; --db / --data-dir / environment / settings.json override it in that order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appDataRoot, defaultDataDir, isInside, readSettings, resolveDataLocation, writeSettings, type PlatformEnv } from '../../../backend/db/data-location.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

test('platform defaults follow Electron appData rules and sit outside every install folder', () => {
  const cases: Array<[PlatformEnv, string, string[]]> = [
    [{ platform: 'linux', env: {}, home: '/home/ana' }, '/home/ana/.config/Attempt Studio', ['/opt/Attempt Studio', '/usr/lib/attempt-studio', '/tmp/.mount_AttemptXYZ', REPO]],
    [{ platform: 'linux', env: { XDG_CONFIG_HOME: '/data/cfg' }, home: '/home/ana' }, '/data/cfg/Attempt Studio', ['/opt/Attempt Studio']],
    [{ platform: 'linux', env: { XDG_CONFIG_HOME: 'relative/cfg' }, home: '/home/ana' }, '/home/ana/.config/Attempt Studio', ['/opt/Attempt Studio']],
    [{ platform: 'darwin', env: {}, home: '/Users/ana' }, '/Users/ana/Library/Application Support/Attempt Studio', ['/Applications/Attempt Studio.app']],
    [{ platform: 'win32', env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, home: 'C:\\Users\\ana' }, 'C:\\Users\\ana\\AppData\\Roaming\\Attempt Studio', ['C:\\Users\\ana\\AppData\\Local\\Programs\\attempt-studio', 'C:\\Program Files\\Attempt Studio']],
    [{ platform: 'win32', env: {}, home: 'C:\\Users\\ana' }, 'C:\\Users\\ana\\AppData\\Roaming\\Attempt Studio', ['C:\\Program Files\\Attempt Studio']],
  ];
  for (const [p, want, installs] of cases) {
    assert.equal(defaultDataDir(p), want, `${p.platform} ${JSON.stringify(p.env)}`);
    const loc = resolveDataLocation({ platform: p, settings: {} });
    assert.equal(loc.source, 'default');
    assert.equal(loc.dataDir, want);
    assert.ok(loc.dbPath.startsWith(want) && loc.dbPath.endsWith('attempt-studio.db'));
    const pathApi = p.platform === 'win32' ? path.win32 : path.posix;
    for (const install of installs) {
      const rel = pathApi.relative(install, loc.dataDir);
      assert.ok(rel.startsWith('..') || pathApi.isAbsolute(rel), `${loc.dataDir} must be outside ${install}`);
    }
  }
  assert.equal(appDataRoot({ platform: 'freebsd', env: {}, home: '/u' }), '/u/.config');
  // This machine's default is not inside the repository (the dev "install folder").
  assert.equal(isInside(defaultDataDir(), REPO), false);
});

test('precedence: --db, --data-dir, $ATTEMPT_STUDIO_DB, $ATTEMPT_STUDIO_DATA_DIR, settings.json, default', () => {
  const p = (env: Record<string, string>): PlatformEnv => ({ platform: 'linux', env, home: '/home/ana' });
  const env = { ATTEMPT_STUDIO_DB: '/e/db/x.db', ATTEMPT_STUDIO_DATA_DIR: '/e/dir' };
  const settings = { dataDir: '/s/dir' };
  assert.deepEqual(resolveDataLocation({ db: '/f/a.db', dataDir: '/f/dir', platform: p(env), settings }), { dbPath: '/f/a.db', dataDir: '/f/dir', source: '--db' });
  assert.deepEqual(resolveDataLocation({ db: '/f/a.db', platform: p(env), settings }), { dbPath: '/f/a.db', dataDir: '/f', source: '--db' });
  assert.deepEqual(resolveDataLocation({ dataDir: '/f/dir', platform: p(env), settings }), { dbPath: '/f/dir/attempt-studio.db', dataDir: '/f/dir', source: '--data-dir' });
  assert.deepEqual(resolveDataLocation({ platform: p(env), settings }), { dbPath: '/e/db/x.db', dataDir: '/e/db', source: 'ATTEMPT_STUDIO_DB' });
  assert.deepEqual(resolveDataLocation({ platform: p({ ATTEMPT_STUDIO_DATA_DIR: '/e/dir' }), settings }).source, 'ATTEMPT_STUDIO_DATA_DIR');
  assert.deepEqual(resolveDataLocation({ platform: p({}), settings }), { dbPath: '/s/dir/attempt-studio.db', dataDir: '/s/dir', source: 'settings' });
  assert.equal(resolveDataLocation({ dataDir: 'rel/dir', platform: p({}), settings: {} }).dataDir, path.resolve('rel/dir'));
});

test('settings.json: written atomically, read back; broken or relative entries are errors naming the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-settings-'));
  try {
    const file = path.join(dir, 'sub', 'settings.json');
    assert.deepEqual(readSettings(file), {});
    writeSettings({ dataDir: '/big/disk/studio' }, file);
    assert.deepEqual(readSettings(file), { dataDir: '/big/disk/studio' });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { dataDir: '/big/disk/studio' });
    assert.throws(() => writeSettings({ dataDir: 'relative' }, file), /absolute/);
    writeFileSync(file, '{ nope');
    assert.throws(() => readSettings(file), (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message));
    writeFileSync(file, JSON.stringify({ dataDir: 'relative/x' }));
    assert.throws(() => readSettings(file), /dataDir must be an absolute path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
