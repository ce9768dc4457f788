// A model's own chat template (Jinja from tokenizer_config.json) as a ChatTemplate: rendered once, sandboxed
// (@huggingface/jinja in a worker thread with time, memory and size limits — the template is untrusted
// input), with placeholder messages; the prompt and feedback turns are the text around the placeholders.
import { Worker } from 'node:worker_threads';
import {
  SINGLE_TURN_SYSTEM,
  chatmlTemplate,
  feedbackMessage,
  multiAttemptSystem,
  type ChatTemplate,
} from './chat-template.js';
import type { HfTokenizer } from './hf-tokenizer.js';

export interface RenderLimits {
  /** Wall-clock limit for all renders together, worker start included (default 10 s). */
  timeoutMs?: number;
  /** Largest template accepted (default 256 KB). */
  maxTemplateChars?: number;
  /** Largest rendered text accepted (default 1 M characters). */
  maxOutputChars?: number;
  /** Heap limit of the worker (default 128 MB). */
  maxMemoryMb?: number;
}

/** Renders a Jinja template once per context in a worker thread; rejects on error, timeout or size limits. */
export function renderSandboxed(
  source: string,
  contexts: Record<string, unknown>[],
  limits: RenderLimits = {},
): Promise<string[]> {
  const maxTemplate = limits.maxTemplateChars ?? 256 * 1024;
  if (source.length > maxTemplate)
    return Promise.reject(new Error(`chat template is ${source.length} characters, over the ${maxTemplate} limit`));
  const timeoutMs = limits.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./jinja-render-worker.mjs', import.meta.url), {
      workerData: { source, contexts, maxOutputChars: limits.maxOutputChars ?? 1_000_000 },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb ?? 128, maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`chat template did not finish rendering within ${timeoutMs} ms`))),
      timeoutMs,
    );
    worker.on('message', (m: { ok: boolean; outputs?: string[]; error?: string }) =>
      finish(() => (m.ok ? resolve(m.outputs!) : reject(new Error(`chat template: ${m.error}`)))),
    );
    worker.on('error', (err) => finish(() => reject(new Error(`chat template: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Error(`chat template: renderer exited (code ${code})`))));
  });
}

/** Placeholders that templates insert verbatim (no spaces or markup to trim or escape). */
const SYS = 'XSYSTEMPLACEHOLDERX';
const USER = 'XUSERPLACEHOLDERX';
const REPLY = 'XREPLYPLACEHOLDERX';
const FEEDBACK = 'XFEEDBACKPLACEHOLDERX';

type Message = { role: string; content: string };

/** Splits `text` at each placeholder, which must occur exactly once and in order. */
function splitAt(text: string, marks: string[], what: string): string[] {
  const parts: string[] = [];
  let rest = text;
  for (const m of marks) {
    const i = rest.indexOf(m);
    if (i < 0 || rest.indexOf(m, i + m.length) >= 0 || text.split(m).length !== 2)
      throw new Error(`chat template: the ${what} does not contain the message text exactly once`);
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + m.length);
  }
  parts.push(rest);
  return parts;
}

export interface TemplateTokens {
  bosToken?: string;
  eosToken?: string;
  /** Special-token texts: the feedback turn's leading special token becomes an end-of-turn stop string. */
  specialTokens?: readonly string[];
}

/**
 * Compiles a Jinja chat template into the episode template (prompt with a system turn, feedback as a system
 * turn after the assistant's reply) and checks it against a real rendering (templates that rewrite message
 * text are refused).
 */
export async function compileChatTemplate(
  source: string,
  tokens: TemplateTokens = {},
  limits: RenderLimits = {},
  name = 'jinja',
): Promise<ChatTemplate> {
  const ctx = (messages: Message[]) => ({
    messages,
    add_generation_prompt: true,
    bos_token: tokens.bosToken ?? '',
    eos_token: tokens.eosToken ?? '',
  });
  const conv = (sys: string, user: string, reply: string, fb: string): Message[] => [
    { role: 'system', content: sys },
    { role: 'user', content: user },
    { role: 'assistant', content: reply },
    { role: 'system', content: fb },
  ];
  const check = {
    system: multiAttemptSystem(3),
    question: 'Compute $\\frac{1}{2} + x^2$ for x = 3. Ünïcödé “quotes” — 数学',
    reply: 'We get $\\frac{1}{2} + 9$, so the answer is \\boxed{9.5}.',
    feedback: feedbackMessage(2),
  };
  const [first, full, realFirst, realFull] = await renderSandboxed(
    source,
    [
      ctx([{ role: 'system', content: SYS }, { role: 'user', content: USER }]),
      ctx(conv(SYS, USER, REPLY, FEEDBACK)),
      ctx([{ role: 'system', content: check.system }, { role: 'user', content: check.question }]),
      ctx(conv(check.system, check.question, check.reply, check.feedback)),
    ],
    limits,
  );
  const [p0, p1, p2] = splitAt(first, [SYS, USER], 'prompt');
  const [head, f0, f1] = splitAt(full, [REPLY, FEEDBACK], 'conversation with feedback');
  if (head !== first)
    throw new Error(
      'chat template: the prompt is not a prefix of the conversation that continues it (the template rewrites earlier turns)',
    );
  const prompt = (question: string, attempts: number | null) =>
    p0 + (attempts === null ? SINGLE_TURN_SYSTEM : multiAttemptSystem(attempts)) + p1 + question + p2;
  const feedback = (n: number) => f0 + feedbackMessage(n) + f1;
  if (prompt(check.question, 3) !== realFirst || prompt(check.question, 3) + check.reply + feedback(2) !== realFull)
    throw new Error('chat template: it changes message text (e.g. trims or escapes it); cannot use it for episodes');
  const closing = (tokens.specialTokens ?? []).filter((t) => t.length > 0 && f0.startsWith(t));
  const endOfTurn = [...new Set([...closing.sort((a, b) => b.length - a.length).slice(0, 1), ...(tokens.eosToken ? [tokens.eosToken] : [])])];
  const checkN = (n: number, what: string) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`chat template: ${what} must be a positive integer, got ${n}`);
  };
  return {
    name,
    prompt(question, attempts) {
      if (attempts !== null) checkN(attempts, 'attempts');
      return prompt(question, attempts);
    },
    feedback(attemptsLeft) {
      checkN(attemptsLeft, 'attemptsLeft');
      return feedback(attemptsLeft);
    },
    endOfTurn,
  };
}

/**
 * The episode template of an imported model: the seed's exact ChatML strings when the tokenizer has ChatML's
 * special tokens (Qwen models), else the model's own Jinja template compiled in the sandbox.
 */
export async function chatTemplateForTokenizer(tok: HfTokenizer, where: string, limits: RenderLimits = {}): Promise<ChatTemplate> {
  if (tok.specialTokens['<|im_start|>'] !== undefined && tok.specialTokens['<|im_end|>'] !== undefined) return chatmlTemplate;
  if (tok.chatTemplate === undefined)
    throw new Error(`${where}: the tokenizer has no chat_template and no ChatML tokens; cannot render episodes`);
  try {
    return await compileChatTemplate(
      tok.chatTemplate,
      { bosToken: tok.bosToken, eosToken: tok.eosToken, specialTokens: Object.keys(tok.specialTokens) },
      limits,
      'model',
    );
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}
