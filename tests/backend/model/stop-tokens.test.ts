// The stop-token rule (backend/model/tokenizers/stop-tokens.ts) on a Hugging Face folder whose generation_config.json
// names an extra EOS id that is no end-of-turn string of its template: a training rollout and an evaluation
// of the same prompt, both greedy, stop at that token at the same place (training once left EOS out).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { loadModelFolder } from '../../../backend/model/formats/model-folder.js';
import { stopTokenIds } from '../../../backend/model/tokenizers/stop-tokens.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../../../backend/model/tokenizers/chat-template.js';
import { runQuestions, defaultJudge, isBoxedComplete } from '../../../backend/eval/run-questions.js';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { trainStep, cloneModel, createCritic, createOptimizers } from '../../../backend/rl/trainer.js';
import { QWEN_TINY, writeTinyModel, writeTinyTokenizer } from './hf-fixtures.js';

let dir: string;
let model: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-stop-'));
  model = path.join(dir, 'qwen-tiny');
  await writeTinyModel(model, { ...QWEN_TINY, max_position_embeddings: 512 }, { seed: 7 });
  writeTinyTokenizer(model);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const question = { id: 'q0', question: 'What is 2+3?', gold: '5' };
const gen = { maxTokensPerAttempt: 8, maxTotalTokens: 8, batchSize: 1, temperature: 0 };

/** The generated ids of the single-turn evaluation of `question` (greedy). */
async function evalGenerated(): Promise<{ ids: number[]; stop: number[] }> {
  const m = await loadModelFolder(model);
  try {
    const r = await runQuestions(m, [question], { promptAttempts: null, attempts: 1 }, gen);
    const e = r.episodes[0]!;
    return { ids: e.tokens.filter((_, j) => e.kinds[j] === 'generated'), stop: stopTokenIds(m.tokenizer, m.template.endOfTurn) };
  } finally {
    m.model.dispose();
  }
}

/** The generated ids of one single-turn training rollout of `question` (top-p 1e-9: the greedy token). */
async function trainGenerated(): Promise<number[]> {
  const m = await loadModelFolder(model);
  const config = parseRunConfig(
    {
      steps: 1,
      rolloutBatch: 1,
      miniBatch: 1,
      seed: 1,
      task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1 },
      generation: { maxTokensPerAttempt: gen.maxTokensPerAttempt, maxTotalTokens: gen.maxTotalTokens, temperature: 1, topP: 1e-9 },
      eval: { everySteps: 0 },
      checkpoint: { everySteps: 0 },
    },
    'test config',
  );
  const actor = await cloneModel(m.model);
  const withCritic = config.algorithm.name === 'ppo';
  const critic = withCritic ? await createCritic(m.model) : undefined;
  const opt = createOptimizers(config, withCritic);
  try {
    const report = await trainStep(
      config,
      {
        state: { actor, critic, actorOptimizer: opt.actorOptimizer, criticOptimizer: opt.criticOptimizer },
        tokenizer: m.tokenizer,
        template: m.template,
        reference: m.model,
        trainQuestions: [question],
        judge: defaultJudge,
        isAttemptComplete: isBoxedComplete,
      },
      0,
    );
    const e = report.batch.episodes[0]!;
    return e.tokens.filter((_, j) => e.kinds[j] === 'generated');
  } finally {
    for (const t of [actor, critic, opt.actorOptimizer, opt.criticOptimizer, m.model]) t?.dispose();
  }
}

test('the rule: EOS, generation_config EOS ids and one-token end-of-turn strings', () => {
  const eos = charTokenizer.eosId;
  const imEnd = charTokenizer.specialTokens['<|im_end|>']!;
  assert.deepEqual(stopTokenIds(charTokenizer, compactTemplate.endOfTurn).sort(), [eos, imEnd].sort());
  assert.deepEqual(stopTokenIds(charTokenizer, []), [eos]);
  const hf = Object.assign(Object.create(charTokenizer) as typeof charTokenizer, { stopIds: [eos, 7] });
  assert.deepEqual(stopTokenIds(hf, compactTemplate.endOfTurn).sort((a, b) => a - b), [7, eos, imEnd].sort((a, b) => a - b));
});

test('a Hugging Face model stops at the same token in a training rollout and in evaluation', async () => {
  const before = tf.memory().numTensors;
  // Without an extra EOS, greedy decoding runs the whole budget; pick the last new token it writes.
  const free = await evalGenerated();
  assert.equal(free.ids.length, gen.maxTokensPerAttempt, `no stop token yet: ${free.ids.join(',')}`);
  const firsts = free.ids.map((id, j) => (free.ids.indexOf(id) === j ? j : -1)).filter((j) => j >= 0);
  const at = firsts.at(-1)!;
  const extraEos = free.ids[at]!;
  writeFileSync(path.join(model, 'generation_config.json'), JSON.stringify({ eos_token_id: [free.stop[0], extraEos] }));

  const evalIds = (await evalGenerated()).ids;
  const trainIds = await trainGenerated();
  assert.deepEqual(evalIds, free.ids.slice(0, at + 1), 'evaluation stops on the generation_config EOS');
  assert.deepEqual(trainIds, evalIds, 'training stops at the same token as evaluation');
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});
