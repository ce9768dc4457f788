// The Hugging Face tokenizer wrapper and chat templates: a small byte-level BPE tokenizer.json round-trips
// ASCII, LaTeX and Unicode; ChatML episodes are the seed's strings byte for byte; a model's own Jinja template
// compiles into prompt/feedback turns in a sandbox with time and size limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HfTokenizer } from '../../../backend/model/tokenizers/hf-tokenizer.js';
import { chatmlTemplate, encodeSpans, renderEpisode } from '../../../backend/model/tokenizers/chat-template.js';
import { chatTemplateForTokenizer, compileChatTemplate, renderSandboxed } from '../../../backend/model/tokenizers/jinja-template.js';
import { writeTinyTokenizer } from './hf-fixtures.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-hftok-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Qwen2.5's chat template (the branch without tools), as its tokenizer_config.json carries it. */
const QWEN_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}\n    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n{%- else %}\n    {{- '<|im_start|>system\\nPlease reason step by step, and put your final answer within \\\\boxed{}.<|im_end|>\\n' }}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n";

/** Llama 3's header/eot layout (simplified: no tools, no date). */
const LLAMA3_TEMPLATE =
  "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

const SAMPLES = [
  'Hello, world! The answer is 42.',
  'Compute $\\frac{1}{2} + \\sqrt{x^2 + y^2}$ and put it in \\boxed{\\dfrac{3}{4}}.',
  'Ünïcödé: π ≈ 3.14159, ∑_{i=1}^{n} i², 数学, emoji 🧮, tabs\tand\nnewlines  double  spaces',
  '',
];

test('a byte-level BPE tokenizer.json round-trips ASCII, LaTeX and Unicode text', async () => {
  const d = path.join(dir, 'bpe');
  const { vocabSize } = writeTinyTokenizer(d);
  const tok = (await HfTokenizer.load(d))!;
  assert.equal(tok.vocabSize, vocabSize);
  for (const s of SAMPLES) assert.equal(tok.decode(tok.encode(s)), s);
  // Merges are applied: ' the' is one token; a LaTeX command uses the '\frac' merges.
  const the = tok.encode(' the');
  assert.equal(the.length, 1);
  assert.equal(tok.encode('\\frac').length, 1);
  assert.equal(tok.specialTokens['<|im_start|>'], vocabSize - 2);
  assert.equal(tok.eosId, tok.specialTokens['<|im_end|>']);
  assert.equal(tok.padId, tok.specialTokens['<|endoftext|>']);
  assert.deepEqual(tok.encode('<|im_start|>user'), [tok.specialTokens['<|im_start|>'], ...tok.encode('user')]);
  assert.equal(await HfTokenizer.load(path.join(dir, 'missing')), null);
});

test('a ChatML multi-attempt episode renders the seed strings byte for byte and tokenizes round-trip', async () => {
  const d = path.join(dir, 'chatml');
  writeTinyTokenizer(d, { chatTemplate: QWEN_TEMPLATE });
  const tok = (await HfTokenizer.load(d))!;
  const template = await chatTemplateForTokenizer(tok, d);
  assert.equal(template, chatmlTemplate, 'Qwen tokenizers use the seed exact ChatML strings');
  const spans = renderEpisode(template, { question: 'What is $1+1$?', attempts: 3, responses: ['\\boxed{3}', '\\boxed{2}'] });
  const text = spans.map((s) => s.text).join('');
  const seed =
    '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}. You have 3 attempts to answer the questions, and you should provide the full reasoning steps in each attempt.<|im_end|>\n<|im_start|>user\nWhat is $1+1$?<|im_end|>\n<|im_start|>assistant\n' +
    '\\boxed{3}' +
    '<|im_end|>\n<|im_start|>system\nYour answer is incorrect. You have 2 attempts left. Try an alternative.<|im_end|>\n<|im_start|>assistant\n' +
    '\\boxed{2}';
  assert.equal(text, seed);
  const { ids, generatedMask } = encodeSpans(tok, spans);
  assert.equal(tok.decode(ids), seed);
  assert.equal(ids.filter((i) => i === tok.specialTokens['<|im_start|>']).length, 5);
  assert.equal(generatedMask.filter((m) => m === 1).length, tok.encode('\\boxed{3}').length + tok.encode('\\boxed{2}').length);
  // Qwen's own Jinja template, compiled in the sandbox, gives the same strings.
  const compiled = await compileChatTemplate(QWEN_TEMPLATE, { eosToken: '<|im_end|>', specialTokens: ['<|im_end|>', '<|im_start|>'] });
  for (const n of [1, 2, 5]) assert.equal(compiled.prompt('Q?', n), chatmlTemplate.prompt('Q?', n));
  assert.equal(compiled.prompt('Q?', null), chatmlTemplate.prompt('Q?', null));
  assert.equal(compiled.feedback(4), chatmlTemplate.feedback(4));
  assert.deepEqual(compiled.endOfTurn, ['<|im_end|>']);
});

