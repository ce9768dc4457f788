// What `eval` needs from disk: a checkpoint folder as an EvalModel (model + tokenizer + its chat template)
// and named datasets as question lists (the synthetic task's test split, or a built-in benchmark file).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../model/checkpoint.js';
import { charTokenizer } from '../model/char-tokenizer.js';
import { chatTemplateByName, compactTemplate } from '../model/chat-template.js';
import { loadDataset } from '../data/registry.js';
import type { EvalModel } from './run-questions.js';
import type { DatasetQuestions } from './k-attempt.js';

/**
 * Loads a checkpoint folder for evaluation. The built-in model (no tokenizer.json, the character
 * vocabulary) uses the char tokenizer and the compact template; `templateName` overrides the template.
 */
export async function loadEvalModel(dir: string, templateName?: string): Promise<EvalModel> {
  if (existsSync(path.join(dir, 'tokenizer.json')))
    throw new Error(
      `${path.join(dir, 'tokenizer.json')}: Hugging Face tokenizers are not supported yet (only the built-in character model)`,
    );
  const template = templateName === undefined ? compactTemplate : chatTemplateByName(templateName);
  const model = await loadModel(dir);
  if (model.config.vocabSize !== charTokenizer.vocabSize) {
    model.dispose();
    throw new Error(
      `${path.join(dir, 'config.json')}: vocab_size ${model.config.vocabSize} is not the built-in character vocabulary (${charTokenizer.vocabSize}) and the folder has no tokenizer.json`,
    );
  }
  return { model, tokenizer: charTokenizer, template };
}

/** Questions of each named dataset (synthetic: the test split of the seeded generator), first `limit` of each. */
export async function loadEvalDatasets(
  names: readonly string[],
  opts: { limit?: number; seed?: number } = {},
): Promise<DatasetQuestions[]> {
  const out: DatasetQuestions[] = [];
  for (const name of names) {
    const d =
      name === 'synthetic'
        ? await loadDataset(name, { split: 'test', seed: opts.seed ?? 0, count: opts.limit ?? 1000 })
        : await loadDataset(name);
    const records = opts.limit === undefined ? d.records : d.records.slice(0, opts.limit);
    out.push({ name, questions: records.map((r) => ({ id: r.id, question: r.question, gold: r.answer })) });
  }
  return out;
}
