// A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json of a local model folder, through
// @huggingface/tokenizers) behind the project's Tokenizer interface: special tokens, EOS and padding ids.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { Tokenizer } from './tokenizer.js';

/** tokenizer.json of large-vocabulary models is ~10 MB; refuse absurd files before parsing them. */
const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The tokenizer files a model folder carries (copied on export). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'vocab.json',
  'merges.txt',
  'added_tokens.json',
  'chat_template.jinja',
];

/** Reads a JSON object file (null when absent); errors name the file. */
export async function readJsonFile(file: string, maxBytes = MAX_CONFIG_BYTES): Promise<Record<string, unknown> | null> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  if (size > maxBytes) throw new Error(`${file}: ${size} bytes, larger than the ${maxBytes}-byte limit`);
  let v: unknown;
  try {
    v = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** A token given as "text" or {"content": "text"} in tokenizer_config.json. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

export class HfTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly eosId: number;
  readonly padId: number;
  /** Every id generation should stop on (generation_config.json's eos_token_id list, plus eosId). */
  readonly stopIds: readonly number[];
  /** tokenizer_config.json's chat_template (the default one when it is a list), if any. */
  readonly chatTemplate: string | undefined;
  readonly bosToken: string | undefined;
  readonly eosToken: string;

  private constructor(
    private readonly impl: HfTokenizerImpl,
    dir: string,
    config: Record<string, unknown>,
    generation: Record<string, unknown> | null,
  ) {
    const where = path.join(dir, 'tokenizer_config.json');
    this.name = `hf:${path.basename(path.resolve(dir))}`;
    const vocab = impl.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const special: Record<string, number> = {};
    for (const [id, t] of impl.get_added_tokens_decoder()) special[t.content] = id;
    this.specialTokens = Object.freeze(special);
    const idOf = (text: string | undefined, field: string): number | undefined => {
      if (text === undefined) return undefined;
      const id = impl.token_to_id(text);
      if (id === undefined) throw new Error(`${where}: field '${field}': token '${text}' is not in tokenizer.json`);
      return id;
    };
    const genEos = generation?.eos_token_id;
    const genEosIds = (Array.isArray(genEos) ? genEos : genEos === undefined ? [] : [genEos]).map(Number);
    const eosText = tokenText(config.eos_token);
    const eos = idOf(eosText, 'eos_token') ?? genEosIds[0] ?? impl.token_to_id('<|endoftext|>');
    if (eos === undefined || !Number.isInteger(eos))
      throw new Error(`${where}: no eos_token (and generation_config.json names no eos_token_id)`);
    this.eosId = eos;
    this.eosToken = eosText ?? impl.id_to_token(eos) ?? '';
    this.padId = idOf(tokenText(config.pad_token), 'pad_token') ?? eos;
    this.bosToken = tokenText(config.bos_token);
    this.stopIds = [...new Set([eos, ...genEosIds.filter((x) => Number.isInteger(x))])];
    const tpl = config.chat_template;
    if (typeof tpl === 'string') this.chatTemplate = tpl;
    else if (Array.isArray(tpl)) {
      const def = tpl.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
      if (typeof def?.template === 'string') this.chatTemplate = def.template;
    }
  }

  /**
   * The tokenizer of a local model folder, or null when it has no tokenizer.json. Reads only local files;
   * chat_template.jinja (newer transformers save the template beside the config) is read too.
   */
  static async load(dir: string): Promise<HfTokenizer | null> {
    const tokFile = path.join(dir, 'tokenizer.json');
    const tok = await readJsonFile(tokFile, MAX_TOKENIZER_BYTES);
    if (tok === null) return null;
    const config = (await readJsonFile(path.join(dir, 'tokenizer_config.json'))) ?? {};
    const generation = await readJsonFile(path.join(dir, 'generation_config.json'));
    if (config.chat_template === undefined) {
      const jinjaFile = path.join(dir, 'chat_template.jinja');
      const text = await readFile(jinjaFile, 'utf8').catch(() => undefined);
      if (text !== undefined) config.chat_template = text;
    }
    let impl: HfTokenizerImpl;
    try {
      impl = new HfTokenizerImpl(tok, config);
    } catch (err) {
      throw new Error(`${tokFile}: cannot build the tokenizer (${(err as Error).message})`);
    }
    return new HfTokenizer(impl, dir, config, generation);
  }

  /** Encodes text as-is: special-token texts become their ids; no BOS/EOS is added (templates carry them). */
  encode(text: string): number[] {
    return this.impl.encode(text, { add_special_tokens: false }).ids;
  }

  /** Decodes ids to text, special tokens included, without tokenization-space clean-up (exact round trip). */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.impl.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}
