// `attempt-studio grade` as a user runs it: the real bin script on small JSONL files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'grade', ...args], { encoding: 'utf8' });
const dir = mkdtempSync(path.join(tmpdir(), 'as-grade-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('writes every line back with equal, method and timedOut', () => {
  const input = path.join(dir, 'in.jsonl');
  const output = path.join(dir, 'out.jsonl');
  writeFileSync(
    input,
    [
      JSON.stringify({ id: 'a', pred: '\\frac12', gold: '0.5' }),
      JSON.stringify({ id: 'b', pred: '(x+1)^2', gold: 'x^2+2x+1' }),
      '',
      JSON.stringify({ id: 'c', pred: '7', gold: 8 }),
    ].join('\n'),
  );
  const r = run('--input', input, '--output', output);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /graded 3 lines: 2 equal, 1 not equal/);
  const rows = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => [x.id, x.equal, x.timedOut]),
    [
      ['a', true, false],
      ['b', true, false],
      ['c', false, false],
    ],
  );
  assert.equal(rows[0].method, 'numeric');
  const stdout = run('--input', input);
  assert.equal(stdout.status, 0);
  assert.equal(stdout.stdout.trim().split('\n').length, 3);
});

test('both fields are parsed the same way (delimiters, boxes, "final answer is", structures)', () => {
  const input = path.join(dir, 'parsed.jsonl');
  const lines: [string, string, boolean][] = [
    ['$\\boxed{\\frac{1}{3}}$', '$1/3$', true],
    ['The final answer is $\\tfrac83$. I hope it is correct.', '\\boxed{\\frac{8}{3}}', true],
    ['$x \\leq 5$', '$5 \\geq x$', true],
    ['\\boxed{\\{-2021, 2021\\}}', '\\pm 2021', true],
    ['$11a+c$', '$7 = 11a+c$', false],
    ['$(4, 10, -2)$', '$(10, 4, -2)$', false],
  ];
  writeFileSync(input, lines.map(([pred, gold]) => JSON.stringify({ pred, gold })).join('\n'));
  const r = run('--input', input);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { equal: boolean });
  assert.deepEqual(
    rows.map((x) => x.equal),
    lines.map((l) => l[2]),
  );
});

test('a malformed line is an error naming the line, and nothing is written', () => {
  const input = path.join(dir, 'bad.jsonl');
  const output = path.join(dir, 'never.jsonl');
  writeFileSync(input, `${JSON.stringify({ pred: '1', gold: '1' })}\n{"pred": "2", "gold": }\n`);
  const r = run('--input', input, '--output', output);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.jsonl:2: malformed JSON/);
  assert.equal(existsSync(output), false);
  writeFileSync(input, `${JSON.stringify({ pred: '1' })}\n`);
  const missing = run('--input', input);
  assert.match(missing.stderr, /bad\.jsonl:1: field 'gold' must be a string or number, got nothing/);
  assert.equal(missing.stdout, '');
});

test('--input is required', () => {
  const r = run();
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--input FILE is required/);
});
