// The attempts explorer's reads: one run's episodes filtered (step range, split, dataset, verdict, solved on a
// later attempt, repeated an earlier wrong answer), in (step, id) order, a keyset page at a time, with a scan
// budget so no filter combination scans the whole run; the CSV export iterates the same filter without pages.
import type { Db } from './open-db.js';
import { repeatFlags } from '../domain/repeat-rule.js';
import type { EpisodeSplit, Verdict } from '../domain/vocabulary.js';

export interface EpisodeFilter {
  runId: number;
  stepMin?: number;
  stepMax?: number;
  split?: EpisodeSplit;
  dataset?: string;
  verdict?: Verdict;
  /** true: solved, but not on the first attempt; false: unsolved or solved on the first. */
  solvedOnLaterAttempt?: boolean;
  /** true: some retry repeated an earlier wrong answer of the episode; false: none did. */
  repeatedWrongAnswer?: boolean;
}

export interface EpisodeRow {
  id: number;
  runId: number;
  step: number;
  split: string;
  dataset: string;
  questionId: string;
  question: string;
  gold: string;
  sampleIndex: number;
  attemptsAllowed: number;
  attemptsUsed: number;
  /** 0-based index of the correct attempt; null if unsolved. */
  solvedAt: number | null;
  reward: number;
  verdict: Verdict;
  tokens: number;
  /** Retries whose answer equals an earlier wrong answer of the episode. */
  repeats: number;
}

export interface EpisodePage {
  items: EpisodeRow[];
  /** Pass back as `cursor` for the next page; null when the run has no more matching episodes. */
  nextCursor: string | null;
  /**
   * True when the scan budget ran out before the page filled: `items` holds every match up to the cursor
   * (possibly none), and the next page continues the scan from there.
   */
  partial: boolean;
}

export const EPISODE_COLUMNS = `id, run_id AS runId, step, split, dataset, question_id AS questionId, question, gold,
  sample_index AS sampleIndex, attempts_allowed AS attemptsAllowed, attempts_used AS attemptsUsed, solved_at AS solvedAt,
  reward, verdict, tokens, repeats`;

/** Index rows one page may examine before it answers with what it found (see EpisodePage.partial). */
export const DEFAULT_SCAN_BUDGET = 10_000;

/** A cursor is the (step, id) of the last episode seen, as "step:id". */
export function encodeCursor(step: number, id: number): string {
  return `${step}:${id}`;
}

export function decodeCursor(cursor: string): { step: number; id: number } {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(cursor);
  if (!m) throw new Error(`cursor '${cursor}' is not one this API returned (expected "step:id")`);
  return { step: Number(m[1]), id: Number(m[2]) };
}

interface Where {
  sql: string;
  params: Record<string, string | number>;
  /** The index that drives the scan: its equality columns are in the filter and it ends in `step`. */
  index: string;
}

/**
 * The WHERE clause of a filter (conditions only for the fields given, so the planner sees constants) and the
 * index that drives it: the most selective condition an index serves — repeats, later solves, dataset,
 * verdict, split — else (run_id, step). Each such index yields rows in (step, id) order.
 */
export function episodeWhere(f: EpisodeFilter): Where {
  const conds = ['run_id = @runId'];
  const params: Record<string, string | number> = { runId: f.runId };
  if (f.stepMin !== undefined) {
    conds.push('step >= @stepMin');
    params.stepMin = f.stepMin;
  }
  if (f.stepMax !== undefined) {
    conds.push('step <= @stepMax');
    params.stepMax = f.stepMax;
  }
  for (const [key, column] of [
    ['split', 'split'],
    ['dataset', 'dataset'],
    ['verdict', 'verdict'],
  ] as const) {
    const v = f[key];
    if (v !== undefined) {
      conds.push(`${column} = @${key}`);
      params[key] = v;
    }
  }
  if (f.solvedOnLaterAttempt !== undefined) conds.push(f.solvedOnLaterAttempt ? 'solved_at > 0' : '(solved_at IS NULL OR solved_at = 0)');
  if (f.repeatedWrongAnswer !== undefined) conds.push(f.repeatedWrongAnswer ? 'repeats > 0' : 'repeats = 0');
  const index =
    f.repeatedWrongAnswer === true
      ? 'episodes_repeating'
      : f.solvedOnLaterAttempt === true
        ? 'episodes_solved_later'
        : f.dataset !== undefined
          ? 'episodes_by_run_dataset'
          : f.verdict !== undefined
            ? 'episodes_by_run_verdict'
            : f.split !== undefined
              ? 'episodes_by_run_split'
              : 'episodes_by_run_step';
  return { sql: conds.join(' AND '), params, index };
}

/**
 * One page of a run's episodes matching `f`, after `cursor`, in (step, id) order. The scan walks the driving
 * index from the cursor and examines at most `scanBudget` episodes; when the budget runs out first the page
 * is `partial` and its cursor marks where the scan stopped, so any filter answers in bounded time.
 */
