// Picks the API transport for this page: the Electron preload bridge (window.attemptStudio) when present,
// else HTTP + server-sent events to the origin that served the page (its token travels as a cookie).
import type { Bridge } from '../../../electron/preload-bridge.js';
import { createApi, httpTransport, ipcTransport, type StudioApi } from './api-client.js';

export interface ConnectedApi {
  api: StudioApi;
  transport: 'ipc' | 'http';
  /** True in the desktop app (native dialogs exist). */
  desktop: boolean;
}

export function connectApi(win: Window & { attemptStudio?: Bridge }): ConnectedApi {
  const bridge = win.attemptStudio;
  if (bridge) return { api: createApi(ipcTransport(bridge)), transport: 'ipc', desktop: true };
  const baseUrl = `${win.location.origin}${win.location.pathname.replace(/[^/]*$/, '')}`;
  const api = createApi(
    httpTransport({
      baseUrl,
      fetch: (url, init) => win.fetch(url, init),
      EventSource: globalThis.EventSource,
    }),
  );
  return { api, transport: 'http', desktop: false };
}
