// `attempt-studio serve` through the real bin: one line with the full URL and token, the token from
// ATTEMPT_STUDIO_TOKEN or --token, 200/401 on /api/health, a clean exit on SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const line = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, line, stderr: () => err };
}

test('serve prints one URL line with the token; health answers 200 with it and 401 without; SIGINT exits 0', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-serve-'));
  try {
    const s = serve(['--db', path.join(dir, 'a.db')], { ATTEMPT_STUDIO_TOKEN: 'env-token-123456' });
    const line = await s.line;
    const m = /^Attempt Studio: (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=env-token-123456$/.exec(line);
    assert.ok(m, line);
    assert.equal((await fetch(`${m[1]}api/health?token=env-token-123456`)).status, 200);
    assert.equal((await fetch(`${m[1]}api/health`)).status, 401);
    const page = await (await fetch(line.slice('Attempt Studio: '.length))).text();
    assert.match(page, /<title>Attempt Studio<\/title>/);
    const code = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGINT');
    assert.equal(await code, 0);

    const t = serve(['--db', path.join(dir, 'b.db'), '--token', 'flag-token-abcdef'], { ATTEMPT_STUDIO_TOKEN: '' });
    assert.match(await t.line, /\?token=flag-token-abcdef$/);
    t.child.kill('SIGTERM');
    await new Promise((r) => t.child.once('exit', r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
