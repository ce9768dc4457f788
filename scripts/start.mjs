#!/usr/bin/env node
// `npm start`: opens the desktop app when Electron's binary is installed; otherwise (e.g. an offline machine
// where the optional download was skipped) starts browser mode (`attempt-studio serve`) and says how to get
// the desktop build. Extra arguments go to `serve` (e.g. npm start -- --port 8080).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);

/** The Electron binary's path, or why there is none. */
function electronBinary() {
  try {
    // The `electron` package exports the binary's path; it throws when the binary download did not happen.
    const bin = require('electron');
    return typeof bin === 'string' ? { bin } : { why: 'the electron package did not name a binary' };
  } catch (err) {
    return { why: /Cannot find module/.test(err.message) ? 'the optional electron package is not installed' : err.message.split('\n')[0] };
  }
}

function run(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
// The Svelte UI: rebuilt when renderer/dist is missing or older than its sources (serve would too; Electron loads dist).
const { ensureRenderer } = await import('./build-renderer.mjs');
await ensureRenderer().catch((err) => process.stderr.write(`Attempt Studio: UI build failed: ${err.message}\n`));
if (electron.bin && process.env.ATTEMPT_STUDIO_BROWSER !== '1') {
  const { buildPreload } = await import('./build-electron.mjs');
  await buildPreload();
  run(electron.bin, [root]);
} else {
  process.stderr.write(
    `Attempt Studio: no desktop build here (${electron.why ?? 'ATTEMPT_STUDIO_BROWSER=1'}); starting browser mode.\n` +
      'For the desktop app, install Electron with internet access: npm install electron (then npm start again).\n' +
      'Open the URL below in a browser; from another machine, tunnel it: ssh -L 4310:127.0.0.1:4310 <host>.\n' +
      'New here? In another terminal, run the whole method on the built-in model: npx attempt-studio demo --quick\n\n',
  );
  run(process.execPath, [path.join(root, 'bin/attempt-studio.js'), 'serve', ...process.argv.slice(2)]);
}
