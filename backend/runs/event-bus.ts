// The in-process event bus of the run manager and the API: typed emit/subscribe over the run events, each numbered in
// emission order so every transport (SSE, IPC) delivers them in that order.
import type { RunEvents as ApiEvents, EventEnvelope, EventName } from '../domain/run-events.js';

export type EventListener = (event: EventEnvelope) => void;

export class EventBus {
  private seq = 0;
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, data: ApiEvents[E]): void {
    const event = { seq: ++this.seq, name, data } as EventEnvelope;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        /* one bad listener must not starve the others */
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
