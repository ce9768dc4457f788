// The attempts explorer's queries on a real SQLite file: every filter against a brute-force reference,
// keyset pages that cover the matches exactly once in (step, id) order, the scan budget, the query plans
// (the driving index, no sort), the repeats column (logStep and migration 3's backfill), facets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { openDb, type Db } from '../../../backend/db/open-db.js';
import { MIGRATIONS } from '../../../backend/db/migrations.js';
import { createRun, logStep } from '../../../backend/db/run-store.js';
import { repeatCount as repeatedWrongAnswers } from '../../../backend/domain/repeat-rule.js';
import type { EpisodeRecord, Verdict } from '../../../backend/domain/vocabulary.js';
import { episodeFacets, episodeWhere, getEpisode, iterateEpisodes, listEpisodes, type EpisodeFilter, type EpisodeRow } from '../../../backend/db/episode-query.js';

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-eq-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic episodes: verdict patterns, datasets, splits, and answers that repeat. */
function fill(db: Db): number[] {
  const runs = [createRun(db, { kind: 'train', config: {} }), createRun(db, { kind: 'train', config: {} })];
  const patterns: Array<Array<[Verdict, string | null]>> = [
    [['correct', '4']],
    [['wrong', '5'], ['correct', '4']],
    [['wrong', '5'], ['wrong', '5'], ['wrong', '6']],
    [['no_box', null], ['wrong', '7'], ['wrong', 'x=7']], // normalises to 7: a repeat
    [['wrong', '5'], ['no_box', null], ['correct', '4']],
  ];
  let n = 0;
  for (let step = 1; step <= 12; step++)
    for (const runId of runs) {
      const episodes: EpisodeRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const p = patterns[(n++ * 7) % patterns.length]!;
        episodes.push({
          split: i === 4 ? 'eval' : 'train',
          dataset: ['synthetic', 'math500', 'aime24'][(n + step) % 3]!,
          questionId: `q${n}`,
          question: `Q${n}, with "quotes", commas, and\na newline`,
          gold: '4',
          attemptsAllowed: 3,
          reward: p.some(([v]) => v === 'correct') ? 1 : -0.5,
          attempts: p.map(([verdict, extracted], j) => ({ response: `try ${j}: \\boxed{${extracted}}`, extracted, verdict, tokens: 5 + j })),
        });
      }
      logStep(db, runId, step, { episodes });
    }
  return runs;
}

const FILTERS: Array<Omit<EpisodeFilter, 'runId'>> = [
  {},
  { verdict: 'wrong' },
  { split: 'eval' },
  { dataset: 'aime24' },
  { solvedOnLaterAttempt: true },
  { solvedOnLaterAttempt: false },
  { repeatedWrongAnswer: true },
  { repeatedWrongAnswer: false },
  { stepMin: 3, stepMax: 7 },
  { dataset: 'math500', verdict: 'correct', split: 'train', stepMin: 2 },
  { repeatedWrongAnswer: true, solvedOnLaterAttempt: false, dataset: 'synthetic', stepMax: 9 },
  { verdict: 'over_budget' },
];

function reference(all: EpisodeRow[], f: EpisodeFilter): number[] {
  return all
    .filter(
      (e) =>
        e.runId === f.runId &&
        (f.stepMin === undefined || e.step >= f.stepMin) &&
        (f.stepMax === undefined || e.step <= f.stepMax) &&
        (f.split === undefined || e.split === f.split) &&
        (f.dataset === undefined || e.dataset === f.dataset) &&
        (f.verdict === undefined || e.verdict === f.verdict) &&
        (f.solvedOnLaterAttempt === undefined || (e.solvedAt !== null && e.solvedAt > 0) === f.solvedOnLaterAttempt) &&
        (f.repeatedWrongAnswer === undefined || e.repeats > 0 === f.repeatedWrongAnswer),
    )
    .sort((a, b) => a.step - b.step || a.id - b.id)
    .map((e) => e.id);
}

function allPages(db: Db, f: EpisodeFilter, limit: number, scanBudget?: number): { ids: number[]; pages: number; partial: number } {
  const ids: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let partial = 0;
  do {
    const p = listEpisodes(db, f, { cursor, limit, scanBudget });
    assert.ok(p.items.length <= limit);
    if (!p.partial && p.nextCursor !== null) assert.equal(p.items.length, limit, 'a full page unless partial or last');
    ids.push(...p.items.map((e) => e.id));
    cursor = p.nextCursor ?? undefined;
    pages++;
    if (p.partial) partial++;
    assert.ok(pages < 1000);
  } while (cursor);
  return { ids, pages, partial };
}

test('every filter, paged with and without a scan budget, returns exactly the matching episodes in (step, id) order', () => {
  const t = tempDir();
  try {
    const db = openDb(path.join(t.dir, 'a.db'));
    const [r1] = fill(db);
    const all = db.prepare(`SELECT id, run_id AS runId, step, split, dataset, verdict, solved_at AS solvedAt, repeats FROM episodes`).all() as EpisodeRow[];
    let nonEmpty = 0;
    for (const f of FILTERS) {
      const filter = { runId: r1!, ...f };
      const want = reference(all, filter);
      if (want.length > 0) nonEmpty++;
      const label = JSON.stringify(f);
      assert.deepEqual(allPages(db, filter, 7).ids, want, label);
      const tight = allPages(db, filter, 7, 4);
      assert.deepEqual(tight.ids, want, `${label} with a budget of 4`);
      if (want.length > 0 && want.length < 30) assert.ok(tight.partial > 0, `${label}: a budget of 4 leaves partial pages`);
      assert.deepEqual([...iterateEpisodes(db, filter)].map((e) => e.id), want, `${label} iterated`);
    }
    assert.ok(nonEmpty >= 10, 'the fixture exercises the filters');
    db.close();
  } finally {
    t.done();
  }
});

