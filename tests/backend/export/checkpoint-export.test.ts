// Checkpoint export on real folders: the model files are copied byte for byte (optimizer and critic left out),
// the built-in vocabulary is written, targets are checked (no clobber without overwrite, no overlap, no `..`),
// broken sources are refused before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeSafetensors } from '../../../backend/model/formats/safetensors.js';
import { CharTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { exportCheckpoint } from '../../../backend/export/checkpoint-export.js';
import { ExportPathError } from '../../../backend/export/export-path.js';

function fakeCheckpoint(root: string, o: { vocab?: number; tokenizer?: boolean } = {}): string {
  const dir = path.join(root, 'step-000002');
  mkdirSync(path.join(dir, 'critic'), { recursive: true });
  const w = encodeSafetensors(new Map([['model.embed_tokens.weight', { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }]]), { format: 'pt' });
  writeFileSync(path.join(dir, 'model.safetensors'), w);
  writeFileSync(path.join(dir, 'optimizer.safetensors'), w);
  writeFileSync(path.join(dir, 'optimizer.json'), '{}');
  writeFileSync(path.join(dir, 'critic', 'model.safetensors'), w);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ vocab_size: o.vocab ?? new CharTokenizer().vocabSize }));
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ step: 2 }));
  if (o.tokenizer) writeFileSync(path.join(dir, 'tokenizer.json'), '{"model":{}}');
  return dir;
}

test('exports weights, config, run.json and the built-in vocabulary; not the optimizer or critic', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'as-ck-'));
  try {
    const src = fakeCheckpoint(root);
    const dest = path.join(root, 'out', 'my-model');
    mkdirSync(path.dirname(dest));
    const r = await exportCheckpoint(src, dest, { overwrite: false });
    assert.equal(r.destination, dest);
    assert.deepEqual(readdirSync(dest).sort(), ['char_tokenizer.json', 'config.json', 'model.safetensors', 'run.json']);
    assert.deepEqual(r.files.map((f) => f.name).sort(), readdirSync(dest).sort());
    assert.ok(readFileSync(path.join(dest, 'model.safetensors')).equals(readFileSync(path.join(src, 'model.safetensors'))));
    const vocab = JSON.parse(readFileSync(path.join(dest, 'char_tokenizer.json'), 'utf8'));
    const t = new CharTokenizer();
    assert.equal(vocab.vocab.length, t.vocabSize);
    assert.equal(vocab.vocab[t.eosId], '<|endoftext|>');
    assert.equal(vocab.vocab.join(''), t.decode([...Array(t.vocabSize).keys()]));
    assert.deepEqual(readdirSync(path.dirname(dest)), ['my-model'], 'no temporary folder left');

    await assert.rejects(exportCheckpoint(src, dest, { overwrite: false }), (e: unknown) => e instanceof ExportPathError && e.status === 409 && /not empty/.test(e.message));
    writeFileSync(path.join(dest, 'config.json'), 'stale');
    writeFileSync(path.join(dest, 'notes.txt'), 'mine');
    await exportCheckpoint(src, dest, { overwrite: true });
    assert.equal(readFileSync(path.join(dest, 'config.json'), 'utf8'), readFileSync(path.join(src, 'config.json'), 'utf8'), 'replaced with overwrite');
    assert.equal(readFileSync(path.join(dest, 'notes.txt'), 'utf8'), 'mine', 'other files are left alone');

    for (const bad of [path.join(src, 'export'), src, `${root}/out/../escape`, 'relative/dir'])
      await assert.rejects(exportCheckpoint(src, bad, { overwrite: true }), ExportPathError, bad);
    assert.equal(existsSync(path.join(root, 'escape')), false);
    assert.equal(existsSync(path.join(src, 'export')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an HF-tokenizer checkpoint keeps its tokenizer files; broken sources are refused before writing', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'as-ck-'));
  try {
    const src = fakeCheckpoint(root, { vocab: 1000, tokenizer: true });
    writeFileSync(path.join(src, 'tokenizer_config.json'), '{}');
    const r = await exportCheckpoint(src, path.join(root, 'hf'), { overwrite: false });
    assert.deepEqual(r.files.map((f) => f.name).sort(), ['config.json', 'model.safetensors', 'run.json', 'tokenizer.json', 'tokenizer_config.json']);

    writeFileSync(path.join(src, 'model.safetensors'), Buffer.from('not a safetensors file at all'));
    await assert.rejects(exportCheckpoint(src, path.join(root, 'x1'), { overwrite: false }), /model\.safetensors: not a safetensors file/);
    rmSync(path.join(src, 'model.safetensors'));
    await assert.rejects(exportCheckpoint(src, path.join(root, 'x2'), { overwrite: false }), /no model \.safetensors file/);
    await assert.rejects(exportCheckpoint(path.join(root, 'missing'), path.join(root, 'x3'), { overwrite: false }), /missing/);
    assert.equal(existsSync(path.join(root, 'x1')) || existsSync(path.join(root, 'x2')) || existsSync(path.join(root, 'x3')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
