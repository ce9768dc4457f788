// Progress line for long CLI work (train, eval, demo): step/total, a bar, ETA and named values.
// On a terminal it redraws one line; otherwise it prints a line at most every `intervalMs`.
import { formatDuration } from '../domain/durations.js';

/** Pure: one progress line. `elapsedS` is the time spent on `done` units so far. */
export function formatProgress(opts: {
  label: string;
  done: number;
  total: number;
  elapsedS: number;
  values?: Record<string, string | number>;
  width?: number;
}): string {
  const { label, done, total, elapsedS } = opts;
  const width = opts.width ?? 20;
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const eta = done > 0 ? (elapsedS / done) * (total - done) : NaN;
  const vals = Object.entries(opts.values ?? {})
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join('  ');
  return `${label} ${bar} ${done}/${total}  elapsed ${formatDuration(elapsedS)}  ETA ${formatDuration(eta)}${vals ? '  ' + vals : ''}`;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export class ProgressLine {
  private lastPrint = 0;
  private readonly tty: boolean;
  /** The line last drawn (redrawn under a log line on a terminal). */
  private drawn = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 5000,
    /** When the work began: a line re-created after a log line keeps the phase's elapsed time and ETA. */
    private readonly start = Date.now(),
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, values?: Record<string, string | number>): void {
    const now = Date.now();
    const final = done >= this.total;
    if (!this.tty && !final && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    const line = formatProgress({ label: this.label, done, total: this.total, elapsedS: (now - this.start) / 1000, values });
    this.stream.write(this.tty ? `\r\x1b[2K${line}${final ? '\n' : ''}` : `${line}\n`);
    this.drawn = final ? '' : line;
  }

  /**
   * Prints a log line without breaking the progress line: on a terminal the progress line is cleared, the log
   * line printed above it and the progress line drawn again; elsewhere the log line is simply printed.
   */
  log(line: string): void {
    if (this.tty && this.drawn) this.stream.write(`\r\x1b[2K${line}\n${this.drawn}`);
    else this.stream.write(`${line}\n`);
  }

  /** Ends the line on a terminal (after an interruption, say). */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = '';
  }
}
