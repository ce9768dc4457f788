// The renderer's API client against the real HTTP server (with a minimal EventSource) and a fake IPC bridge:
// typed calls, errors carrying status and field, events by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiCallError, createApi, httpTransport, ipcTransport } from '../../../renderer/src/lib/api-client.js';
import { createBackend } from '../../../backend/api/backend.js';
import { startHttpServer } from '../../../backend/api/http-server.js';
import { makeBridge } from '../../../electron/preload-bridge.js';

/** Just enough of the browser's EventSource (named events, lastEventId) over node:http. */
class NodeEventSource {
  private listeners = new Map<string, Set<(e: { data: string; lastEventId: string }) => void>>();
  private req: http.ClientRequest;
  constructor(url: string) {
    this.req = http.get(url, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const f = Object.fromEntries(buf.slice(0, i).split('\n').filter((l) => l.includes(': ') && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          buf = buf.slice(i + 2);
          if (f.event) for (const l of this.listeners.get(f.event) ?? []) l({ data: f.data!, lastEventId: f.id! });
        }
      });
      res.on('error', () => {});
    });
    this.req.on('error', () => {});
  }
  addEventListener(name: string, l: (e: { data: string; lastEventId: string }) => void) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name)!.add(l);
  }
  removeEventListener(name: string, l: (e: { data: string; lastEventId: string }) => void) {
    this.listeners.get(name)?.delete(l);
  }
  close() {
    this.req.destroy();
  }
}

test('HTTP client: typed calls, ApiCallError with the field, events by name', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-client-'));
  const backend = createBackend({ dbPath: path.join(dir, 'c.db') });
  const server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token: 'client-token-123', port: 0 });
  const api = createApi(httpTransport({ baseUrl: server.url, token: 'client-token-123', fetch: fetch as never, EventSource: NodeEventSource }));
  try {
    assert.deepEqual(await api.call('runs:list'), []);
    const v = await api.call('config:validate', { config: { preset: 'builtin-baseline' } });
    assert.equal(v.ok, true);
    await assert.rejects(api.call('runs:get', { runId: 0 }), (e: unknown) => e instanceof ApiCallError && e.status === 400 && e.field === 'runId');
    const got: Array<[string, number]> = [];
    const off = api.on('runs:log', (d, seq) => got.push([d.line, seq]));
    for (let i = 0; i < 50 && server.sseClients === 0; i++) await new Promise((r) => setTimeout(r, 20));
    backend.events.emit('runs:log', { runId: 1, level: 'info', line: 'a' });
    backend.events.emit('runs:status', { runId: 1, status: 'running', error: null });
    backend.events.emit('runs:log', { runId: 1, level: 'info', line: 'b' });
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.map((g) => g[0]), ['a', 'b']);
    assert.ok(got[1]![1] > got[0]![1]);
    off();
  } finally {
    api.close();
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('IPC client: unwraps results, turns errors and ignored calls into ApiCallError, filters events', async () => {
  let emit: (e: unknown, p: unknown) => void = () => {};
  const bridge = makeBridge({
    invoke: async (ch, input) =>
      ch === 'runs:get' ? { ok: false, error: { status: 404, message: 'no run', field: 'runId' } } : ch === 'runs:stop' ? undefined : { ok: true, result: [{ ch, input }] },
    on: (_ch, l) => (emit = l),
    removeListener: () => {},
  });
  const api = createApi(ipcTransport(bridge));
  assert.deepEqual(await api.call('runs:list', {}), [{ ch: 'runs:list', input: {} }]);
  await assert.rejects(api.call('runs:get', { runId: 5 }), (e: unknown) => e instanceof ApiCallError && e.status === 404 && e.field === 'runId');
  await assert.rejects(api.call('runs:stop', { runId: 5 }), (e: unknown) => e instanceof ApiCallError && e.status === 403);
  const seen: number[] = [];
  api.on('runs:progress', (d) => seen.push(d.step));
  emit({}, { seq: 1, name: 'runs:log', data: { runId: 1, level: 'info', line: 'x' } });
  emit({}, { seq: 2, name: 'runs:progress', data: { runId: 1, step: 4, totalSteps: 9, metrics: {} } });
  assert.deepEqual(seen, [4]);
});
