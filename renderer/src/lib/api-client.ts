// The renderer's one door to the backend, typed from backend/api/contract.ts (type-only imports: nothing of
// the backend is bundled). Two transports: the Electron preload bridge (IPC) and HTTP + server-sent events.
import type { ApiEvents, EventName, MethodInput, MethodName, MethodOutput } from '../../../backend/api/contract.js';
import type { Bridge, IpcResult } from '../../../electron/preload-bridge.js';

/** An API call that failed: HTTP-like status, message, and the input field it blames (if any). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export interface Transport {
  call(method: MethodName, input: unknown): Promise<unknown>;
  /** Subscribes to one event name; returns the unsubscribe function. */
  on(name: EventName, listener: (data: unknown, seq: number) => void): () => void;
  close(): void;
}

/** The typed API the stores (runs, metrics, attempts) receive through their constructors. */
export interface StudioApi {
  call<M extends MethodName>(method: M, ...input: undefined extends MethodInput<M> ? [MethodInput<M>?] : [MethodInput<M>]): Promise<MethodOutput<M>>;
  on<E extends EventName>(name: E, listener: (data: ApiEvents[E], seq: number) => void): () => void;
  close(): void;
}

export function createApi(transport: Transport): StudioApi {
  return {
    call: (method, ...input) => transport.call(method, input[0]) as Promise<never>,
    on: (name, listener) => transport.on(name, listener as (d: unknown, seq: number) => void),
    close: () => transport.close(),
  };
}

/** Structural types of fetch / EventSource, so the client runs (and is tested) outside a browser too. */
type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; credentials?: 'same-origin' }) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;
interface EventSourceLike {
  addEventListener(name: string, listener: (e: { data: string; lastEventId: string }) => void): void;
  removeEventListener(name: string, listener: (e: { data: string; lastEventId: string }) => void): void;
  close(): void;
}
type EventSourceCtor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

export interface HttpTransportOptions {
  /** The server's origin with a trailing slash, e.g. http://127.0.0.1:4310/ (in the page: location.origin + '/'). */
  baseUrl: string;
  /** The access token; omit in the served page, whose requests carry the token cookie. */
  token?: string;
  fetch: FetchLike;
  EventSource: EventSourceCtor;
}

export function httpTransport(o: HttpTransportOptions): Transport {
  let source: EventSourceLike | undefined;
  const open = () => (source ??= new o.EventSource(`${o.baseUrl}api/events${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`, { withCredentials: true }));
  return {
    async call(method, input) {
      const res = await o.fetch(`${o.baseUrl}api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}) },
        body: input === undefined ? '' : JSON.stringify(input),
        credentials: 'same-origin',
      });
      const body = (await res.json()) as { error?: string; field?: string };
      if (!res.ok) throw new ApiCallError(res.status, body?.error ?? `HTTP ${res.status}`, body?.field);
      return body;
    },
    on(name, listener) {
      const wrapped = (e: { data: string; lastEventId: string }) => listener(JSON.parse(e.data), Number(e.lastEventId));
      open().addEventListener(name, wrapped);
      return () => source?.removeEventListener(name, wrapped);
    },
    close() {
      source?.close();
      source = undefined;
    },
  };
}

/** Inside Electron: the preload's bridge (window.attemptStudio). */
export function ipcTransport(bridge: Bridge): Transport {
  return {
    async call(method, input) {
      const r = (await (bridge[method] as (i: unknown) => Promise<IpcResult<unknown> | undefined>)(input)) ?? {
        ok: false as const,
        error: { status: 403, message: 'the main process ignored this call' },
      };
      if (!r.ok) throw new ApiCallError(r.error.status, r.error.message, r.error.field);
      return r.result;
    },
    on(name, listener) {
      return bridge.onEvent((e) => {
        if (e.name === name) listener(e.data, e.seq);
      });
    },
    close() {},
  };
}
