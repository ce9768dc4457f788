// Batched generation with a KV cache: a live decode session whose sequences can be extended with injected
// tokens (prompts, feedback turns) between generate calls, plus a one-shot generate() convenience.
//
// Padding: none in the token stream. All rows share the cache columns; each row has its own positions and a
// validity map (see kv-cache.ts), so rows of any length and rows extended mid-episode batch together.
// Log-probs: each returned log-prob is log p(token) under the model's temperature-scaled distribution
// before top-p truncation (temperature 0 → the untempered distribution), which is what RL importance
// ratios need.
import { stopPoint } from './stop-point.js';
import type { Transformer } from './transformer.js';
import { KvCache } from './kv-cache.js';
import { Rng } from './rng.js';
import { sampleToken, validateSampling } from './sampling.js';

export type StopReason = 'stop-token' | 'stop-string' | 'max-tokens' | 'predicate' | 'inactive' | 'length';

export interface GenerateCallOptions {
  /** Rows that generate in this call; others are left untouched (their appended tokens wait). */
  active: boolean[];
  /** Budget of new tokens per row for this call. */
  maxNewTokens: number[];
  /** Generation of a row stops after it samples one of these (the stop token is included in its ids). */
  stopTokenIds?: number[];
  /** Stops a row once the decoded text generated in this call contains one of these (needs `decode`). */
  stopStrings?: string[];
  /** Per-row predicate on the ids generated so far in this call; true ends the row (e.g. a complete \boxed{}). */
  shouldStop?: (i: number, newIds: number[]) => boolean;
}

export interface GenerateCallResult {
  /** Tokens generated in this call, per row (including a stop token, if any). */
  ids: number[][];
  /** log p of each generated token (see header). */
  logprobs: number[][];
  stopReason: StopReason[];
}

export interface DecodeSession {
  readonly batchSize: number;
  /** Adds prompt or injected tokens to row i; they are fed through at the start of its next generate. */
  append(i: number, tokens: number[]): void;
  generate(opts: GenerateCallOptions): Promise<GenerateCallResult>;
  /** The whole sequence of row i so far (appended and generated). */
  tokens(i: number): number[];
  /** Cache columns in use (diagnostics: grows by the longest pending block per call, then by one per step). */
  readonly cacheColumns: number;
  dispose(): void;
}

export interface SessionOptions {
  batchSize: number;
  /** Longest sequence a row may reach (≤ the model's maxPositions); a row that reaches it stops with 'length'. */
  maxLength: number;
  temperature: number;
  topP: number;
  seed: number;
  /** Needed for stop strings. */
  decode?: (ids: number[]) => string;
  /** Drop stopped rows from the computed batch (default true; results are identical either way). */
  compact?: boolean;
  /**
   * One sampling stream per row (batchSize seeds) instead of one shared stream: a row's samples then do not
   * depend on which other rows share its batch, so a rollout generated in chunks equals the unchunked one.
   */
  rowSeeds?: number[];
  /**
   * Aborted → generate() throws StoppedError at the next token (stop-point.ts); generation also yields to the
   * event loop every 50 ms so a stop message or signal is seen while it runs.
   */
  signal?: AbortSignal;
}

class Session implements DecodeSession {
  readonly batchSize: number;
  private readonly seqs: number[][];
  private readonly pending: number[][];
  private readonly cache: KvCache;
  private readonly rng: Rng;
  private readonly rowRngs: Rng[] | null;
  private disposed = false;
  private busy = false;

  constructor(
    private readonly model: Transformer,
    private readonly opts: SessionOptions,
  ) {
    validateSampling(opts);
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
      throw new Error(`generate: batchSize must be a positive integer, got ${opts.batchSize}`);
    if (!Number.isInteger(opts.maxLength) || opts.maxLength < 1 || opts.maxLength > model.config.maxPositions)
      throw new Error(
        `generate: maxLength must be 1..${model.config.maxPositions} (the model's maxPositions), got ${opts.maxLength}`,
      );
    this.batchSize = opts.batchSize;
    this.seqs = Array.from({ length: opts.batchSize }, () => []);
    this.pending = Array.from({ length: opts.batchSize }, () => []);
    this.cache = new KvCache(opts.batchSize);
    this.rng = new Rng(opts.seed);
    if (opts.rowSeeds && opts.rowSeeds.length !== opts.batchSize)
      throw new Error(`generate: rowSeeds needs ${opts.batchSize} entries (one per row), got ${opts.rowSeeds.length}`);
    this.rowRngs = opts.rowSeeds ? opts.rowSeeds.map((s) => new Rng(s)) : null;
  }

  get cacheColumns(): number {
    return this.cache.columns;
  }

