// Hash routes: parsing (page, id, query) and building, round trip, unknown pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeHash } from '../../../renderer/src/lib/route.js';
import { parseTags } from '../../../renderer/src/lib/format.js';

test('routes parse and build', () => {
  assert.deepEqual(parseRoute('#/run/12'), { page: 'run', id: '12', params: {} });
  assert.deepEqual(parseRoute('#/compare?runs=1,2'), { page: 'compare', id: null, params: { runs: '1,2' } });
  assert.deepEqual(parseRoute(''), { page: 'runs', id: null, params: {} });
  assert.deepEqual(parseRoute('#/nope/3?x=1'), { page: 'runs', id: null, params: { x: '1' } });
  assert.equal(routeHash('compare', null, { runs: '1,2', skip: undefined }), '#/compare?runs=1%2C2');
  assert.equal(routeHash('run', 7), '#/run/7');
  assert.deepEqual(parseRoute(routeHash('attempts', null, { run: 3, verdict: 'wrong' })), { page: 'attempts', id: null, params: { run: '3', verdict: 'wrong' } });
});

test('tags typed with commas are trimmed and de-duplicated', () => {
  assert.deepEqual(parseTags(' a, b c ,, a '), ['a', 'b c']);
  assert.deepEqual(parseTags(''), []);
});

test('tick labels carry the decimals their spacing needs', async () => {
  const { tickLabel } = await import('../../../renderer/src/lib/format.js');
  assert.deepEqual([4.7323, 4.7324, 4.7325].map((v) => tickLabel(v, 0.0001)), ['4.7323', '4.7324', '4.7325']);
  assert.deepEqual([0, 0.25, 0.5].map((v) => tickLabel(v, 0.25)), ['0', '0.25', '0.50']);
  assert.deepEqual([100, 150].map((v) => tickLabel(v, 50)), ['100', '150']);
  assert.deepEqual([2e-8, 4e-8].map((v) => tickLabel(v, 2e-8)), ['2.0e-8', '4.0e-8']);
  assert.equal(tickLabel(-1.05, 0.05), '-1.05');
  assert.equal(tickLabel(2_000_000, 500_000), '2.0e+6');
});
