// The page-side script of bench:ui's comparison chart: window.renderPlainChart(n, decimate) builds a reward
// series of n steps and its EMA as pre-parsed {x, y} points, renders them with the settings a 100k-point
// chart needs (parsing: false, normalized, no animation, no points, LTTB decimation) and resolves with the time
// from `new Chart` to the next animation frame, then destroys the chart.
export const CHART_PAGE_SCRIPT = `
window.renderPlainChart = async (n, decimate) => {
  const raw = new Array(n), ema = new Array(n);
  let s = 0, e = -0.5;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const y = Math.tanh((i - n / 3) / (n / 5)) * 0.7 + ((s / 2147483648) - 0.5) * 0.6;
    e = 0.98 * e + 0.02 * y;
    raw[i] = { x: i + 1, y };
    ema[i] = { x: i + 1, y: e };
  }
  const canvas = document.getElementById('c');
  const t0 = performance.now();
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: [
      { label: 'reward', data: raw, borderColor: 'rgba(37, 99, 235, 0.3)', borderWidth: 1 },
      { label: 'reward (EMA 0.98)', data: ema, borderColor: 'rgb(37, 99, 235)', borderWidth: 2 },
    ] },
    options: {
      animation: false, parsing: false, normalized: true, spanGaps: true, maintainAspectRatio: false,
      elements: { point: { radius: 0 }, line: { tension: 0 } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { title: { display: true, text: 'reward' } } },
      plugins: { decimation: { enabled: decimate, algorithm: 'lttb', samples: 1000 }, legend: { display: true } },
    },
  });
  await new Promise((r) => requestAnimationFrame(() => r()));
  const ms = performance.now() - t0;
  const drawn = chart.getDatasetMeta(0).data.length;
  chart.destroy();
  return { ms, drawn };
};
`;