  private checkRow(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.batchSize)
      throw new Error(`generate: row ${i} is out of range 0..${this.batchSize - 1}`);
  }

  append(i: number, tokens: number[]): void {
    this.checkRow(i);
    if (this.disposed) throw new Error('generate: session was disposed');
    const V = this.model.config.vocabSize;
    for (const t of tokens)
      if (!Number.isInteger(t) || t < 0 || t >= V)
        throw new Error(`generate: token id ${t} appended to row ${i} is out of range 0..${V - 1}`);
    if (this.seqs[i].length + tokens.length > this.opts.maxLength)
      throw new Error(
        `generate: row ${i} would have ${this.seqs[i].length + tokens.length} tokens, over maxLength ${this.opts.maxLength}`,
      );
    this.seqs[i].push(...tokens);
    this.pending[i].push(...tokens);
  }

  tokens(i: number): number[] {
    this.checkRow(i);
    return [...this.seqs[i]];
  }

  async generate(o: GenerateCallOptions): Promise<GenerateCallResult> {
    if (this.disposed) throw new Error('generate: session was disposed');
    if (this.busy) throw new Error('generate: a generate call is already running on this session');
    const B = this.batchSize;
    if (o.active.length !== B || o.maxNewTokens.length !== B)
      throw new Error(`generate: active and maxNewTokens need ${B} entries`);
    const stopStrings = o.stopStrings ?? [];
    if (stopStrings.length > 0 && !this.opts.decode)
      throw new Error('generate: stopStrings need a decode function in the session options');
    const stopIds = new Set(o.stopTokenIds ?? []);
    const window = Math.max(0, ...stopStrings.map((s) => s.length)) + 8;
    const ids: number[][] = Array.from({ length: B }, () => []);
    const logprobs: number[][] = Array.from({ length: B }, () => []);
    const reason: (StopReason | null)[] = new Array<StopReason | null>(B).fill(null);
    for (let i = 0; i < B; i++) {
      if (!o.active[i]) reason[i] = 'inactive';
      else if (this.pending[i].length === 0)
        throw new Error(`generate: row ${i} has no tokens to continue from; append a prompt first`);
      else if (o.maxNewTokens[i] <= 0) reason[i] = 'max-tokens';
      else if (this.seqs[i].length >= this.opts.maxLength) reason[i] = 'length';
    }
    const sampling = { temperature: this.opts.temperature, topP: this.opts.topP };
    this.busy = true;
    // Rows that stop (or were never active) are dropped from the computed batch once they are half of it:
    // the running rows' cache is gathered into a smaller one and merged back when the call ends.
    const stack: { parent: KvCache; rows: number[] }[] = [];
    let work = this.cache;
    let globalRows = Array.from({ length: B }, (_, i) => i); // work row j is session row globalRows[j]
    const pause = stopPoint(this.opts.signal, 'generation');
    try {
      while (reason.some((r) => r === null)) {
        await pause();
        const running = globalRows.filter((g) => reason[g] === null);
        if (this.opts.compact !== false && running.length <= work.batchSize / 2) {
          const local = globalRows.flatMap((g, j) => (reason[g] === null ? [j] : []));
          stack.push({ parent: work, rows: local });
          work = work.select(local);
          globalRows = running;
        }
        const blocks = globalRows.map((g) => (reason[g] === null ? this.pending[g] : []));
        const logitsT = work.feed(this.model, blocks, 'last'); // [b, V]
        let logits: Float32Array;
        try {
          logits = (await logitsT.data()) as Float32Array;
        } finally {
          logitsT.dispose();
        }
        const V = this.model.config.vocabSize;
        const rowOf = new Map(globalRows.map((g, j) => [g, j]));
        for (let i = 0; i < B; i++) {
          if (reason[i] !== null) continue;
          this.pending[i] = [];
          const j = rowOf.get(i)!;
          const { token, logprob } = sampleToken(logits.subarray(j * V, (j + 1) * V), sampling, this.rowRngs ? this.rowRngs[i]! : this.rng);
          ids[i].push(token);
          logprobs[i].push(logprob);
          this.seqs[i].push(token);
          this.pending[i].push(token);
          if (stopIds.has(token)) reason[i] = 'stop-token';
          else if (
            stopStrings.length > 0 &&
            stopStrings.some((s) => this.opts.decode!(ids[i].slice(-window)).includes(s))
          )
            reason[i] = 'stop-string';
          else if (o.shouldStop?.(i, ids[i])) reason[i] = 'predicate';
          else if (ids[i].length >= o.maxNewTokens[i]) reason[i] = 'max-tokens';
          else if (this.seqs[i].length >= this.opts.maxLength) reason[i] = 'length';
        }
      }
    } finally {
      for (let top = stack.pop(); top; top = stack.pop()) {
        top.parent.mergeFrom(work, top.rows);
        work = top.parent;
      }
      this.busy = false;
      if (this.disposed) this.cache.dispose(); // disposed while a step was awaited
    }
    return { ids, logprobs, stopReason: reason as StopReason[] };
  }

  dispose(): void {
    this.disposed = true;
    this.cache.dispose();
  }
}

export function createDecodeSession(model: Transformer, opts: SessionOptions): DecodeSession {
  return new Session(model, opts);
}

export interface GenerateOptions {
  maxNewTokens: number | number[];
  temperature: number;
  topP?: number;
  seed?: number;
  stopTokenIds?: number[];
  stopStrings?: string[];
  decode?: (ids: number[]) => string;
}

/** One-shot batched generation from prompts of any lengths; the session is disposed before returning. */
export async function generate(
  model: Transformer,
  prompts: number[][],
  opts: GenerateOptions,
): Promise<GenerateCallResult> {
  const budgets = Array.isArray(opts.maxNewTokens)
    ? opts.maxNewTokens
    : prompts.map(() => opts.maxNewTokens as number);
  const maxLength = Math.min(
    model.config.maxPositions,
    Math.max(...prompts.map((p, i) => p.length + budgets[i])),
  );
  const session = createDecodeSession(model, {
    batchSize: prompts.length,
    maxLength,
    temperature: opts.temperature,
    topP: opts.topP ?? 1,
    seed: opts.seed ?? 0,
    decode: opts.decode,
  });
  try {
    prompts.forEach((p, i) => session.append(i, p));
    return await session.generate({
      active: prompts.map(() => true),
      maxNewTokens: budgets,
      stopTokenIds: opts.stopTokenIds,
      stopStrings: opts.stopStrings,
    });
  } finally {
    session.dispose();
  }
}
