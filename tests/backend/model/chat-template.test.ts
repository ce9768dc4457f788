// Chat templates: the ChatML transcript is byte-identical to the reference strings; spans mark injected text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatmlTemplate,
  compactTemplate,
  renderEpisode,
  encodeSpans,
  chatTemplateByName,
} from '../../../backend/model/tokenizers/chat-template.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';

const Q = 'What is $1+1$?';
const R = ['It is \\boxed{3}', 'Then \\boxed{1}', 'So \\boxed{2}'];

test('ChatML 3-attempt episode (wrong, wrong, right) equals the reference strings byte for byte', () => {
  const expected =
    '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}. You have 3 attempts to answer the questions, and you should provide the full reasoning steps in each attempt.<|im_end|>\n<|im_start|>user\nWhat is $1+1$?<|im_end|>\n<|im_start|>assistant\n' +
    'It is \\boxed{3}' +
    '<|im_end|>\n<|im_start|>system\nYour answer is incorrect. You have 2 attempts left. Try an alternative.<|im_end|>\n<|im_start|>assistant\n' +
    'Then \\boxed{1}' +
    '<|im_end|>\n<|im_start|>system\nYour answer is incorrect. You have 1 attempts left. Try an alternative.<|im_end|>\n<|im_start|>assistant\n' +
    'So \\boxed{2}';
  const spans = renderEpisode(chatmlTemplate, { question: Q, attempts: 3, responses: R });
  assert.equal(spans.map((s) => s.text).join(''), expected);
  assert.deepEqual(
    spans.map((s) => s.kind),
    ['prompt', 'generated', 'feedback', 'generated', 'feedback', 'generated'],
  );
});

test('single-turn baseline prompt has no attempts sentence', () => {
  assert.equal(
    chatmlTemplate.prompt(Q, null),
    '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>user\nWhat is $1+1$?<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.throws(
    () => renderEpisode(chatmlTemplate, { question: Q, attempts: null, responses: R }),
    /3 responses for 1 allowed/,
  );
});

test('compact template: same structure in few tokens, mask covers only generated tokens', () => {
  const spans = renderEpisode(compactTemplate, {
    question: '1+1',
    attempts: 3,
    responses: ['\\boxed{3}', '\\boxed{2}'],
  });
  assert.equal(
    spans.map((s) => s.text).join(''),
    '<|im_start|>S3<|im_end|><|im_start|>U1+1<|im_end|><|im_start|>A\\boxed{3}<|im_end|><|im_start|>F2<|im_end|><|im_start|>A\\boxed{2}',
  );
  const { ids, generatedMask } = encodeSpans(charTokenizer, spans);
  assert.equal(ids.length, generatedMask.length);
  assert.equal(charTokenizer.encode(compactTemplate.feedback(2)).length, 7);
  assert.equal(
    generatedMask.reduce((a, b) => a + b, 0),
    18,
  );
  assert.equal(charTokenizer.decode(ids.filter((_, k) => generatedMask[k] === 1)), '\\boxed{3}\\boxed{2}');
  assert.equal(charTokenizer.encode(compactTemplate.prompt('1+1', 3)).length, 12);
  assert.equal(chatTemplateByName('compact'), compactTemplate);
  assert.throws(() => chatTemplateByName('llama3'), /expected one of: chatml, compact/);
  assert.throws(() => compactTemplate.feedback(0), /attemptsLeft must be a positive integer/);
});
