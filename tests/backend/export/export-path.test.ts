// Export targets: relative paths, `..` segments, NUL bytes, missing parents, symlinks, existing files and
// non-empty folders (409 unless overwrite), and folders overlapping the checkpoint being exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkFileTarget, checkFolderTarget, checkPathText, ExportPathError } from '../../../backend/export/export-path.js';

const rejects = async (p: Promise<unknown>, re: RegExp, status = 400) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ExportPathError, String(err));
    assert.match(err.message, re);
    assert.equal(err.status, status);
    assert.equal(err.field, 'path');
    return true;
  });

test('path text: absolute only, no .. segment (either separator), no NUL', () => {
  assert.equal(checkPathText('/tmp/a/./b.csv', 'path'), '/tmp/a/b.csv');
  for (const [raw, re] of [
    ['out.csv', /not an absolute path/],
    ['/tmp/x/../../etc/passwd', /'\.\.' segment/],
    ['/tmp/x\\..\\y.csv', /'\.\.' segment/],
    ['/tmp/a\0b.csv', /NUL/],
    ['  ', /empty/],
  ] as const)
    assert.throws(() => checkPathText(raw, 'path'), re, raw);
  assert.equal(checkPathText('/tmp/a..b/c.csv', 'path'), '/tmp/a..b/c.csv', 'dots inside a name are fine');
});

test('file targets: parent must exist; existing file 409 unless overwrite; folders and symlinks refused; extension', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-xp-'));
  try {
    const f = path.join(dir, 'a.csv');
    assert.equal(await checkFileTarget(f, { field: 'path', overwrite: false, extension: '.csv' }), f);
    await rejects(checkFileTarget(path.join(dir, 'nope', 'a.csv'), { field: 'path', overwrite: false }), /does not exist/);
    await rejects(checkFileTarget(path.join(dir, 'a.txt'), { field: 'path', overwrite: false, extension: '.csv' }), /must end in \.csv/);
    writeFileSync(f, 'x');
    await rejects(checkFileTarget(f, { field: 'path', overwrite: false }), /already exists; pass overwrite: true/, 409);
    assert.equal(await checkFileTarget(f, { field: 'path', overwrite: true }), f);
    symlinkSync(f, path.join(dir, 'link.csv'));
    await rejects(checkFileTarget(path.join(dir, 'link.csv'), { field: 'path', overwrite: true }), /symbolic link/);
    mkdirSync(path.join(dir, 'd.csv'));
    await rejects(checkFileTarget(path.join(dir, 'd.csv'), { field: 'path', overwrite: true }), /is a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('folder targets: new or empty unless overwrite; never overlapping the source, even through a symlinked parent', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-xp-'));
  try {
    const src = path.join(dir, 'ck');
    mkdirSync(src);
    writeFileSync(path.join(src, 'config.json'), '{}');
    assert.deepEqual(await checkFolderTarget(path.join(dir, 'new'), { field: 'path', overwrite: false, protect: src }), { dir: path.join(dir, 'new'), exists: false });
    mkdirSync(path.join(dir, 'empty'));
    assert.equal((await checkFolderTarget(path.join(dir, 'empty'), { field: 'path', overwrite: false, protect: src })).exists, true);
    mkdirSync(path.join(dir, 'full'));
    writeFileSync(path.join(dir, 'full', 'x'), 'x');
    await rejects(checkFolderTarget(path.join(dir, 'full'), { field: 'path', overwrite: false }), /not empty/, 409);
    assert.equal((await checkFolderTarget(path.join(dir, 'full'), { field: 'path', overwrite: true })).exists, true);
    await rejects(checkFolderTarget(src, { field: 'path', overwrite: true, protect: src }), /overlaps the checkpoint/);
    await rejects(checkFolderTarget(path.join(src, 'inner'), { field: 'path', overwrite: true, protect: src }), /overlaps the checkpoint/);
    symlinkSync(src, path.join(dir, 'alias'));
    await rejects(checkFolderTarget(path.join(dir, 'alias', 'inner'), { field: 'path', overwrite: true, protect: src }), /overlaps the checkpoint/);
    await rejects(checkFolderTarget(path.join(dir, 'alias'), { field: 'path', overwrite: true, protect: src }), /symbolic link/);
    writeFileSync(path.join(dir, 'file'), 'x');
    await rejects(checkFolderTarget(path.join(dir, 'file'), { field: 'path', overwrite: true }), /is a file/);
    await rejects(checkFolderTarget(path.join(dir, 'a', 'b'), { field: 'path', overwrite: false }), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
