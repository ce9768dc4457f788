// The Jobs API client against a local HTTP server standing in for Ray's dashboard (only the HTTP answers
// matter here; the real-cluster test covers the rest): a submission is retried while Ray answers "No available
// agent to submit job, please try again later" (its head's job agent not registered yet), and only then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RayJobsClient } from '../../../../backend/runs/ray/ray-jobs-client.js';

/** A dashboard that answers POST /api/jobs/ from `answers` in turn (the last one repeats). */
async function fakeDashboard(answers: Array<[number, string]>): Promise<{ url: string; posts: () => number; server: Server }> {
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [code, body] = answers[Math.min(posts, answers.length - 1)]!;
      posts++;
      res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts: () => posts, server };
}

const request = { entrypoint: 'true', submissionId: 'attempt-studio-run-1-abcd' };
const notReady: [number, string] = [500, 'No available agent to submit job, please try again later.'];

test('a submission is retried while the job agent is not ready, then goes through', async () => {
  const d = await fakeDashboard([notReady, notReady, [200, JSON.stringify({ submission_id: request.submissionId })]]);
  try {
    assert.equal(await new RayJobsClient(d.url, 5_000, 30_000).submit(request), request.submissionId);
    assert.equal(d.posts(), 3);
  } finally {
    d.server.close();
  }
});

test('a retry that finds its own submission id taken counts as submitted (the earlier try got through)', async () => {
  const d = await fakeDashboard([notReady, [400, `Job with submission_id ${request.submissionId} already exists. Please use a different submission_id.`]]);
  try {
    assert.equal(await new RayJobsClient(d.url, 5_000, 30_000).submit(request), request.submissionId);
    assert.equal(d.posts(), 2);
  } finally {
    d.server.close();
  }
});

test('other errors are not retried, and "try again later" stops at the deadline with Ray\'s answer', async () => {
  const bad = await fakeDashboard([[400, 'entrypoint_num_cpus must be >= 0']]);
  try {
    await assert.rejects(new RayJobsClient(bad.url, 5_000, 30_000).submit(request), /answered 400: entrypoint_num_cpus/);
    assert.equal(bad.posts(), 1);
  } finally {
    bad.server.close();
  }
  const taken = await fakeDashboard([[400, `Job with submission_id ${request.submissionId} already exists.`]]);
  try {
    await assert.rejects(new RayJobsClient(taken.url, 5_000, 30_000).submit(request), /already exists/, 'on the first try a taken id is a real clash');
  } finally {
    taken.server.close();
  }
  const never = await fakeDashboard([notReady]);
  try {
    await assert.rejects(new RayJobsClient(never.url, 5_000, 1_200).submit(request), /answered 500: No available agent/);
    assert.ok(never.posts() >= 2, `retried before giving up (${never.posts()} posts)`);
  } finally {
    never.server.close();
  }
});
