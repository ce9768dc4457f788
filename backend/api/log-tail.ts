// The recent log lines of each run, for the run detail page's log tail: worker status lines (runs:log) and
// status changes, kept in memory per run (the last `perRun`) from this process's event bus. Not persisted:
// after a restart a run's tail starts empty (its error stays on the run row).
import type { EventBus } from '../runs/event-bus.js';

export interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  level: 'info' | 'error';
  line: string;
}

export class LogTail {
  private readonly lines = new Map<number, LogLine[]>();
  private readonly unsubscribe: () => void;

  constructor(
    events: EventBus,
    private readonly perRun = 500,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = events.subscribe((e) => {
      if (e.name === 'runs:log') this.push(e.data.runId, e.data.level, e.data.line);
      else if (e.name === 'runs:status') {
        const rt = e.data.runtime ? ` on ${e.data.runtime.name} (${e.data.runtime.device})` : '';
        const from = e.data.startStep ? ` from step ${e.data.startStep}` : '';
        this.push(e.data.runId, e.data.error ? 'error' : 'info', `status: ${e.data.status}${rt}${from}${e.data.error ? ` — ${e.data.error}` : ''}`);
      }
    });
  }

  private push(runId: number, level: 'info' | 'error', line: string): void {
    let list = this.lines.get(runId);
    if (!list) this.lines.set(runId, (list = []));
    list.push({ time: this.now(), level, line });
    if (list.length > this.perRun) list.splice(0, list.length - this.perRun);
  }

  /** The last `limit` lines of a run, oldest first. */
  tail(runId: number, limit = this.perRun): LogLine[] {
    return (this.lines.get(runId) ?? []).slice(-limit);
  }

  forget(runId: number): void {
    this.lines.delete(runId);
  }

  close(): void {
    this.unsubscribe();
  }
}
