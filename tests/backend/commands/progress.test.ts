// Progress line formatting: bar, ETA from the pace so far, named values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, ProgressLine } from '../../../backend/commands/progress.js';
import { formatDuration } from '../../../backend/domain/durations.js';

test('durations', () => {
  assert.equal(formatDuration(0), '00:00');
  assert.equal(formatDuration(61.4), '01:01');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
});

test('bar, ETA and values', () => {
  const line = formatProgress({ label: 'train', done: 5, total: 20, elapsedS: 10, width: 10, values: { reward: 0.1234, acc: 0.5, step: 5 } });
  // 10 s for 5 steps → 30 s for the remaining 15.
  assert.equal(line, 'train ███░░░░░░░ 5/20  elapsed 00:10  ETA 00:30  reward 0.123  acc 0.500  step 5');
  assert.match(formatProgress({ label: 'x', done: 0, total: 3, elapsedS: 1 }), /ETA --:--/);
  assert.match(formatProgress({ label: 'x', done: 3, total: 3, elapsedS: 9, width: 4 }), /████ 3\/3 .*ETA 00:00/);
});

/** A stream that records what is written, as a terminal or not. */
function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

test('a log line on a terminal clears the progress line, prints above it and redraws it', () => {
  const { writes, stream } = recorder(true);
  const p = new ProgressLine('rl', 10, stream, 0, Date.now());
  p.update(3);
  p.log('[demo baseline] step 3: held-out accuracy@1 40.0%');
  const drawn = writes[0]!.replace('\r\x1b[2K', '');
  assert.match(drawn, /^rl .* 3\/10 /);
  assert.equal(writes[1], `\r\x1b[2K[demo baseline] step 3: held-out accuracy@1 40.0%\n${drawn}`);
  p.finish();
  assert.equal(writes[2], '\n');
  // After finish (or before anything was drawn) a log line is a plain line.
  p.log('done');
  assert.equal(writes[3], 'done\n');
  assert.equal(writes.length, 4);
});

test('off a terminal a log line is a plain line and finish writes nothing', () => {
  const { writes, stream } = recorder(false);
  const p = new ProgressLine('rl', 10, stream, 0, Date.now());
  p.update(3);
  p.log('a log line');
  p.finish();
  assert.equal(writes.length, 2);
  assert.match(writes[0]!, /^rl .* 3\/10 .*\n$/);
  assert.equal(writes[1], 'a log line\n');
});
