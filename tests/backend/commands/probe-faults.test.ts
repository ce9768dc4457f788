// The command-line faults a probe found (issue 18), through the real bin on real files: one-line errors naming
// the file (deeply nested grade input, a damaged database) and never a stack trace; listing a database the user
// may only read; a refused config or dataset creates no database; CSV formula cells and install-folder exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { createRun, logStep } from '../../../backend/db/run-store.js';
import { parseCsv } from '../../../backend/export/csv.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const bin = path.join(ROOT, 'bin/attempt-studio.js');
const cli = (args: string[], o: { cwd?: string; asNobody?: boolean } = {}) => {
  const [cmd, argv] = o.asNobody ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, ...args]] : [process.execPath, [bin, ...args]];
  return spawnSync(cmd as string, argv as string[], { encoding: 'utf8', cwd: o.cwd ?? ROOT, env: { ...process.env, ATTEMPT_STUDIO_DEBUG: '' } });
};

/** One line on stderr, no stack frames. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return lines[0]!;
}

function withDir(prefix: string, body: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A database with `n` runs of 20 steps each (enough pages to damage some away from the schema). */
function makeDb(file: string, n = 30, name = 'r'): number {
  const db = openDb(file);
  let id = 0;
  for (let r = 0; r < n; r++) {
    id = createRun(db, { kind: 'train', config: { steps: 20, pad: 'x'.repeat(3000) }, name: `${name}${r}` });
    for (let s = 1; s <= 20; s++) logStep(db, id, s, { metrics: { reward: -s / 10 }, episodes: [] });
  }
  db.close();
  return id;
}

test('grade: a line nested 5,000 deep is a one-line error naming the file and line, exit 1', () => {
  withDir('as-probe-grade-', (dir) => {
    const f = path.join(dir, 'f.jsonl');
    writeFileSync(f, '{"pred":"1","gold":"1"}\n' + `{"pred":"1","gold":"1","x":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
    const r = cli(['grade', '--input', f]);
    assert.equal(r.status, 1);
    assert.match(oneLine(r.stderr), new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: JSON nested deeper than 1000 levels`));
    assert.equal(r.stdout, '', 'nothing written half-way');
  });
});

test('runs list / export on a database with damaged pages: one line naming the file, exit 1', () => {
  withDir('as-probe-damaged-', (dir) => {
    const file = path.join(dir, 's.db');
    makeDb(file);
    const size = statSync(file).size;
    const bytes = readFileSync(file);
    for (let p = Math.floor(size / 4096 / 2); p < size / 4096; p++) bytes.fill(0xde, p * 4096, (p + 1) * 4096);
    writeFileSync(file, bytes);
    const r = cli(['runs', 'list', '--db', file]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(oneLine(r.stderr), /the database .*s\.db is damaged \(SQLITE_CORRUPT/);
    const e = cli(['export', 'csv', '--table', 'metrics', '--db', file, '--out', path.join(dir, 'm.csv')]);
    assert.equal(e.status, 1, e.stdout);
    assert.match(oneLine(e.stderr), /is damaged \(SQLITE_CORRUPT/);
  });
});

test('runs list works on a database the user may only read (listed as stored, nothing written)', () => {
  const root = process.getuid?.() === 0;
  if (root && spawnSync('setpriv', ['--version']).status !== 0) return; // root without setpriv cannot drop to a reader
  withDir('as-probe-ro-', (dir) => {
    const file = path.join(dir, 's.db');
    makeDb(file, 2, 'ro-run-');
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    try {
      const r = cli(['runs', 'list', '--db', file, '--json'], { asNobody: root });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).map((x: { name: string }) => x.name), ['ro-run-1', 'ro-run-0']);
      assert.match(r.stderr, /read-only here: listed as stored/);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

test('train: an invalid config or a dataset that is not one is refused before any database is created', () => {
  withDir('as-probe-train-', (dir) => {
    const bad = path.join(dir, 'invalid.json');
    writeFileSync(bad, JSON.stringify({ steps: -1 }));
    const db = path.join(dir, 'new.db');
    const r = cli(['train', '--config', bad, '--db', db]);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(existsSync(db), false, 'the refused config created the database');
    const notData = path.join(dir, 'passwd.json');
    writeFileSync(notData, JSON.stringify({ dataset: { source: '/etc/passwd' } }));
    const p = cli(['train', '--config', notData, '--db', db]);
    assert.equal(p.status, 2, p.stderr);
    assert.match(oneLine(p.stderr), /dataset\.source: \/etc\/passwd is not a dataset/);
    assert.equal(existsSync(db), false);
    // A relative dataset path is resolved against the working folder, and a missing one named so.
    const rel = path.join(dir, 'rel.json');
    writeFileSync(rel, JSON.stringify({ dataset: { source: 'data/q.jsonl' } }));
    const q = cli(['train', '--config', rel, '--db', db], { cwd: dir });
    assert.equal(q.status, 2);
    assert.match(oneLine(q.stderr), new RegExp(`no dataset file at ${dir}/data/q\\.jsonl \\(relative paths are resolved against the working folder`));
    assert.equal(existsSync(db), false);
  });
});

test('export csv: formula cells are neutralised; the install folder is refused, including as the default folder', () => {
  withDir('as-probe-export-', (dir) => {
    const file = path.join(dir, 's.db');
    makeDb(file, 1, '=HYPERLINK("http://evil.example")-');
    const out = path.join(dir, 'm.csv');
    const r = cli(['export', 'csv', '--table', 'metrics', '--db', file, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const rows = parseCsv(readFileSync(out, 'utf8').slice(1));
    assert.equal(rows[1]![rows[0]!.indexOf('run_name')], `'=HYPERLINK("http://evil.example")-0`);
    assert.equal(rows[1]![rows[0]!.indexOf('value')], '-0.1');
    const inside = path.join(ROOT, 'probe-cli-export.csv');
    const refused = cli(['export', 'csv', '--table', 'metrics', '--db', file, '--out', inside]);
    assert.notEqual(refused.status, 0);
    assert.match(oneLine(refused.stderr), /where the studio never writes/);
    assert.equal(existsSync(inside), false);
    const byDefault = cli(['export', 'csv', '--table', 'metrics', '--db', file], { cwd: ROOT });
    assert.notEqual(byDefault.status, 0);
    assert.match(oneLine(byDefault.stderr), /never writes.*give a path/);
  });
});
