// The CLI as a user runs it: the real bin script in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { commands } from '../../../backend/cli.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('--help lists every command', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const c of commands) assert.match(r.stdout, new RegExp(`\\b${c.name}\\b`));
});

test('every command answers --help with its usage', () => {
  for (const c of commands) {
    const r = run(c.name, '--help');
    assert.equal(r.status, 0, `${c.name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: attempt-studio ${c.name}`));
  }
});

test('unknown command and unknown option exit 2 with a message', () => {
  const a = run('frobnicate');
  assert.equal(a.status, 2);
  assert.match(a.stderr, /unknown command 'frobnicate'/);
  const b = run('runtime', '--bogus');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /Unknown option '--bogus'/);
});

test('runtime --json reports the chosen backend', () => {
  const r = run('runtime', '--force', 'cpu', '--json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.name, 'cpu');
  assert.equal(report.tfBackend, 'cpu');
});
