// `npm start` without an Electron binary (as here, offline): browser mode with the URL printed and a note on
// how to get the desktop build; Ctrl-C ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

test('npm start falls back to browser mode, prints the URL and how to get the desktop build', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-start-'));
  const script = path.resolve(import.meta.dirname, '../../scripts/start.mjs');
  // ATTEMPT_STUDIO_BROWSER=1 forces browser mode where Electron happens to be installed.
  const child = spawn(process.execPath, [script, '--port', '0'], { env: { ...process.env, ATTEMPT_STUDIO_DB: path.join(dir, 's.db'), ATTEMPT_STUDIO_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
    });
    assert.match(line, /^Attempt Studio: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/);
    assert.match(err, /starting browser mode/);
    assert.match(err, /npm install electron/);
    const res = await fetch(line.slice('Attempt Studio: '.length));
    assert.match(await res.text(), /<title>Attempt Studio<\/title>/);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
