// A model folder as everything generation needs: the transformer, its tokenizer (the folder's tokenizer.json,
// or the built-in character tokenizer for studio checkpoints of the built-in model) and its episode template.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { charTokenizer } from '../tokenizers/char-tokenizer.js';
import { chatTemplateByName, compactTemplate, type ChatTemplate } from '../tokenizers/chat-template.js';
import { loadHfModel } from './hf-import.js';
import { HfTokenizer, TOKENIZER_FILES } from '../tokenizers/hf-tokenizer.js';
import { chatTemplateForTokenizer } from '../tokenizers/jinja-template.js';
import { stopTokenIds } from '../tokenizers/stop-tokens.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { Transformer } from '../core/transformer.js';

export interface TextInterface {
  tokenizer: Tokenizer;
  template: ChatTemplate;
  /** Ids that end generation (EOS, end-of-turn tokens). */
  stopIds: number[];
}

/**
 * The tokenizer and template of the first folder in `dirs` that has a tokenizer.json; without one, the
 * built-in character tokenizer with the compact template (checked against the model's vocabulary size).
 * `templateName` ('chatml', 'compact') overrides the template.
 */
export async function loadTextInterface(
  dirs: readonly string[],
  vocabSize: number,
  templateName?: string,
): Promise<TextInterface> {
  for (const dir of dirs) {
    const tok = await HfTokenizer.load(dir);
    if (!tok) continue;
    const where = path.join(dir, 'tokenizer_config.json');
    if (tok.vocabSize > vocabSize)
      throw new Error(`${path.join(dir, 'tokenizer.json')}: ${tok.vocabSize} token ids, more than the model's vocab_size ${vocabSize}`);
    const template = templateName !== undefined ? chatTemplateByName(templateName) : await chatTemplateForTokenizer(tok, where);
    return { tokenizer: tok, template, stopIds: stopTokenIds(tok, template.endOfTurn) };
  }
  if (vocabSize !== charTokenizer.vocabSize)
    throw new Error(
      `${dirs[0] ?? 'model'}: no tokenizer.json, and vocab_size ${vocabSize} is not the built-in character vocabulary (${charTokenizer.vocabSize})`,
    );
  const template = templateName !== undefined ? chatTemplateByName(templateName) : compactTemplate;
  return { tokenizer: charTokenizer, template, stopIds: stopTokenIds(charTokenizer, template.endOfTurn) };
}

/** Loads a model folder (HF import or studio checkpoint) with its tokenizer and template. */
export async function loadModelFolder(
  dir: string,
  opts: { templateName?: string; tokenizerDirs?: string[] } = {},
): Promise<TextInterface & { model: Transformer }> {
  const model = await loadHfModel(dir);
  try {
    const text = await loadTextInterface([dir, ...(opts.tokenizerDirs ?? [])], model.config.vocabSize, opts.templateName);
    return { model, ...text };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Copies the tokenizer files of `from` (those present) into `to`, so a checkpoint is self-contained. */
export async function copyTokenizerFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const f of TOKENIZER_FILES) {
    try {
      await copyFile(path.join(from, f), path.join(to, f));
      copied.push(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path.join(from, f)}: cannot copy (${(err as Error).message})`);
    }
  }
  return copied;
}
