// Short version of the API fault scenario (the long one, 10,000 requests, is in `npm run reliability`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runApiFuzz } from '../../../bench/reliability/api-fuzz.js';

test('1,000 random invalid API requests: every one answered 4xx, none 5xx, no dropped connection, server healthy', async () => {
  const r = await runApiFuzz({ requests: 1000, seed: 7 });
  assert.equal(r.requests, 1000);
  assert.deepEqual(r.offenders, []);
  assert.equal(r.answered4xx, 1000);
  assert.equal(r.answered5xx, 0);
  assert.equal(r.connectionErrors, 0);
  assert.equal(r.healthyAfter, true);
  // The mix reaches every refusal path: bad input, token, host/origin, method, size, content type.
  for (const status of ['400', '401', '403', '404', '405', '413', '415', '421']) assert.ok((r.byStatus[status] ?? 0) > 0, `no ${status} in ${JSON.stringify(r.byStatus)}`);
});
