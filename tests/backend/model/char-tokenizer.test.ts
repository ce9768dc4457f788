// Character tokenizer: round trip, special tokens as single ids, unknown characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';

test('round-trips math text and LaTeX', () => {
  const s = 'Compute $\\frac{3}{4} + 2^{10}$ × 7 ≤ π.\n\\boxed{1024}';
  assert.equal(charTokenizer.decode(charTokenizer.encode(s)), s);
  assert.equal(charTokenizer.encode('ab').length, 2);
});

test('special tokens are single ids; a lone < is a character', () => {
  const ids = charTokenizer.encode('<|im_start|>A<|im_end|><|endoftext|><|pad|><b');
  assert.equal(ids.length, 7);
  assert.equal(ids[0], charTokenizer.specialTokens['<|im_start|>']);
  assert.equal(ids[2], charTokenizer.specialTokens['<|im_end|>']);
  assert.equal(ids[3], charTokenizer.eosId);
  assert.equal(ids[4], charTokenizer.padId);
  assert.equal(charTokenizer.decode(ids.slice(5)), '<b');
});

test('unknown characters map to <|unk|>; out-of-range ids are an error', () => {
  assert.deepEqual(charTokenizer.encode('é'), [charTokenizer.unkId]);
  assert.ok(charTokenizer.encode('😀').length === 1);
  assert.throws(() => charTokenizer.decode([charTokenizer.vocabSize]), /out of range/);
});
