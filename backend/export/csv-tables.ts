// The CSV tables the studio exports, each a header and a lazily read row iterator over SQLite: metrics in long
// format, eval results, and episodes or attempts with the attempts explorer's filters. Times are ISO 8601 UTC;
// attempt numbers are 1-based (the database's 0-based indices + 1).
import type { Db } from '../db/open-db.js';
import { episodeWhere, iterateEpisodes, type EpisodeFilter } from '../db/episode-query.js';
import type { CsvValue } from './csv-file.js';

export type CsvTable = 'metrics' | 'eval' | 'episodes' | 'attempts';

export interface CsvQuery {
  /** metrics / eval: these runs (all when omitted). */
  runIds?: number[];
  /** metrics: these metric names (all when omitted). */
  names?: string[];
  /** eval: one dataset / one metric kind. */
  dataset?: string;
  metric?: string;
  /** episodes / attempts: the explorer's filter (its runId is required). */
  episodes?: EpisodeFilter;
}

export interface CsvSource {
  header: string[];
  rows: Iterable<CsvValue[]>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const runsJson = (ids?: number[]) => (ids && ids.length > 0 ? JSON.stringify(ids) : null);

/** The header and rows of one table; rows are read from `db` as they are consumed. */
export function csvSource(db: Db, table: CsvTable, q: CsvQuery): CsvSource {
  if (table === 'metrics') {
    const rows = db
      .prepare(
        `SELECT m.run_id, r.name AS run_name, m.step, m.name, m.value, m.time FROM metrics m JOIN runs r ON r.id = m.run_id
         WHERE (@runs IS NULL OR m.run_id IN (SELECT value FROM json_each(@runs)))
           AND (@names IS NULL OR m.name IN (SELECT value FROM json_each(@names)))
         ORDER BY m.run_id, m.name, m.step`,
      )
      .raw()
      .iterate({ runs: runsJson(q.runIds), names: q.names && q.names.length > 0 ? JSON.stringify(q.names) : null }) as Iterable<[number, string, number, string, number | null, number]>;
    return {
      header: ['run_id', 'run_name', 'step', 'name', 'value', 'time'],
      rows: map(rows, ([run, runName, step, name, value, time]) => [run, runName, step, name, value, iso(time)]),
    };
  }
  if (table === 'eval') {
    const rows = db
      .prepare(
        `SELECT e.run_id, r.name, e.step, e.checkpoint_path, e.dataset, e.metric, e.k, e.n, e.correct, e.accuracy, e.skipped, e.decoding, e.created_at
         FROM eval_results e JOIN runs r ON r.id = e.run_id
         WHERE (@runs IS NULL OR e.run_id IN (SELECT value FROM json_each(@runs))) AND (@dataset IS NULL OR e.dataset = @dataset)
           AND (@metric IS NULL OR e.metric = @metric)
         ORDER BY e.run_id, e.metric, e.dataset, e.step, e.k`,
      )
      .raw()
      .iterate({ runs: runsJson(q.runIds), dataset: q.dataset ?? null, metric: q.metric ?? null }) as Iterable<CsvValue[]>;
    return {
      header: ['run_id', 'run_name', 'step', 'checkpoint_path', 'dataset', 'metric', 'k', 'n', 'correct', 'accuracy', 'skipped', 'decoding', 'time'],
      rows: map(rows, (r) => [...r.slice(0, 12), iso(r[12] as number)]),
    };
  }
  if (!q.episodes) throw new Error(`the ${table} table needs an episode filter with a runId`);
  if (table === 'episodes') {
    return {
      header: ['episode_id', 'run_id', 'step', 'split', 'dataset', 'question_id', 'sample_index', 'attempts_allowed', 'attempts_used', 'solved_on_attempt', 'reward', 'verdict', 'repeats', 'tokens', 'question', 'gold'],
      rows: map(iterateEpisodes(db, q.episodes), (e) => [
        e.id,
        e.runId,
        e.step,
        e.split,
        e.dataset,
        e.questionId,
        e.sampleIndex,
        e.attemptsAllowed,
        e.attemptsUsed,
        e.solvedAt === null ? null : e.solvedAt + 1,
        e.reward,
        e.verdict,
        e.repeats,
        e.tokens,
        e.question,
        e.gold,
      ]),
    };
  }
  const w = episodeWhere(q.episodes);
  const rows = db
    .prepare(
      `SELECT e.id, e.run_id, e.step, e.split, e.dataset, e.question_id, a.idx + 1, a.verdict, a.extracted, a.tokens, e.gold, a.response
       FROM (SELECT * FROM episodes INDEXED BY ${w.index} WHERE ${w.sql}) e JOIN attempts a ON a.episode_id = e.id
       ORDER BY e.step, e.id, a.idx`,
    )
    .raw()
    .iterate(w.params) as Iterable<CsvValue[]>;
  return { header: ['episode_id', 'run_id', 'step', 'split', 'dataset', 'question_id', 'attempt', 'verdict', 'extracted', 'tokens', 'gold', 'response'], rows };
}

function* map<T, U>(it: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}