test('a Llama-3-style Jinja template compiles into prompt and feedback turns', async () => {
  const t = await compileChatTemplate(LLAMA3_TEMPLATE, {
    bosToken: '<|begin_of_text|>',
    eosToken: '<|eot_id|>',
    specialTokens: ['<|begin_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>'],
  });
  assert.equal(
    t.prompt('Q?', 2),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nPlease reason step by step, and put your final answer within \\boxed{}. You have 2 attempts to answer the questions, and you should provide the full reasoning steps in each attempt.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  assert.equal(
    t.feedback(1),
    '<|eot_id|><|start_header_id|>system<|end_header_id|>\n\nYour answer is incorrect. You have 1 attempts left. Try an alternative.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  assert.deepEqual(t.endOfTurn, ['<|eot_id|>']);
  // A tokenizer without ChatML tokens takes its template from tokenizer_config.json.
  const d = path.join(dir, 'llama');
  writeTinyTokenizer(d, { chatml: false, chatTemplate: LLAMA3_TEMPLATE.replaceAll('<|eot_id|>', '<|end|>') });
  const tok = (await HfTokenizer.load(d))!;
  const fromDir = await chatTemplateForTokenizer(tok, d);
  assert.match(fromDir.feedback(2), /^<\|end\|><\|start_header_id\|>system/);
});

test('untrusted templates are sandboxed: loops time out, errors and oversized input are refused with reasons', async () => {
  await assert.rejects(
    renderSandboxed('{% for i in range(100000000) %}{% for j in range(100000000) %}x{% endfor %}{% endfor %}', [{}], { timeoutMs: 300, maxOutputChars: 1e12 }),
    /did not finish rendering within 300 ms|longer than|exited/,
  );
  await assert.rejects(renderSandboxed("{{ raise_exception('no system role') }}", [{}]), /no system role/);
  await assert.rejects(renderSandboxed('x'.repeat(300_000), [{}]), /over the 262144 limit/);
  await assert.rejects(renderSandboxed("{% for i in range(2000) %}{{ 'abcdefghij' }}{% endfor %}", [{}], { maxOutputChars: 1000 }), /longer than 1000/);
  // No way out of the interpreter: JavaScript globals are not reachable.
  const [out] = await renderSandboxed("{{ process }}|{{ constructor }}|{{ ''.constructor }}", [{}]).catch((e: Error) => [e.message]);
  assert.doesNotMatch(out, /function|\[object process\]|node/i);
  // A template that rejects system messages gets a clear error.
  await assert.rejects(
    compileChatTemplate("{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}"),
    /System role not supported/,
  );
  // A template that rewrites content cannot render episodes exactly.
  await assert.rejects(compileChatTemplate("{% for m in messages %}{{ m.content | upper }}{% endfor %}"), /does not contain the message text|changes message text/);
});

test('tokenizer_config.json errors name the file and field', async () => {
  const d = path.join(dir, 'bad');
  writeTinyTokenizer(d);
  writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|nope|>' }));
  await assert.rejects(HfTokenizer.load(d), /tokenizer_config\.json: field 'eos_token': token '<\|nope\|>' is not in tokenizer\.json/);
  writeFileSync(path.join(d, 'tokenizer.json'), '{not json');
  await assert.rejects(HfTokenizer.load(d), /tokenizer\.json: not valid JSON/);
});
