// chart.js with only the parts the charts use registered (tree-shaken bundle), and the studio's palette.
import { BarController, BarElement, CategoryScale, Chart, Decimation, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Decimation, Filler, Legend, Tooltip);
Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif";
Chart.defaults.font.size = 12;
Chart.defaults.color = '#5f6b7a';

export { Chart };
export type { ChartConfiguration } from 'chart.js';

/** Distinct line colours (Tableau 10), cycled by index. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const color = (i: number) => PALETTE[i % PALETTE.length]!;

/** One colour per run wherever it is drawn (Compare, groups, run pages): picked by its id, not its position. */
export const runColor = (runId: number) => PALETTE[(runId - 1 + PALETTE.length) % PALETTE.length]!;
