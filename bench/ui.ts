// `npm run bench:ui`: (a) time to render the reward chart with 100k points in headless Chromium: the app's own
// LineChart component (decimation, parsing: false, no animation), and for comparison chart.js alone with and
// without decimation; median of several renders, alternated. (b) the attempts explorer's page query
// (episodes:list's listEpisodes) on a database with 1M attempts: median / p95 over pages of every filter.
// Writes bench/results/ui.json. Options: --only chart|explorer, --attempts N, --renders N.
import { mkdirSync, mkdtempSync, rmSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openDb } from '../backend/db/open-db.js';
import { listEpisodes, type EpisodeFilter } from '../backend/db/episode-query.js';
import { SCHEMA_VERSION } from '../backend/db/migrations.js';
import { fillExplorerFixture } from './explorer-fixture.js';
import { CHART_PAGE_SCRIPT } from './ui-chart-page.js';

const { values: args } = parseArgs({
  options: { only: { type: 'string' }, attempts: { type: 'string', default: '1000000' }, renders: { type: 'string', default: '9' } },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * chart.js decimates only when the chart-level `parsing` option is false (its plugin checks chart.options.parsing,
 * not the datasets'). The "patched" build adds `parsing: false, normalized: true` to LineChart's options, to
 * measure the one-line fix; when LineChart already has it, the patch finds nothing to change and says so.
 */
const CHART_OPTIONS_ANCHOR = 'options: {\n        animation: false,';
function patchLineChart(): import('vite').Plugin {
  return {
    name: 'bench-patch-line-chart',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('components/LineChart.svelte')) return null;
      if (/options: \{[^}]*parsing: false/.test(code) || !code.includes(CHART_OPTIONS_ANCHOR)) {
        patchApplied = false;
        return null;
      }
      patchApplied = true;
      return code.replace(CHART_OPTIONS_ANCHOR, `${CHART_OPTIONS_ANCHOR} parsing: false, normalized: true,`);
    },
  };
}
let patchApplied = false;

/** Builds renderer/src/bench/reward-chart-bench.ts (the app's LineChart + chart.js + Svelte) into one IIFE file. */
async function buildChartBundle(outDir: string, fn: string, patch: boolean): Promise<string> {
  const { build } = await import('vite');
  const { svelte } = await import('@sveltejs/vite-plugin-svelte');
  const root = fileURLToPath(new URL('../renderer/', import.meta.url));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    plugins: [...(patch ? [patchLineChart()] : []), svelte()],
    define: { 'process.env.NODE_ENV': '"production"', __REWARD_CHART_FN__: JSON.stringify(fn) },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: path.join(root, 'src/bench/reward-chart-bench.ts'), formats: ['iife'], name: fn, fileName: () => `${fn}.js` },
    },
  });
  return path.join(outDir, `${fn}.js`);
}

