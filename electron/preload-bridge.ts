// The preload's bridge object: exactly one named function per contract method (each invoking its own IPC
// channel) plus one typed event subscription. No generic invoke. Type-only imports: the sandboxed preload
// bundle must not pull in the backend.
import type { EventEnvelope, MethodInput, MethodName, MethodOutput } from '../backend/api/contract.js';

/** What main answers on every channel: the result, or the API error (status, message, field). */
export type IpcResult<T> = { ok: true; result: T } | { ok: false; error: { status: number; message: string; field?: string } };

export const EVENT_CHANNEL = 'api:event';

/** The part of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export type BridgeMethods = { [M in MethodName]: (input?: MethodInput<M>) => Promise<IpcResult<MethodOutput<M>>> };
export type Bridge = BridgeMethods & { onEvent(listener: (event: EventEnvelope) => void): () => void };

/** The name under which the preload exposes the bridge (window.attemptStudio). */
export const BRIDGE_NAME = 'attemptStudio';

export function makeBridge(ipc: IpcRendererLike): Bridge {
  const call = <M extends MethodName>(m: M) => (input?: MethodInput<M>) => ipc.invoke(m, input) as Promise<IpcResult<MethodOutput<M>>>;
  const methods: BridgeMethods = {
    'runs:list': call('runs:list'),
    'runs:get': call('runs:get'),
    'runs:start': call('runs:start'),
    'sweeps:start': call('sweeps:start'),
    'runs:stop': call('runs:stop'),
    'runs:resume': call('runs:resume'),
    'runs:update': call('runs:update'),
    'runs:logs': call('runs:logs'),
    'runs:delete': call('runs:delete'),
    'metrics:get': call('metrics:get'),
    'episodes:list': call('episodes:list'),
    'episodes:facets': call('episodes:facets'),
    'episodes:get': call('episodes:get'),
    'eval:results': call('eval:results'),
    'eval:comparisons': call('eval:comparisons'),
    'eval:defaults': call('eval:defaults'),
    'eval:start': call('eval:start'),
    'export:csv': call('export:csv'),
    'export:checkpoint': call('export:checkpoint'),
    'config:presets': call('config:presets'),
    'config:schema': call('config:schema'),
    'config:validate': call('config:validate'),
    'config:estimate': call('config:estimate'),
    'datasets:list': call('datasets:list'),
    'paths:check': call('paths:check'),
    'models:base': call('models:base'),
    'cluster:get': call('cluster:get'),
    'cluster:save': call('cluster:save'),
    'cluster:test': call('cluster:test'),
    'system:runtime': call('system:runtime'),
    'dialog:openFile': call('dialog:openFile'),
    'dialog:openFolder': call('dialog:openFolder'),
    'dialog:saveFile': call('dialog:saveFile'),
  };
  return {
    ...methods,
    onEvent(listener) {
      const wrapped = (_event: unknown, envelope: unknown) => listener(envelope as EventEnvelope);
      ipc.on(EVENT_CHANNEL, wrapped);
      return () => void ipc.removeListener(EVENT_CHANNEL, wrapped);
    },
  };
}
