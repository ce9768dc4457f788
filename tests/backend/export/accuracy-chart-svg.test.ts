// The demo's SVG chart: well-formed, one line and K markers per series, labels escaped, bad input named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyChartSvg } from '../../../backend/export/accuracy-chart-svg.js';

test('two policies over k = 1..5', () => {
  const svg = accuracyChartSvg(
    [
      { label: 'single-turn baseline', accuracy: [0.4, 0.42, 0.43, 0.43, 0.44] },
      { label: 'multi-attempt <RL>', accuracy: [0.41, 0.55, 0.6, 0.62, 0.63], sd: [0.01, 0.02, 0.02, 0.02, 0.02] },
    ],
    { title: 'Accuracy vs attempts' },
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle /g) ?? []).length, 10);
  assert.equal((svg.match(/<polygon /g) ?? []).length, 1, 'sd band for the series that has one');
  assert.match(svg, /multi-attempt &lt;RL&gt;/);
  assert.ok(!svg.includes('<RL>'));
  assert.match(svg, /k=2: 55\.0%/);
  // Markers keep their order on the x-axis.
  const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].slice(0, 5).map((m) => Number(m[1]));
  assert.deepEqual([...xs].sort((a, b) => a - b), xs);
});

test('bad series are rejected with the series named', () => {
  assert.throws(() => accuracyChartSvg([{ label: 'a', accuracy: [0.1, 0.2] }, { label: 'b', accuracy: [0.1] }]), /series 'b' has 1 points, expected 2/);
  assert.throws(() => accuracyChartSvg([{ label: 'a', accuracy: [1.5] }]), /series 'a' k=1 accuracy 1.5/);
  assert.throws(() => accuracyChartSvg([]), /no series/);
});