async function chartBench(renders: number) {
  const { chromium } = await import('playwright-core');
  const work = mkdtempSync(path.join(os.tmpdir(), 'as-bench-ui-'));
  const bundle = await buildChartBundle(path.join(work, 'dist-app'), 'renderAppChart', false);
  const patched = await buildChartBundle(path.join(work, 'dist-patched'), 'renderPatchedChart', true);
  const ctx = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 900 },
  });
  try {
    const page = await ctx.newPage();
    // The Run detail page's chart box: a 240 px high panel in a ~1100 px wide column.
    await page.setContent('<!doctype html><html><body style="margin:0"><div style="width:1100px"><div id="app"></div></div><canvas id="c"></canvas></body></html>');
    await page.addStyleTag({ content: '.chart-box { position: relative; height: 240px; } .chart-box canvas { position: absolute; inset: 0; } #c { width: 1100px; height: 240px; }' });
    await page.addScriptTag({ path: bundle });
    await page.addScriptTag({ path: patched });
    await page.addScriptTag({ path: fileURLToPath(new URL('../node_modules/chart.js/dist/chart.umd.min.js', import.meta.url)) });
    await page.addScriptTag({ content: CHART_PAGE_SCRIPT });
    type Result = { ms: number; drawn: number };
    const app = (fn: string, n: number) => page.evaluate(([f, k]) => (globalThis as unknown as Record<string, (n: number) => Promise<Result>>)[f]!(k), [fn, n] as const);
    const plain = (n: number, d: boolean) => page.evaluate(([k, dec]) => (globalThis as unknown as { renderPlainChart(n: number, d: boolean): Promise<Result> }).renderPlainChart(k, dec), [n, d] as const);
    await app('renderAppChart', 1000); // warm-up: JIT and fonts
    await app('renderPatchedChart', 1000);
    await plain(1000, true);
    const out: Record<string, unknown> = {};
    // Alternate the app chart with the plain decimated chart so load changes hit both alike.
    const runs: Record<string, Result[]> = { app_line_chart: [], app_line_chart_parsing_false: [], plain_decimated: [], plain_not_decimated: [] };
    for (let i = 0; i < renders; i++) {
      runs.app_line_chart!.push(await app('renderAppChart', 100_000));
      runs.app_line_chart_parsing_false!.push(await app('renderPatchedChart', 100_000));
      runs.plain_decimated!.push(await plain(100_000, true));
      if (i % 3 === 0) runs.plain_not_decimated!.push(await plain(100_000, false));
    }
    // A seed group as Compare draws it: 5 runs × 10k steps aggregated (mean, sd), the mean smoothed, a ± sd band.
    type Timed = Result & { prepareMs: number };
    const grouped = (fn: string) => page.evaluate(([f]) => (globalThis as unknown as Record<string, (r: number, n: number) => Promise<Timed>>)[`${f}Grouped`]!(5, 10_000), [fn] as const);
    await grouped('renderAppChart');
    const groupRuns: Timed[] = [];
    for (let i = 0; i < renders; i++) groupRuns.push(await grouped('renderAppChart'));
    const totals = groupRuns.map((r) => r.ms + r.prepareMs);
    out.app_grouped_chart_5x10k = {
      medianMs: round(median(totals)),
      medianRenderMs: round(median(groupRuns.map((r) => r.ms))),
      medianPrepareMs: round(median(groupRuns.map((r) => r.prepareMs))),
      maxMs: round(Math.max(...totals)),
      renders: totals.length,
      pointsDrawn: groupRuns[0]!.drawn,
      allMs: totals.map(round),
    };
    console.log(`chart app_grouped_chart_5x10k: median ${round(median(totals))} ms (aggregate + render) over ${totals.length} renders`);
    for (const [label, rs] of Object.entries(runs)) {
      const ms = rs.map((r) => r.ms);
      out[label] = { medianMs: round(median(ms)), minMs: round(Math.min(...ms)), maxMs: round(Math.max(...ms)), renders: ms.length, pointsDrawn: rs[0]!.drawn, allMs: ms.map(round) };
      console.log(`chart ${label}: median ${round(median(ms))} ms over ${ms.length} renders (${rs[0]!.drawn} points drawn)`);
    }
    return {
      points: 100_000,
      lineChartPatchApplied: patchApplied,
      what: 'app_grouped_chart_5x10k: a seed group of 5 runs × 10k steps as Compare draws it (aggregate per step, EMA of the mean, ± sd band as a filled area), aggregation + mount → next frame. app_line_chart_parsing_false: the same with parsing: false in the chart-level options (the patch; see lineChartPatchApplied). app_line_chart: the app\'s LineChart component (renderer/src/components/LineChart.svelte) with the Run detail reward series (toPoints, EMA 0.6), mount → next frame. plain_*: chart.js alone with raw + EMA series (2 × 100k), parsing: false, decimation on/off.',
      ...out,
    };
  } finally {
    await ctx.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const FILTERS: Array<[string, Omit<EpisodeFilter, 'runId'>]> = [
  ['none', {}],
  ['verdict=wrong', { verdict: 'wrong' }],
  ['split=eval', { split: 'eval' }],
  ['dataset=aime24', { dataset: 'aime24' }],
  ['solved later', { solvedOnLaterAttempt: true }],
  ['repeated wrong answer', { repeatedWrongAnswer: true }],
  ['steps 2000-2400', { stepMin: 2000, stepMax: 2400 }],
  ['dataset+verdict+split', { dataset: 'math_train', verdict: 'wrong', split: 'train' }],
  ['repeated+unsolved later+dataset', { repeatedWrongAnswer: true, solvedOnLaterAttempt: false, dataset: 'aime24' }],
  ['verdict=over_budget (none)', { verdict: 'over_budget' }],
];

/** The fixture database, built once per size and schema version and kept in the temp folder. */
function fixtureDb(attempts: number): string {
  const file = path.join(os.tmpdir(), `attempt-studio-bench-explorer-s${SCHEMA_VERSION}-f1-${attempts}.db`);
  if (existsSync(file)) return file;
  console.log(`building the fixture: ${attempts} attempts into ${file} (once; minutes on a busy machine)…`);
  const tmp = `${file}.building-${process.pid}`;
  const db = openDb(tmp);
  db.pragma('synchronous = OFF');
  const t = performance.now();
  const r = fillExplorerFixture(db, { attempts, runs: 2 });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
  renameSync(tmp, file);
  console.log(`built in ${((performance.now() - t) / 1000).toFixed(0)} s: ${r.episodes} episodes`);
  return file;
}

function explorerBench(attempts: number) {
  const file = fixtureDb(attempts);
  const db = openDb(file, { readonly: true });
  try {
    const counts = db.prepare('SELECT (SELECT COUNT(*) FROM attempts) AS attempts, (SELECT COUNT(*) FROM episodes) AS episodes').get() as { attempts: number; episodes: number };
    const runs = (db.prepare('SELECT id FROM runs ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
    const all: number[] = [];
    const perFilter: Record<string, { medianMs: number; p95Ms: number; maxMs: number; pages: number; partialPages: number; rows: number }> = {};
    const PAGES = 20;
    for (const [label, f] of FILTERS) {
      const ms: number[] = [];
      let partial = 0;
      let rows = 0;
      for (const runId of runs) {
        // From the start, and from the middle of the run (a cursor half-way through its steps).
        const mid = db.prepare('SELECT step, id FROM episodes WHERE run_id = ? ORDER BY step, id LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM episodes WHERE run_id = ?)').get(runId, runId) as { step: number; id: number };
        for (const start of [undefined, `${mid.step}:${mid.id}`]) {
          let cursor: string | undefined = start;
          for (let i = 0; i < PAGES / 2; i++) {
            const t = performance.now();
            const p = listEpisodes(db, { runId, ...f }, { cursor, limit: 50 });
            ms.push(performance.now() - t);
            rows += p.items.length;
            if (p.partial) partial++;
            if (!p.nextCursor) break;
            cursor = p.nextCursor;
          }
        }
      }
      all.push(...ms);
      perFilter[label] = { medianMs: round(median(ms)), p95Ms: round(pct(ms, 95)), maxMs: round(Math.max(...ms)), pages: ms.length, partialPages: partial, rows };
      console.log(`explorer ${label}: median ${round(median(ms))} ms, p95 ${round(pct(ms, 95))} ms over ${ms.length} pages (${partial} partial)`);
    }
    return { ...counts, runs: runs.length, pageSize: 50, medianMs: round(median(all)), p95Ms: round(pct(all, 95)), maxMs: round(Math.max(...all)), pages: all.length, perFilter };
  } finally {
    db.close();
  }
}

const out: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  loadAvg1m: round(os.loadavg()[0]!),
  note: 'Shared 2-core machine (other engineers were running work): timings are noisy. Chart: chart.js UMD in headless Debian Chromium (software rendering), time from new Chart() to the next animation frame. Explorer: listEpisodes on a warm read-only connection, page size 50.',
  targets: { chartMs: 200, explorerPageMs: 50 },
};
if (args.only !== 'explorer') out.chart = await chartBench(Number(args.renders));
if (args.only !== 'chart') out.explorer = explorerBench(Number(args.attempts));
out.loadAvg1mAfter = round(os.loadavg()[0]!);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const resultFile = new URL('./results/ui.json', import.meta.url);
// --only keeps the other section of the previous results (with its own date), instead of dropping it.
if (args.only && existsSync(resultFile)) {
  const prev = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
  const keep = args.only === 'chart' ? 'explorer' : 'chart';
  if (prev[keep] !== undefined) out[keep] = { ...(prev[keep] as object), measuredAt: prev.date, loadAvg1m: prev.loadAvg1m };
}
writeFileSync(resultFile, JSON.stringify(out, null, 2) + '\n');
console.log('wrote bench/results/ui.json');
