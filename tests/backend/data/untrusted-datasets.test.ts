// Datasets are untrusted input: special files and oversized files are refused before reading, field paths
// read only a row's own fields (no prototype tricks), and nothing in a row is ever executed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importDataset } from '../../../backend/data/importer.js';
import { DatasetError, getPath } from '../../../backend/data/record.js';

test('a device or FIFO is refused at once; a file over the size limit too', async () => {
  await assert.rejects(importDataset('/dev/zero.jsonl'), DatasetError);
  const dir = mkdtempSync(path.join(tmpdir(), 'as-untrusted-'));
  try {
    // /dev/zero itself, named as JSONL through a symlink: not a regular file, refused without reading.
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/dev/zero', path.join(dir, 'zero.jsonl'));
    await assert.rejects(importDataset(path.join(dir, 'zero.jsonl')), /not a regular file/);
    const big = path.join(dir, 'big.jsonl');
    writeFileSync(big, '{"question":"q","answer":"1"}\n'.repeat(100));
    process.env.ATTEMPT_STUDIO_MAX_DATASET_MB = '0.001';
    try {
      await assert.rejects(importDataset(big), /over the 0 MiB limit for a dataset file|over the .* limit/);
    } finally {
      delete process.env.ATTEMPT_STUDIO_MAX_DATASET_MB;
    }
    assert.equal((await importDataset(big)).records.length, 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows cannot pollute prototypes, reach inherited fields, or run code', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-untrusted-'));
  const marker = path.join(dir, 'pwned');
  try {
    const f = path.join(dir, 'evil.jsonl');
    writeFileSync(
      f,
      [
        JSON.stringify({ __proto__: { polluted: 'yes' }, question: 'q1', answer: '1' }).replace('"question"', '"__proto__":{"polluted":"yes"},"question"'),
        JSON.stringify({ question: `require('child_process').execSync('touch ${marker}')`, answer: '${process.exit(1)}' }),
        JSON.stringify({ question: '{{ cycler.__init__.__globals__.os.popen("id").read() }}', answer: '2' }),
      ].join('\n'),
    );
    const r = await importDataset(f);
    assert.equal(r.records.length, 3);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    assert.equal(existsSync(marker), false);
    assert.equal(r.records[1]!.answer, '{process.exit(1)}'); // the $ wrapper dropped, the rest plain text
    assert.equal(getPath({ a: 1 }, 'constructor'), undefined);
    assert.equal(getPath({ a: 1 }, '__proto__'), undefined);
    assert.equal(getPath({ a: { toString: 'own' } }, 'a.toString'), 'own');
    await assert.rejects(importDataset(f, { questionField: 'constructor.name' }), DatasetError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
