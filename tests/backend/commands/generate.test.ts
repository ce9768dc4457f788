// `attempt-studio generate` and `export-model` as a user runs them (the real bin script) on a tiny Qwen2-shaped
// folder with a byte-level BPE tokenizer: continuations only, ids and text, usage errors, the export round trip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { loadHfModel } from '../../../backend/model/formats/hf-import.js';
import { HfTokenizer } from '../../../backend/model/tokenizers/hf-tokenizer.js';
import { generate } from '../../../backend/model/core/generate.js';
import { chatmlTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { QWEN_TINY, writeTinyModel, writeTinyTokenizer } from '../model/hf-fixtures.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
let dir: string;
let withTok: string;
let noTok: string;

before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'as-gen-'));
  withTok = path.join(dir, 'qwen');
  noTok = path.join(dir, 'bare');
  await writeTinyModel(withTok, { ...QWEN_TINY, max_position_embeddings: 512 }, { seed: 4 }); // room for a ChatML prompt in byte tokens
  writeTinyTokenizer(withTok);
  await writeTinyModel(noTok, { ...QWEN_TINY, max_position_embeddings: 512 }, { seed: 4 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('generate --json prints the greedy continuation (ids and text) the library computes', async () => {
  const r = cli('generate', '--model', withTok, '--prompt', 'The answer is', '--max-new-tokens', '12', '--ignore-eos', '--json', '--runtime', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ids: number[]; text: string };
  const tok = (await HfTokenizer.load(withTok))!;
  const model = await loadHfModel(withTok);
  try {
    const want = await generate(model, [tok.encode('The answer is')], { maxNewTokens: 12, temperature: 0 });
    assert.deepEqual(out.ids, want.ids[0]);
    assert.equal(out.text, tok.decode(want.ids[0]));
  } finally {
    model.dispose();
  }
  // --chat wraps the question in the folder's template: here the seed's ChatML multi-attempt prompt.
  const chat = cli('generate', '--model', withTok, '--prompt', 'What is 1+1?', '--chat', '--attempts', '3', '--max-new-tokens', '4', '--ignore-eos', '--json', '--runtime', 'cpu');
  assert.equal(chat.status, 0, chat.stderr);
  const m2 = await loadHfModel(withTok);
  try {
    const want = await generate(m2, [tok.encode(chatmlTemplate.prompt('What is 1+1?', 3))], { maxNewTokens: 4, temperature: 0 });
    assert.deepEqual(JSON.parse(chat.stdout).ids, want.ids[0]);
  } finally {
    m2.dispose();
  }
  // Without a tokenizer: --prompt-ids works and the output has no text; --prompt is refused.
  const bare = cli('generate', '--model', noTok, '--prompt-ids', tok.encode('The answer is').join(','), '--max-new-tokens', '12', '--json', '--runtime', 'cpu');
  assert.equal(bare.status, 0, bare.stderr);
  assert.deepEqual(JSON.parse(bare.stdout), { ids: out.ids });
  const refused = cli('generate', '--model', noTok, '--prompt', 'hi', '--runtime', 'cpu');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /no tokenizer\.json, so --prompt TEXT cannot be encoded; use --prompt-ids/);
});

test('sampling is reproducible by seed; usage errors exit 2 with a reason', () => {
  const sample = (seed: string) => cli('generate', '--model', withTok, '--prompt-ids', '5,6,7', '--temperature', '1.5', '--seed', seed, '--max-new-tokens', '16', '--ignore-eos', '--json', '--runtime', 'cpu');
  const [a, b] = [sample('3'), sample('3')];
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(JSON.parse(a.stdout).ids.length, 16);
  for (const [args, msg] of [
    [['--prompt', 'x', '--prompt-ids', '1'], /exactly one of --prompt TEXT or --prompt-ids/],
    [['--prompt-ids', '1', '--greedy', '--temperature', '1'], /--greedy and --temperature exclude each other/],
    [['--prompt-ids', '999'], /token id 999 is out of range for vocab_size 300/],
  ] as const) {
    const r = cli('generate', '--model', withTok, ...args, '--runtime', 'cpu');
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  const missing = cli('generate', '--model', path.join(dir, 'nope'), '--prompt-ids', '1', '--runtime', 'cpu');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\/config\.json: missing/);
});

test('export-model writes a BF16 Hugging Face folder and the logits of its re-import', async () => {
  const out = path.join(dir, 'export');
  const logitsFile = path.join(dir, 'logits.json');
  const r = cli('export-model', '--model', withTok, '--out', out, '--dtype', 'bf16', '--logits-json', logitsFile, '--logit-prompts', '1,2,3;4,5', '--runtime', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exported .* model\.safetensors, config\.json, tokenizer\.json/);
  const saved = JSON.parse(readFileSync(logitsFile, 'utf8')) as { prompts: number[][]; logits: number[][][] };
  assert.deepEqual(saved.prompts, [[1, 2, 3], [4, 5]]);
  const m = await loadHfModel(out);
  try {
    const want = tf.tidy(() => m.forward([[4, 5]]).logits.arraySync() as number[][][])[0];
    assert.deepEqual(saved.logits[1], want);
  } finally {
    m.dispose();
  }
});
