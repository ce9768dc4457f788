// What `eval` needs from disk: a checkpoint folder as an EvalModel (model + tokenizer + its chat template)
// and named datasets as question lists (the synthetic task's test split, or a built-in benchmark file).
import { loadModelFolder } from '../model/formats/model-folder.js';
import { loadDataset } from '../data/registry.js';
import type { EvalModel } from './run-questions.js';
import type { DatasetQuestions } from './k-attempt.js';

/**
 * Loads a checkpoint or Hugging Face model folder for evaluation: with a tokenizer.json, its tokenizer and
 * template (the seed's ChatML for Qwen-style tokenizers, else the model's Jinja template); without one, the
 * built-in character model with the compact template. `templateName` overrides the template.
 */
export async function loadEvalModel(dir: string, templateName?: string): Promise<EvalModel> {
  const { model, tokenizer, template } = await loadModelFolder(dir, { templateName });
  return { model, tokenizer, template };
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
