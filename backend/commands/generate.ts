// `attempt-studio generate`: continue a prompt (text or token ids) with a model folder (Hugging Face import or
// studio checkpoint), greedy or sampled; prints the continuation (with --json: {"ids": [...], "text": "..."}).
import { type Command, flag, int, str, UserError, RUNTIME_OPTION, selectRuntimeOrExplain } from './command.js';

/** Parses `--prompt-ids 1,2,3` into non-negative integers. */
export function parseIds(v: string, flagName = '--prompt-ids'): number[] {
  const parts = v.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => p === '') || !ids.every((n) => Number.isInteger(n) && n >= 0))
    throw new UserError(`${flagName} must be comma-separated non-negative integers, e.g. 1,2,3; got '${v}'`, 2);
  return ids;
}

function number(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserError(`--${name} must be a number, got '${v}'`, 2);
  return n;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Continue a prompt with a model folder (Hugging Face Qwen2/Llama or a studio checkpoint)',
  usage: '--model DIR (--prompt TEXT | --prompt-ids 1,2,3) [options]',
  options: {
    model: { type: 'string', value: 'DIR', description: 'Model folder: config.json + *.safetensors (+ tokenizer.json)' },
    prompt: { type: 'string', value: 'TEXT', description: 'Prompt text, encoded with the folder\'s tokenizer as-is (no template added)' },
    'prompt-ids': { type: 'string', value: 'IDS', description: 'Prompt as token ids, e.g. 1,2,3 (the tokenizer is then optional)' },
    'max-new-tokens': { type: 'string', value: 'N', description: 'Most tokens to generate', default: '64' },
    greedy: { type: 'boolean', description: 'Greedy decoding (the default without --temperature)' },
    temperature: { type: 'string', value: 'T', description: 'Sample at this temperature (> 0)' },
    'top-p': { type: 'string', value: 'P', description: 'Nucleus sampling mass (with --temperature)', default: '1' },
    seed: { type: 'string', value: 'S', description: 'Sampling seed', default: '0' },
    'ignore-eos': { type: 'boolean', description: 'Do not stop at the end-of-sequence token' },
    chat: { type: 'boolean', description: "Wrap --prompt as a question in the model's episode template (single-turn prompt)" },
    attempts: { type: 'string', value: 'N', description: 'With --chat: the multi-attempt prompt for N attempts' },
    ...RUNTIME_OPTION,
    json: { type: 'boolean', description: 'Print {"ids": [...], "text": "..."} (text only with a tokenizer)' },
  },
  details:
    'Prints only the continuation, not the prompt. Generation stops at the tokenizer\'s end-of-sequence ids\n' +
    '(eos_token, generation_config.json eos_token_id) unless --ignore-eos.',
  async run(args) {
    const dir = str(args, 'model');
    if (!dir) throw new UserError('--model DIR is required', 2);
    const text = str(args, 'prompt');
    const idsArg = str(args, 'prompt-ids');
    if ((text === undefined) === (idsArg === undefined)) throw new UserError('give exactly one of --prompt TEXT or --prompt-ids 1,2,3', 2);
    const maxNew = int(args, 'max-new-tokens')!;
    if (maxNew < 1) throw new UserError(`--max-new-tokens must be ≥ 1, got ${maxNew}`, 2);
    const temperature = number(str(args, 'temperature'), 'temperature');
    if (flag(args, 'greedy') && temperature !== undefined) throw new UserError('--greedy and --temperature exclude each other', 2);
    if (temperature !== undefined && temperature <= 0) throw new UserError('--temperature must be > 0 (use --greedy for greedy decoding)', 2);
    const topP = number(str(args, 'top-p'), 'top-p')!;
    if (!(topP > 0 && topP <= 1)) throw new UserError(`--top-p must be in (0, 1], got ${topP}`, 2);
    const seed = int(args, 'seed')!;

    const { loadHfModel } = await import('../model/formats/hf-import.js');
    const { HfTokenizer } = await import('../model/tokenizers/hf-tokenizer.js');
    const { charTokenizer } = await import('../model/tokenizers/char-tokenizer.js');
    const { stopTokenIds } = await import('../model/tokenizers/stop-tokens.js');
    const { loadTextInterface } = await import('../model/formats/model-folder.js');
    const attempts = int(args, 'attempts');
    if (attempts !== undefined && (!flag(args, 'chat') || attempts < 1)) throw new UserError('--attempts N (≥ 1) goes with --chat', 2);
    if (flag(args, 'chat') && text === undefined) throw new UserError('--chat needs --prompt TEXT (the question)', 2);
    const { generate } = await import('../model/core/generate.js');
    await selectRuntimeOrExplain(str(args, 'runtime'));
    let model;
    try {
      model = await loadHfModel(dir);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    try {
      const V = model.config.vocabSize;
      let tokenizer: { encode(t: string): number[]; decode(ids: readonly number[]): string; eosId: number } | undefined;
      let stopIds: number[] = [];
      try {
        const hf = await HfTokenizer.load(dir);
        if (hf) [tokenizer, stopIds] = [hf, stopTokenIds(hf, [])];
        else if (V === charTokenizer.vocabSize) [tokenizer, stopIds] = [charTokenizer, stopTokenIds(charTokenizer, [])];
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      if (text !== undefined && !tokenizer) throw new UserError(`${dir}: no tokenizer.json, so --prompt TEXT cannot be encoded; use --prompt-ids`, 2);
      let promptText = text;
      if (flag(args, 'chat')) {
        try {
          const { template } = await loadTextInterface([dir], V);
          promptText = template.prompt(text!, attempts ?? null);
        } catch (err) {
          throw new UserError((err as Error).message);
        }
      }
      const prompt = promptText !== undefined ? tokenizer!.encode(promptText) : parseIds(idsArg!);
      if (prompt.length === 0) throw new UserError('the prompt is empty', 2);
      const bad = prompt.find((id) => id >= V);
      if (bad !== undefined) throw new UserError(`token id ${bad} is out of range for vocab_size ${V}`, 2);
      if (prompt.length + maxNew > model.config.maxPositions)
        throw new UserError(`prompt (${prompt.length} tokens) + --max-new-tokens ${maxNew} exceeds the model's ${model.config.maxPositions} positions`, 2);
      const out = await generate(model, [prompt], {
        maxNewTokens: maxNew,
        temperature: temperature ?? 0,
        topP: temperature === undefined ? 1 : topP,
        seed,
        stopTokenIds: flag(args, 'ignore-eos') ? [] : stopIds,
      });
      const ids = out.ids[0]!;
      const decoded = tokenizer?.decode(ids);
      if (flag(args, 'json')) process.stdout.write(JSON.stringify(decoded === undefined ? { ids } : { ids, text: decoded }) + '\n');
      else process.stdout.write((decoded ?? ids.join(',')) + '\n');
      return 0;
    } finally {
      model.dispose();
    }
  },
};
