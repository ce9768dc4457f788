// The preload, built as it ships (one sandbox-safe CommonJS bundle) and run against a fake `electron`: it
// exposes exactly the contract's methods plus onEvent, each on its own channel; and the main-process IPC
// handlers validate input, ignore unknown senders, and forward events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { buildPreload } from '../../scripts/build-electron.mjs';
import { METHOD_NAMES, type ApiHandlers } from '../../backend/api/contract.js';
import { EventBus } from '../../backend/runs/event-bus.js';
import { forwardEvents, registerApiHandlers, type IpcEventLike } from '../../electron/ipc-handlers.js';
import { EVENT_CHANNEL } from '../../electron/preload-bridge.js';

test('the bundled preload exposes exactly one function per contract method plus onEvent, and requires only electron', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-preload-'));
  try {
    const file = await buildPreload(path.join(dir, 'preload.cjs'));
    const code = readFileSync(file, 'utf8');
    const required: string[] = [];
    const exposed: Record<string, Record<string, unknown>> = {};
    const invoked: Array<[string, unknown]> = [];
    const listeners = new Map<string, (e: unknown, p: unknown) => void>();
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, api: Record<string, unknown>) => (exposed[k] = api) },
      ipcRenderer: {
        invoke: async (ch: string, input: unknown) => (invoked.push([ch, input]), { ok: true, result: ch }),
        on: (ch: string, l: (e: unknown, p: unknown) => void) => listeners.set(ch, l),
        removeListener: (ch: string) => listeners.delete(ch),
      },
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { module, exports: module.exports, require: (m: string) => (required.push(m), m === 'electron' ? electron : undefined) });
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.deepEqual(Object.keys(exposed), ['attemptStudio']);
    const api = exposed.attemptStudio!;
    assert.deepEqual(Object.keys(api).sort(), [...METHOD_NAMES, 'onEvent'].sort());
    for (const m of METHOD_NAMES) {
      assert.equal(typeof api[m], 'function', m);
      assert.deepEqual(await (api[m] as (i: unknown) => Promise<unknown>)({ probe: m }), { ok: true, result: m });
    }
    assert.deepEqual(invoked.map(([ch]) => ch), METHOD_NAMES, 'each method on its own channel');
    const got: unknown[] = [];
    const off = (api.onEvent as (l: (e: unknown) => void) => () => void)((e) => got.push(e));
    listeners.get(EVENT_CHANNEL)!({}, { seq: 1, name: 'runs:log', data: { runId: 1, level: 'info', line: 'x' } });
    assert.deepEqual(got, [{ seq: 1, name: 'runs:log', data: { runId: 1, level: 'info', line: 'x' } }]);
    off();
    assert.equal(listeners.has(EVENT_CHANNEL), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('main-process IPC: every method registered; unknown senders ignored; input validated with the field named', async () => {
  const registered = new Map<string, (e: IpcEventLike, ...a: unknown[]) => unknown>();
  const calls: string[] = [];
  const handlers = Object.fromEntries(METHOD_NAMES.map((m) => [m, async (i: unknown) => (calls.push(m), { echo: i })])) as unknown as ApiHandlers;
  const unregister = registerApiHandlers(
    { handle: (ch, l) => registered.set(ch, l), removeHandler: (ch) => registered.delete(ch) },
    handlers,
    (s) => s.senderId === 1 && s.frameUrl === 'file:///app/index.html',
  );
  assert.deepEqual([...registered.keys()].sort(), [...METHOD_NAMES].sort());
  const trusted = { sender: { id: 1 }, senderFrame: { url: 'file:///app/index.html' } };
  assert.deepEqual(await registered.get('runs:get')!(trusted, { runId: 3 }), { ok: true, result: { echo: { runId: 3 } } });
  assert.equal(await registered.get('runs:get')!({ sender: { id: 2 }, senderFrame: { url: 'file:///app/index.html' } }, { runId: 3 }), undefined);
  assert.equal(await registered.get('runs:get')!({ sender: { id: 1 }, senderFrame: { url: 'https://evil.example/' } }, { runId: 3 }), undefined);
  assert.deepEqual(calls, ['runs:get'], 'untrusted calls never reach the handlers');
  const bad = (await registered.get('runs:get')!(trusted, { runId: -1 })) as { ok: false; error: { status: number; field: string } };
  assert.equal(bad.ok, false);
  assert.equal(bad.error.status, 400);
  assert.equal(bad.error.field, 'runId');
  unregister();
  assert.equal(registered.size, 0);

  const bus = new EventBus();
  const sent: unknown[] = [];
  const off = forwardEvents(bus, () => ({ send: (ch, e) => sent.push([ch, e.name, e.seq]) }));
  bus.emit('runs:status', { runId: 1, status: 'running', error: null });
  bus.emit('runs:progress', { runId: 1, step: 1, totalSteps: 2, metrics: {} });
  off();
  bus.emit('runs:log', { runId: 1, level: 'info', line: 'after' });
  assert.deepEqual(sent, [[EVENT_CHANNEL, 'runs:status', 1], [EVENT_CHANNEL, 'runs:progress', 2]]);
});