test('each filter is driven by its index in (step, id) order: no table scan, no sort', () => {
  const t = tempDir();
  try {
    const db = openDb(path.join(t.dir, 'p.db'));
    for (const f of FILTERS) {
      const w = episodeWhere({ runId: 1, ...f });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM episodes INDEXED BY ${w.index} WHERE ${w.sql} AND (step, id) > (1, 1) ORDER BY step, id LIMIT 51`).all(w.params) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
      assert.match(plan, new RegExp(`SEARCH episodes USING (COVERING )?INDEX ${w.index} \\(run_id=\\?`), `${JSON.stringify(f)}: ${plan}`);
      assert.doesNotMatch(plan, /TEMP B-TREE|SCAN episodes/, `${JSON.stringify(f)}: ${plan}`);
    }
    assert.equal(episodeWhere({ runId: 1, dataset: 'x', verdict: 'wrong' }).index, 'episodes_by_run_dataset');
    assert.equal(episodeWhere({ runId: 1, verdict: 'wrong', repeatedWrongAnswer: true }).index, 'episodes_repeating');
    db.close();
  } finally {
    t.done();
  }
});

test('repeats: retries equal to an earlier wrong answer after normalisation; null answers never repeat', () => {
  const a = (verdict: Verdict, extracted: string | null) => ({ verdict, extracted });
  assert.equal(repeatedWrongAnswers([a('wrong', '5'), a('wrong', '5'), a('wrong', '5')]), 2);
  assert.equal(repeatedWrongAnswers([a('wrong', '\\dfrac{1}{2}'), a('wrong', '\\frac12')]), 1);
  assert.equal(repeatedWrongAnswers([a('wrong', '7 cm'), a('no_box', null), a('wrong', 'x=7')]), 1);
  assert.equal(repeatedWrongAnswers([a('no_box', null), a('no_box', null)]), 0);
  assert.equal(repeatedWrongAnswers([a('wrong', '5'), a('correct', '4')]), 0);
  assert.equal(repeatedWrongAnswers([a('wrong', '5')]), 0, 'the first attempt is not a retry');
});

test('migration 3 backfills repeats by exact match on rows written at version 2, and adds the explorer indexes', () => {
  const t = tempDir();
  try {
    const file = path.join(t.dir, 'old.db');
    const raw = openSqlite(file);
    raw.exec(MIGRATIONS[0]!);
    raw.exec(MIGRATIONS[1]!);
    raw.pragma('user_version = 2');
    raw.exec(`INSERT INTO runs (kind, status, config, created_at) VALUES ('train', 'completed', '{}', 1);
      INSERT INTO episodes (id, run_id, step, split, dataset, question_id, question, gold, attempts_allowed, attempts_used, solved_at, reward, verdict)
        VALUES (1, 1, 1, 'train', 'd', 'q', 'Q', '4', 3, 3, NULL, -0.5, 'wrong'), (2, 1, 1, 'train', 'd', 'q', 'Q', '4', 2, 2, 1, 1, 'correct');
      INSERT INTO attempts (episode_id, idx, response, extracted, verdict, tokens) VALUES
        (1, 0, 'a', '5', 'wrong', 1), (1, 1, 'b', '5', 'wrong', 1), (1, 2, 'c', '5', 'wrong', 1), (2, 0, 'a', '5', 'wrong', 1), (2, 1, 'b', '4', 'correct', 1);`);
    raw.close();
    const db = openDb(file);
    assert.deepEqual(db.prepare('SELECT id, repeats FROM episodes ORDER BY id').all(), [{ id: 1, repeats: 2 }, { id: 2, repeats: 0 }]);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'episodes'").all() as Array<{ name: string }>).map((r) => r.name).sort();
    for (const name of ['episodes_by_run_dataset', 'episodes_by_run_split', 'episodes_by_run_step', 'episodes_by_run_verdict', 'episodes_repeating', 'episodes_solved_later'])
      assert.ok(indexes.includes(name), name);
    assert.deepEqual(listEpisodes(db, { runId: 1, repeatedWrongAnswer: true }, { limit: 10 }).items.map((e) => e.id), [1]);
    db.close();
  } finally {
    t.done();
  }
});

test('getEpisode returns the whole dialogue in order; facets list datasets, splits and the step range', () => {
  const t = tempDir();
  try {
    const db = openDb(path.join(t.dir, 'g.db'));
    const [r1, r2] = fill(db);
    const id = listEpisodes(db, { runId: r1!, repeatedWrongAnswer: true, dataset: 'synthetic' }, { limit: 1 }).items[0]!.id;
    const e = getEpisode(db, id)!;
    assert.equal(e.attempts.length, e.attemptsUsed);
    assert.deepEqual(e.attempts.map((a) => a.idx), [...e.attempts.keys()]);
    assert.ok(e.repeats > 0);
    assert.equal(e.attempts.filter((a) => a.repeatsEarlierWrong).length, e.repeats, 'the flagged attempts are the counted repeats');
    assert.equal(e.attempts[0]!.repeatsEarlierWrong, false);
    assert.equal(getEpisode(db, 999_999), undefined);
    assert.deepEqual(episodeFacets(db, r2!), { datasets: ['aime24', 'math500', 'synthetic'], splits: ['eval', 'train'], stepMin: 1, stepMax: 12 });
    assert.deepEqual(episodeFacets(db, 999), { datasets: [], splits: [], stepMin: null, stepMax: null });
    assert.throws(() => listEpisodes(db, { runId: r1! }, { cursor: 'abc', limit: 5 }), /cursor 'abc'/);
    db.close();
  } finally {
    t.done();
  }
});