export function listEpisodes(db: Db, f: EpisodeFilter, page: { cursor?: string; limit: number; scanBudget?: number }): EpisodePage {
  const w = episodeWhere(f);
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const budget = page.scanBudget ?? DEFAULT_SCAN_BUDGET;
  // The driving index's own conditions go inside the bounded scan, every other one outside it.
  const keyset = after ? ' AND (step, id) > (@afterStep, @afterId)' : '';
  const params = { ...w.params, ...(after ? { afterStep: after.step, afterId: after.id } : {}), budget, limit: page.limit + 1 };
  const rows = db
    .prepare(
      `SELECT ${EPISODE_COLUMNS} FROM (
         SELECT * FROM episodes INDEXED BY ${w.index} WHERE ${drivingConditions(f, w.index)}${keyset} ORDER BY step, id LIMIT @budget
       ) WHERE ${w.sql} ORDER BY step, id LIMIT @limit`,
    )
    .all(params) as EpisodeRow[];
  if (rows.length > page.limit) {
    const items = rows.slice(0, page.limit);
    const last = items.at(-1)!;
    return { items, nextCursor: encodeCursor(last.step, last.id), partial: false };
  }
  // Fewer than a page: either the run is exhausted, or the budget ran out; find where the scan ended.
  const end = db
    .prepare(
      `SELECT step, id FROM episodes INDEXED BY ${w.index} WHERE ${drivingConditions(f, w.index)}${keyset} ORDER BY step, id LIMIT 1 OFFSET @skip`,
    )
    .get({ ...params, skip: budget - 1 }) as { step: number; id: number } | undefined;
  if (!end) return { items: rows, nextCursor: null, partial: false };
  // Was anything left after the scan's end?
  const more = db
    .prepare(`SELECT 1 FROM episodes INDEXED BY ${w.index} WHERE ${drivingConditions(f, w.index)} AND (step, id) > (@endStep, @endId) LIMIT 1`)
    .get({ ...w.params, endStep: end.step, endId: end.id });
  return { items: rows, nextCursor: more ? encodeCursor(end.step, end.id) : null, partial: more !== undefined };
}

/** The conditions the driving index evaluates itself (run, its equality column or partial condition, steps). */
function drivingConditions(f: EpisodeFilter, index: string): string {
  const conds = ['run_id = @runId'];
  if (index === 'episodes_repeating') conds.push('repeats > 0');
  if (index === 'episodes_solved_later') conds.push('solved_at > 0');
  if (index === 'episodes_by_run_dataset') conds.push('dataset = @dataset');
  if (index === 'episodes_by_run_verdict') conds.push('verdict = @verdict');
  if (index === 'episodes_by_run_split') conds.push('split = @split');
  if (f.stepMin !== undefined) conds.push('step >= @stepMin');
  if (f.stepMax !== undefined) conds.push('step <= @stepMax');
  return conds.join(' AND ');
}

/** Every episode of a run matching `f`, in (step, id) order, read lazily (for streamed exports). */
export function iterateEpisodes(db: Db, f: EpisodeFilter): IterableIterator<EpisodeRow> {
  const w = episodeWhere(f);
  return db.prepare(`SELECT ${EPISODE_COLUMNS} FROM episodes INDEXED BY ${w.index} WHERE ${w.sql} ORDER BY step, id`).iterate(w.params) as IterableIterator<EpisodeRow>;
}

export interface AttemptRow {
  idx: number;
  response: string;
  extracted: string | null;
  verdict: Verdict;
  tokens: number;
  /** A retry whose answer equals (normalised) an earlier wrong answer of the episode. */
  repeatsEarlierWrong: boolean;
}

/** One episode with its attempts in order (each flagged when it repeats an earlier wrong answer), or undefined. */
export function getEpisode(db: Db, episodeId: number): (EpisodeRow & { attempts: AttemptRow[] }) | undefined {
  const e = db.prepare(`SELECT ${EPISODE_COLUMNS} FROM episodes WHERE id = ?`).get(episodeId) as EpisodeRow | undefined;
  if (!e) return undefined;
  const rows = db.prepare('SELECT idx, response, extracted, verdict, tokens FROM attempts WHERE episode_id = ? ORDER BY idx').all(episodeId) as Array<Omit<AttemptRow, 'repeatsEarlierWrong'>>;
  const repeats = repeatFlags(rows);
  const attempts = rows.map((a, i) => ({ ...a, repeatsEarlierWrong: repeats[i]! }));
  return { ...e, attempts };
}

/** The distinct datasets and splits a run logged episodes for, and its step range (the explorer's pickers). */
export interface EpisodeFacets {
  datasets: string[];
  splits: string[];
  stepMin: number | null;
  stepMax: number | null;
}

export function episodeFacets(db: Db, runId: number): EpisodeFacets {
  const datasets = distinctValues(db, runId, 'dataset', 'episodes_by_run_dataset');
  const splits = distinctValues(db, runId, 'split', 'episodes_by_run_split');
  // Two scalar subqueries: each is one index seek (MIN and MAX in one SELECT scan the run).
  const range = db
    .prepare('SELECT (SELECT MIN(step) FROM episodes WHERE run_id = @runId) AS lo, (SELECT MAX(step) FROM episodes WHERE run_id = @runId) AS hi')
    .get({ runId }) as { lo: number | null; hi: number | null };
  return { datasets, splits, stepMin: range.lo, stepMax: range.hi };
}

/** DISTINCT by skip-scan: one index seek per value, not a scan of the run's episodes. */
function distinctValues(db: Db, runId: number, column: 'dataset' | 'split', index: string): string[] {
  return (
    db
      .prepare(
        `WITH RECURSIVE d(v) AS (
           SELECT (SELECT MIN(${column}) FROM episodes INDEXED BY ${index} WHERE run_id = @runId)
           UNION ALL SELECT (SELECT MIN(${column}) FROM episodes INDEXED BY ${index} WHERE run_id = @runId AND ${column} > d.v) FROM d WHERE d.v IS NOT NULL
         ) SELECT v FROM d WHERE v IS NOT NULL`,
      )
      .all({ runId }) as Array<{ v: string }>
  ).map((r) => r.v);
}
