// `serve --ray`: a cluster or shared folder that cannot be used is refused with one line (exit 2) before the
// server starts and before any run is queued; the database keeps no trace of it. A cluster saved in
// settings.json (the Settings page) that cannot be reached does not lock the user out: serve starts locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('serve --ray refuses an unreachable shared folder or dashboard with one line, exit 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-serve-ray-'));
  try {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--db', path.join(dir, 's.db'), ...args], { encoding: 'utf8', timeout: 120_000 });
    const noFolder = run(['--ray', 'http://127.0.0.1:9', '--ray-shared-dir', path.join(dir, 'missing')]);
    assert.equal(noFolder.status, 2, noFolder.stderr);
    assert.match(noFolder.stderr, /Ray backend: the shared folder .*missing is not reachable \(ENOENT\)/);
    const noCluster = run(['--ray', 'http://127.0.0.1:9']);
    assert.equal(noCluster.status, 2, noCluster.stderr);
    assert.match(noCluster.stderr, /cannot reach the Ray dashboard at http:\/\/127\.0\.0\.1:9 .*ray start --head/);
    for (const r of [noFolder, noCluster]) {
      assert.equal(r.stdout, '', 'no URL: the server never started');
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cluster saved in settings.json that cannot be reached does not stop serve: it starts on this machine and says why', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-serve-ray-'));
  const xdg = path.join(dir, 'config');
  mkdirSync(path.join(xdg, 'Attempt Studio'), { recursive: true });
  writeFileSync(path.join(xdg, 'Attempt Studio', 'settings.json'), JSON.stringify({ ray: { address: 'http://127.0.0.1:9' } }));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', path.join(dir, 's.db')], {
    env: { ...process.env, XDG_CONFIG_HOME: xdg, ATTEMPT_STUDIO_RAY: '', ATTEMPT_STUDIO_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${err}`)));
    });
    assert.match(line, /^Attempt Studio: http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(err, /Ray backend \(settings\): cannot reach the Ray dashboard at http:\/\/127\.0\.0\.1:9 .*\nRunning on this machine instead; change the cluster on the Settings page or in .*settings\.json/);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
