// bench:ui's page entry (not part of the app bundle): window[__REWARD_CHART_FN__](n) mounts the app's own LineChart
// with a reward series of n steps prepared as the Run detail page does (toPoints, EMA 0.6), and resolves with the
// time from mount to the next animation frame and the points chart.js drew after decimation; then unmounts.
// window[__REWARD_CHART_FN__ + 'Grouped'](runs, n) does the same for a seed group as Compare draws it: `runs`
// series of n steps aggregated per step (mean, sd), the mean smoothed, a ± sd band (issue #19).
import { flushSync, mount, unmount } from 'svelte';
import LineChart from '../components/LineChart.svelte';
import { toPoints, type MetricPoint } from '../lib/chart-data.js';
import { aggregateByStep } from '../lib/groups.js';
import { ema } from '../lib/smoothing.js';
import { Chart, color } from '../lib/chartjs.js';

function rewardSeries(n: number, seed = 12345): MetricPoint[] {
  const out: MetricPoint[] = new Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = { step: i + 1, value: Math.tanh((i - n / 3) / (n / 5)) * 0.7 + (s / 2147483648 - 0.5) * 0.6, time: 1_700_000_000_000 + i * 1000 };
  }
  return out;
}

async function renderRewardChart(n: number): Promise<{ ms: number; drawn: number; prepareMs: number }> {
  const target = document.getElementById('app')!;
  const tp = performance.now();
  const series = [{ label: 'reward', points: toPoints(rewardSeries(n), 'step', 0.6), color: color(0) }];
  const prepareMs = performance.now() - tp;
  const t0 = performance.now();
  const component = mount(LineChart, { target, props: { series, yTitle: 'reward', testid: 'chart-reward' } });
  flushSync();
  await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  const ms = performance.now() - t0;
  const chart = Chart.getChart(target.querySelector('canvas')!);
  const drawn = chart?.getDatasetMeta(0).data.length ?? -1;
  await unmount(component);
  return { ms, drawn, prepareMs };
}

async function renderGroupedChart(runs: number, n: number): Promise<{ ms: number; drawn: number; prepareMs: number }> {
  const target = document.getElementById('app')!;
  const perRun = Array.from({ length: runs }, (_, i) => rewardSeries(n, 12345 + i * 7919));
  const tp = performance.now();
  const agg = aggregateByStep(perRun);
  const sm = ema(agg.map((a) => a.mean), 0.6);
  const series = [
    {
      label: `group (n = ${runs})`,
      color: color(0),
      points: agg.map((a, i) => ({ x: a.step, y: sm[i]! })),
      band: { lo: agg.map((a) => ({ x: a.step, y: a.mean - a.sd })), hi: agg.map((a) => ({ x: a.step, y: a.mean + a.sd })) },
    },
  ];
  const prepareMs = performance.now() - tp;
  const t0 = performance.now();
  const component = mount(LineChart, { target, props: { series, yTitle: 'reward', testid: 'chart-group' } });
  flushSync();
  await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  const ms = performance.now() - t0;
  const chart = Chart.getChart(target.querySelector('canvas')!);
  const drawn = chart ? chart.data.datasets.reduce((k, _d, i) => k + chart.getDatasetMeta(i).data.length, 0) : -1;
  await unmount(component);
  return { ms, drawn, prepareMs };
}

/** The global name this build registers under (bench:ui builds the entry twice: as-is and with a patched chart). */
declare const __REWARD_CHART_FN__: string;
(window as unknown as Record<string, typeof renderRewardChart>)[__REWARD_CHART_FN__] = renderRewardChart;
(window as unknown as Record<string, typeof renderGroupedChart>)[`${__REWARD_CHART_FN__}Grouped`] = renderGroupedChart;
