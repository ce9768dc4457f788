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
