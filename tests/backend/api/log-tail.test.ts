// The per-run log tail: keeps runs:log lines and status changes per run, oldest first, bounded, forgettable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../backend/runs/event-bus.js';
import { LogTail } from '../../../backend/api/log-tail.js';

test('log tail: lines and status changes per run, bounded to the last N, limit, forget, close unsubscribes', () => {
  const bus = new EventBus();
  let t = 1000;
  const tail = new LogTail(bus, 3, () => t++);
  bus.emit('runs:status', { runId: 1, status: 'running', error: null, runtime: { name: 'cpu', device: 'CPU', reason: 'x' }, startStep: 4 });
  bus.emit('runs:log', { runId: 2, level: 'info', line: 'other run' });
  bus.emit('runs:log', { runId: 1, level: 'info', line: 'a' });
  bus.emit('runs:progress', { runId: 1, step: 5, totalSteps: 9, metrics: {} });
  bus.emit('runs:log', { runId: 1, level: 'error', line: 'b' });
  assert.deepEqual(tail.tail(1), [
    { time: 1000, level: 'info', line: 'status: running on cpu (CPU) from step 4' },
    { time: 1002, level: 'info', line: 'a' },
    { time: 1003, level: 'error', line: 'b' },
  ]);
  bus.emit('runs:status', { runId: 1, status: 'failed', error: 'boom', startStep: 0 });
  assert.deepEqual(tail.tail(1).map((l) => l.line), ['a', 'b', 'status: failed — boom'], 'only the last 3 are kept');
  assert.equal(tail.tail(1)[2]!.level, 'error');
  assert.deepEqual(tail.tail(1, 1).map((l) => l.line), ['status: failed — boom']);
  assert.deepEqual(tail.tail(2).map((l) => l.line), ['other run']);
  tail.forget(2);
  assert.deepEqual(tail.tail(2), []);
  assert.deepEqual(tail.tail(99), []);
  const listeners = bus.listenerCount;
  tail.close();
  assert.equal(bus.listenerCount, listeners - 1);
});
