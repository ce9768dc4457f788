// Main-process IPC: one handler per contract method (validated with the contract's zod schemas, answered
// as IpcResult), messages from unknown senders ignored, and every API event forwarded to the window.
import { ApiError, METHOD_NAMES, parseInput, type ApiHandlers, type EventEnvelope } from '../backend/api/contract.js';
import type { EventBus } from '../backend/runs/event-bus.js';
import { EVENT_CHANNEL, type IpcResult } from './preload-bridge.js';

/** The part of ipcMain used here; `event` carries the sender's id and frame URL. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
export interface IpcEventLike {
  sender: { id: number };
  senderFrame?: { url: string } | null;
}

export function registerApiHandlers(
  ipcMain: IpcMainLike,
  handlers: ApiHandlers,
  isTrusted: (sender: { senderId: number; frameUrl: string | undefined }) => boolean,
): () => void {
  for (const name of METHOD_NAMES) {
    ipcMain.handle(name, async (event, raw): Promise<IpcResult<unknown> | undefined> => {
      if (!isTrusted({ senderId: event.sender.id, frameUrl: event.senderFrame?.url })) return undefined; // ignored
      try {
        const input = parseInput(name, raw);
        return { ok: true, result: await (handlers[name] as (i: unknown) => Promise<unknown>)(input) };
      } catch (err) {
        const e = err as Error;
        return { ok: false, error: { status: err instanceof ApiError ? err.status : 500, message: e.message, ...(err instanceof ApiError && err.field ? { field: err.field } : {}) } };
      }
    });
  }
  return () => METHOD_NAMES.forEach((n) => ipcMain.removeHandler(n));
}

/** Sends every event to the window (while it exists); returns the unsubscribe function. */
export function forwardEvents(events: EventBus, target: () => { send(channel: string, e: EventEnvelope): void } | undefined): () => void {
  return events.subscribe((e) => target()?.send(EVENT_CHANNEL, e));
}
