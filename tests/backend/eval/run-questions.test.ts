// The pieces of the question runner that need no model: the default judge, the boxed-answer check, the
// "prompt says N, stop after k" dialogue, stop tokens and plan validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultJudge,
  isBoxedComplete,
  planDialogue,
  runQuestions,
  type EvalModel,
} from '../../../backend/eval/run-questions.js';
import { stopTokenIds } from '../../../backend/model/tokenizers/stop-tokens.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';

test('default judge grades the last boxed answer with backend/math', () => {
  assert.deepEqual(defaultJudge('so \\boxed{3} no, \\boxed{\\frac{8}{2}}', '4'), {
    verdict: 'correct',
    extracted: '\\frac{8}{2}',
  });
  assert.deepEqual(defaultJudge('\\boxed{5}', '4'), { verdict: 'wrong', extracted: '5' });
  assert.equal(defaultJudge('no box here', '4').verdict, 'no_answer');
  assert.equal(isBoxedComplete('x \\boxed{12'), false);
  assert.equal(isBoxedComplete('x \\boxed{12}'), true);
  assert.equal(isBoxedComplete('the answer is 12'), false);
});

test('planDialogue: the prompt says N and the feedback counts down from N even when fewer attempts run', () => {
  const d = planDialogue(compactTemplate, { promptAttempts: 5, attempts: 2 });
  assert.equal(d.prompt('1+1=', 2), compactTemplate.prompt('1+1=', 5));
  assert.equal(d.feedback(1, true), '<|im_start|>F4<|im_end|><|im_start|>A'); // 1 left of 2 ⇒ 4 left of 5
  const single = planDialogue(compactTemplate, { promptAttempts: null, attempts: 1 });
  assert.equal(
    single.prompt('1+1=', null),
    '<|im_start|>S<|im_end|><|im_start|>U1+1=<|im_end|><|im_start|>A',
  );
});

test('stop tokens: end-of-turn specials and EOS; bad plans are refused before any decoding', async () => {
  const m = {
    tokenizer: charTokenizer,
    template: compactTemplate,
    model: { config: { maxPositions: 64 } },
  } as unknown as EvalModel;
  assert.deepEqual(
    stopTokenIds(m.tokenizer, m.template.endOfTurn).sort(),
    [charTokenizer.specialTokens['<|im_end|>'], charTokenizer.eosId].sort(),
  );
  const gen = { maxTokensPerAttempt: 4, maxTotalTokens: 8, batchSize: 2, temperature: 0 };
  await assert.rejects(
    runQuestions(m, [], { promptAttempts: null, attempts: 2 }, gen),
    /single-turn prompt allows exactly 1 attempt/,
  );
  await assert.rejects(
    runQuestions(m, [], { promptAttempts: 2, attempts: 3 }, gen),
    /must be an integer ≥ attempts/,
  );
  await assert.rejects(
    runQuestions(m, [], { promptAttempts: 3, attempts: 3, fitAttempts: 2 }, gen),
    /fitAttempts \(2\)/,
  );
  await assert.rejects(
    runQuestions(m, [], { promptAttempts: 3, attempts: 3 }, { ...gen, batchSize: 0 }),
    /batchSize must be a positive integer/,
  );
  assert.deepEqual(await runQuestions(m, [], { promptAttempts: 3, attempts: 3 }, gen), {
    episodes: [],
    skipped: [],
    reducedBudget: 0,
  });
});
