// Episode environment driven by a scripted decoder: feedback turns, statuses, budgets, token kinds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEpisodes, drawAttempts, type EpisodeDecoder, type EpisodeDeps, type EpisodeTask } from '../../../backend/rl/episode.js';

// One id per character; id 0 is the stop token rendered as '#'.
const tokenizer = {
  encode: (s: string) => [...s].map((c) => (c === '#' ? 0 : c.codePointAt(0)!)),
  decode: (ids: number[]) => ids.map((i) => (i === 0 ? '#' : String.fromCodePoint(i))).join(''),
};
const dialogue = {
  prompt: (q: string, n: number | null) => (n === null ? `[S]${q}[A]` : `[S${n}]${q}[A]`),
  feedback: (left: number, closed: boolean) => `${closed ? '' : '#'}[F${left}][A]`,
};
const lastBox = (t: string) => [...t.matchAll(/\\boxed\{([^}]*)\}/g)].at(-1)?.[1] ?? null;
const judge = (text: string, gold: string) => {
  const e = lastBox(text);
  return { verdict: e === null ? ('no_answer' as const) : e === gold ? ('correct' as const) : ('wrong' as const), extracted: e };
};

/** Emits, for each sequence, its scripted attempts one per generate call, honouring stops and budgets. */
function scriptedDecoder(scripts: string[][]) {
  const appended: number[][] = scripts.map(() => []);
  const calls: number[] = scripts.map(() => 0);
  const decoder: EpisodeDecoder = {
    append(i, tokens) {
      appended[i]!.push(...tokens);
    },
    async generate({ active, maxNewTokens, stopTokenIds = [], shouldStop }) {
      const ids: number[][] = [];
      const logprobs: number[][] = [];
      const stopReason: string[] = [];
      for (let i = 0; i < active.length; i++) {
        if (!active[i]) {
          ids.push([]);
          logprobs.push([]);
          stopReason.push('inactive');
          continue;
        }
        const full = tokenizer.encode(scripts[i]![calls[i]++] ?? '');
        const out: number[] = [];
        let reason = 'max-tokens';
        for (const t of full) {
          if (out.length >= maxNewTokens[i]!) break;
          out.push(t);
          if (stopTokenIds.includes(t)) {
            reason = 'stop-token';
            break;
          }
          if (shouldStop?.(i, out)) {
            reason = 'predicate';
            break;
          }
        }
        appended[i]!.push(...out);
        ids.push(out);
        logprobs.push(out.map(() => -0.5));
        stopReason.push(reason);
      }
      return { ids, logprobs, stopReason };
    },
  };
  return { decoder, appended };
}

const task = (id: string, gold: string, n: number): EpisodeTask => ({ questionId: id, question: `q${id}`, gold, attemptsAllowed: n });
const deps = (decoder: EpisodeDecoder): EpisodeDeps => ({ decoder, tokenizer, dialogue, judge, isAttemptComplete: (t) => lastBox(t) !== null });
const opts = { mode: 'multi-attempt' as const, maxTokensPerAttempt: 40, maxTotalTokens: 200, stopTokenIds: [0] };

test('wrong then correct: feedback appended, solved on attempt 2, kinds and log-probs aligned', async () => {
  const { decoder, appended } = scriptedDecoder([['x \\boxed{4} trailing', 'y \\boxed{5}']]);
  const [r] = await runEpisodes([task('a', '5', 3)], deps(decoder), opts);
  assert.equal(r!.solvedAt, 1, '0-based: the second attempt');
  assert.equal(r!.endReason, 'correct');
  assert.deepEqual(r!.attempts.map((a) => a.verdict), ['wrong', 'correct']);
  // Generation stops right after the box closes: the trailing text is never generated.
  assert.equal(r!.attempts[0]!.response, 'x \\boxed{4}');
  assert.equal(tokenizer.decode(r!.tokens), '[S3]qa[A]x \\boxed{4}#[F2][A]y \\boxed{5}');
  assert.deepEqual(r!.tokens, appended[0]);
  assert.equal(r!.kinds.length, r!.tokens.length);
  assert.equal(r!.logprobs.length, r!.tokens.length);
  const kindsText = r!.kinds.map((k) => k[0]).join('');
  assert.equal(kindsText, 'p'.repeat(9) + 'g'.repeat(11) + 'f'.repeat(8) + 'g'.repeat(11));
  r!.kinds.forEach((k, j) => assert.equal(Number.isNaN(r!.logprobs[j]), k !== 'generated'));
});

