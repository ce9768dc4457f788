#!/usr/bin/env node
// `npm start`: opens the desktop app when Electron's binary is installed; otherwise (e.g. an offline machine
// where the optional download was skipped) starts browser mode (`attempt-studio serve`) and says how to get
// the desktop build. Before Electron starts, better-sqlite3's Electron build (native/electron-sqlite) is made
// when missing or stale (scripts/build-electron-sqlite.mjs); when that cannot be done, it says what to run and
// starts browser mode. Extra arguments go to `serve` (e.g. npm start -- --port 8080).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const say = (m) => process.stderr.write(`${m}\n`);

/**
 * The Electron binary and its version, or why there is none. $ATTEMPT_STUDIO_ELECTRON names a binary outside
 * node_modules (its version from `--version`); otherwise the optional `electron` package's.
 */
function electronBinary() {
  const custom = process.env.ATTEMPT_STUDIO_ELECTRON;
  if (custom) {
    const r = spawnSync(custom, ['--version'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const version = /^v?(\d+\.\d+\.\d+)/.exec(r.stdout?.trim() ?? '')?.[1];
    return version ? { bin: custom, version } : { why: `$ATTEMPT_STUDIO_ELECTRON (${custom}) did not report a version` };
  }
  try {
    // The `electron` package exports the binary's path; it throws when the binary download did not happen.
    const bin = require('electron');
    if (typeof bin !== 'string') return { why: 'the electron package did not name a binary' };
    return { bin, version: require('electron/package.json').version };
  } catch (err) {
    return { why: /Cannot find module/.test(err.message) ? 'the optional electron package is not installed' : err.message.split('\n')[0] };
  }
}

function run(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function browserMode(why, howToDesktop) {
  say(
    `Attempt Studio: no desktop build here (${why}); starting browser mode.\n` +
      `${howToDesktop}\n` +
      'Open the URL below in a browser; from another machine, tunnel it: ssh -L 4310:127.0.0.1:4310 <host>.\n' +
      'New here? In another terminal, run the whole method on the built-in model: npx attempt-studio demo --quick\n',
  );
  run(process.execPath, [path.join(root, 'bin/attempt-studio.js'), 'serve', ...process.argv.slice(2)]);
}

const electron = electronBinary();
// The Svelte UI: rebuilt when renderer/dist is missing or older than its sources (serve would too; Electron loads dist).
const { ensureRenderer } = await import('./build-renderer.mjs');
await ensureRenderer().catch((err) => say(`Attempt Studio: UI build failed: ${err.message}`));
if (process.env.ATTEMPT_STUDIO_BROWSER === '1') {
  browserMode('ATTEMPT_STUDIO_BROWSER=1', 'Unset ATTEMPT_STUDIO_BROWSER for the desktop app.');
} else if (!electron.bin) {
  browserMode(electron.why, 'For the desktop app, install Electron with internet access: npm install electron (then npm start again).');
} else {
  // better-sqlite3 is not N-API: Electron loads its own build, made here on the first start and after upgrades.
  const { ensureElectronSqlite } = await import('./build-electron-sqlite.mjs');
  const sqlite = await ensureElectronSqlite({ electronVersion: electron.version, electronBin: electron.bin, log: say });
  if (!sqlite.ok) {
    say(sqlite.message);
    browserMode(`better-sqlite3 is not built for Electron ${electron.version}`, 'The desktop app starts once that build exists: npm run build:electron-sqlite (with internet), then npm start.');
  } else {
    say(sqlite.message);
    const { buildPreload } = await import('./build-electron.mjs');
    await buildPreload();
    say(`Attempt Studio: starting the desktop app (Electron ${electron.version}, ${path.relative(root, electron.bin) || electron.bin})`);
    run(electron.bin, [root, ...process.argv.slice(2)]);
  }
}
