// bench:ui's page entry (not part of the app bundle): window[__REWARD_CHART_FN__](n) mounts the app's own LineChart
// with a reward series of n steps prepared as the Run detail page does (toPoints, EMA 0.6), and resolves with the
// time from mount to the next animation frame and the points chart.js drew after decimation; then unmounts.
import { flushSync, mount, unmount } from 'svelte';
import LineChart from '../components/LineChart.svelte';
import { toPoints, type MetricPoint } from '../lib/chart-data.js';
import { Chart, color } from '../lib/chartjs.js';

function rewardSeries(n: number): MetricPoint[] {
  const out: MetricPoint[] = new Array(n);
  let s = 12345;
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

/** The global name this build registers under (bench:ui builds the entry twice: as-is and with a patched chart). */
declare const __REWARD_CHART_FN__: string;
(window as unknown as Record<string, typeof renderRewardChart>)[__REWARD_CHART_FN__] = renderRewardChart;