test('out of attempts, unboxed turn closed by the model, single-turn prompt', async () => {
  const { decoder } = scriptedDecoder([
    ['no box here#', '\\boxed{1}'],
    ['\\boxed{9}', 'never used'],
  ]);
  const rs = await runEpisodes([task('a', '7', 2), task('b', '7', 1)], deps(decoder), opts);
  assert.deepEqual(rs[0]!.attempts.map((a) => a.verdict), ['no_box', 'wrong']);
  assert.equal(rs[0]!.endReason, 'out_of_attempts');
  // The model closed its own turn, so the feedback does not close it again.
  assert.match(tokenizer.decode(rs[0]!.tokens), /no box here#\[F1\]\[A\]/);
  assert.equal(rs[1]!.attempts.length, 1);
  assert.equal(rs[1]!.solvedAt, null);

  const single = scriptedDecoder([['\\boxed{7}']]);
  const [s] = await runEpisodes([task('c', '7', 1)], deps(single.decoder), { ...opts, mode: 'single-turn' });
  assert.equal(tokenizer.decode(s!.tokens), '[S]qc[A]\\boxed{7}');
  await assert.rejects(runEpisodes([task('d', '7', 2)], deps(single.decoder), { ...opts, mode: 'single-turn' }), /exactly 1 attempt/);
});

test('per-attempt and total token budgets', async () => {
  const long = 'a'.repeat(100);
  const { decoder } = scriptedDecoder([[long, long, long]]);
  const [r] = await runEpisodes([task('a', '1', 5)], deps(decoder), { ...opts, maxTokensPerAttempt: 30, maxTotalTokens: 70 });
  assert.deepEqual(r!.attempts.map((a) => [a.verdict, a.tokens]), [
    ['over_budget', 30],
    ['over_budget', 30],
    ['over_budget', 10],
  ]);
  assert.equal(r!.generatedTokens, 70);
  assert.equal(r!.endReason, 'out_of_budget');
});

test('drawAttempts covers {min..max} uniformly and validates its range', () => {
  let s = 1;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const counts = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const n = drawAttempts(1, 5, rand);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1, 2, 3, 4, 5]);
  for (const c of counts.values()) assert.ok(c > 850 && c < 1150, `count ${c}`);
  assert.throws(() => drawAttempts(3, 2, rand), /1 ≤ min ≤ max/);
});

test('dialogueFromTemplate: the ChatML feedback turn is byte-identical, minus its <|im_end|> when the model closed the turn', async () => {
  const { chatmlTemplate } = await import('../../../backend/model/tokenizers/chat-template.js');
  const { dialogueFromTemplate } = await import('../../../backend/rl/episode.js');
  const d = dialogueFromTemplate(chatmlTemplate);
  const reference = '<|im_end|>\n<|im_start|>system\nYour answer is incorrect. You have 2 attempts left. Try an alternative.<|im_end|>\n<|im_start|>assistant\n';
  assert.equal(d.feedback(2, false), reference);
  assert.equal(d.feedback(2, true), reference.slice('<|im_end|>'.length));
  assert.equal(
    d.prompt('What is 1+1?', 3),
    '<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}. You have 3 attempts to answer the questions, and you should provide the full reasoning steps in each attempt.<|im_end|>\n<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n',
  );
});

test('dialogueFromTemplate: the feedback closes the turn only when the model did not', async () => {
  const { dialogueFromTemplate } = await import('../../../backend/rl/episode.js');
  const { compactTemplate, chatmlTemplate } = await import('../../../backend/model/tokenizers/chat-template.js');
  const d = dialogueFromTemplate(compactTemplate);
  assert.equal(d.prompt('1+2=', 3), compactTemplate.prompt('1+2=', 3));
  assert.equal(d.prompt('1+2=', null), compactTemplate.prompt('1+2=', null));
  assert.equal(d.feedback(2, false), '<|im_end|><|im_start|>F2<|im_end|><|im_start|>A');
  assert.equal(d.feedback(2, true), '<|im_start|>F2<|im_end|><|im_start|>A');
  const c = dialogueFromTemplate(chatmlTemplate);
  assert.equal(c.feedback(1, true), chatmlTemplate.feedback(1).slice('<|im_end|>'.length));
  assert.ok(c.feedback(1, true).startsWith('\n<|im_start|>system\nYour answer is incorrect. You have 1 attempts left.'));
  const bad = dialogueFromTemplate({ prompt: () => 'p', feedback: () => 'no close', endOfTurn: ['</s>'] });
  assert.equal(bad.feedback(1, false), 'no close');
  assert.throws(() => bad.feedback(1, true), /does not start with its end-of-turn string '<\/s>'/);
});

test('a per-task maxTotalTokens caps that episode only', async () => {
  const { decoder } = scriptedDecoder([['abcdefghij'], ['abcdefghij']]);
  const tasks = [{ ...task('a', '5', 1), maxTotalTokens: 4 }, task('b', '5', 1)];
  const [a, b] = await runEpisodes(tasks, deps(decoder), opts);
  assert.equal(a!.generatedTokens, 4);
  assert.equal(a!.endReason, 'out_of_budget');
  assert.equal(b!.generatedTokens, 10);
});
