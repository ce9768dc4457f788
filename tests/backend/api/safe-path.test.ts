// UI paths are untrusted: traversal, relative paths, NUL bytes, symlink escapes, special files, oversized
// files and silent overwrites are all refused with an error naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkExportTarget, checkUserPath, isInsideDir } from '../../../backend/api/safe-path.js';
import { ApiError } from '../../../backend/api/contract.js';

const rejects = (f: () => unknown, status: number, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof ApiError && e.status === status && re.test(e.message) && e.field !== undefined);

test('checkUserPath: kinds, limits, traversal and symlink escapes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-paths-'));
  try {
    const data = path.join(dir, 'data');
    mkdirSync(data);
    const file = path.join(data, 'q.jsonl');
    writeFileSync(file, '{"question":"1+1","answer":"2"}\n');
    writeFileSync(path.join(dir, 'secret.jsonl'), 'x');
    symlinkSync(path.join(dir, 'secret.jsonl'), path.join(data, 'link.jsonl'));
    const opts = { field: 'dataset', mustBe: 'file' as const, within: [data], maxBytes: 1024, extensions: ['.jsonl', '.json', '.parquet'] };
    assert.equal(checkUserPath(file, opts), file.replace(dir, checkUserPath(dir, { field: 'd' })));
    rejects(() => checkUserPath(`${data}/../secret.jsonl`, opts), 400, /'\.\.' is not allowed/);
    rejects(() => checkUserPath('data/q.jsonl', opts), 400, /absolute path/);
    rejects(() => checkUserPath(`${file}\0.png`, opts), 400, /NUL/);
    rejects(() => checkUserPath('', opts), 400, /give a path/);
    rejects(() => checkUserPath(42, opts), 400, /give a path/);
    rejects(() => checkUserPath(path.join(data, 'link.jsonl'), opts), 400, /outside the allowed folders/);
    rejects(() => checkUserPath(path.join(data, 'nope.jsonl'), opts), 404, /does not exist/);
    rejects(() => checkUserPath(data, { ...opts, extensions: undefined }), 400, /not a regular file/);
    rejects(() => checkUserPath('/dev/zero', { field: 'dataset', mustBe: 'file' }), 400, /not a regular file/);
    rejects(() => checkUserPath(path.join(data, 'q.py'), opts), 400, /expected a \.jsonl/);
    writeFileSync(path.join(data, 'big.jsonl'), Buffer.alloc(2048, 0x20));
    rejects(() => checkUserPath(path.join(data, 'big.jsonl'), opts), 413, /over the 0\.00 MiB limit|over the/);
    rejects(() => checkUserPath(file, { field: 'model', mustBe: 'dir' }), 400, /not a folder/);
    assert.equal(isInsideDir('/a/b/c', '/a/b'), true);
    assert.equal(isInsideDir('/a/bc', '/a/b'), false);
    assert.equal(isInsideDir('/a/b', '/a/b'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkExportTarget: never overwrites without confirmation, never writes through links or into the install folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-export-'));
  try {
    const real = checkUserPath(dir, { field: 'd' });
    const out = path.join(dir, 'runs.csv');
    assert.deepEqual(checkExportTarget(out, { field: 'destination' }), { path: path.join(real, 'runs.csv'), replaces: false });
    writeFileSync(out, 'old');
    rejects(() => checkExportTarget(out, { field: 'destination' }), 409, /exists; confirm to replace it/);
    assert.deepEqual(checkExportTarget(out, { field: 'destination', overwrite: true }), { path: path.join(real, 'runs.csv'), replaces: true });
    assert.equal(readFileSync(out, 'utf8'), 'old', 'checking never writes');
    rejects(() => checkExportTarget(path.join(dir, 'missing', 'x.csv'), { field: 'destination' }), 404, /does not exist/);
    rejects(() => checkExportTarget(dir, { field: 'destination', overwrite: true }), 400, /is a folder/);
    symlinkSync('/etc/passwd', path.join(dir, 'evil.csv'));
    // A link planted at the destination is never written through, confirmed or not.
    rejects(() => checkExportTarget(path.join(dir, 'evil.csv'), { field: 'destination', overwrite: true }), 400, /symbolic link/);
    rejects(() => checkExportTarget(`${dir}/sub/../x.csv`, { field: 'destination' }), 400, /'\.\.'/);
    rejects(() => checkExportTarget(path.join(dir, 'x.csv'), { field: 'destination', forbidden: [dir] }), 400, /cannot write inside/);
    rejects(() => checkExportTarget(path.join(dir, 'x.exe'), { field: 'destination', extensions: ['.csv'] }), 400, /expected a \.csv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
