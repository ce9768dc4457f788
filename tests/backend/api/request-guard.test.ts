// Browser mode against DNS rebinding and cross-site pages: Host must be the loopback server itself, Origin
// must be its own, preflights fail, no CORS header is ever sent; a malformed URL is a 400, not a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { guardRequest, isAllowedHost, isAllowedOrigin } from '../../../backend/api/request-guard.js';
import { createBackend } from '../../../backend/api/backend.js';
import { startHttpServer } from '../../../backend/api/http-server.js';

test('host and origin rules', () => {
  assert.equal(isAllowedHost('127.0.0.1:4310', 4310), true);
  assert.equal(isAllowedHost('localhost:4310', 4310), true);
  assert.equal(isAllowedHost('LOCALHOST:4310', 4310), true);
  assert.equal(isAllowedHost('127.0.0.1:4311', 4310), false);
  assert.equal(isAllowedHost('evil.example:4310', 4310), false);
  assert.equal(isAllowedHost('127.0.0.1.nip.io:4310', 4310), false);
  assert.equal(isAllowedHost(undefined, 4310), false);
  assert.equal(isAllowedOrigin(undefined, 4310), true, 'no Origin: not a cross-origin browser call');
  assert.equal(isAllowedOrigin('http://127.0.0.1:4310', 4310), true);
  assert.equal(isAllowedOrigin('http://localhost:4310', 4310), true);
  assert.equal(isAllowedOrigin('https://127.0.0.1:4310', 4310), false);
  assert.equal(isAllowedOrigin('http://evil.example', 4310), false);
  assert.equal(isAllowedOrigin('null', 4310), false);
  assert.equal(isAllowedOrigin('http://127.0.0.1:4310/path', 4310), false);
  assert.deepEqual(guardRequest({ host: '127.0.0.1:9' }, 'GET', 9), { ok: true });
  assert.equal(guardRequest({ host: '127.0.0.1:9' }, 'OPTIONS', 9).status, 403);
  assert.equal(guardRequest({ host: '127.0.0.1:9', 'sec-fetch-site': 'cross-site' }, 'POST', 9).status, 403);
  assert.equal(guardRequest({ host: 'evil:9' }, 'GET', 9).status, 421);
});

function raw(port: number, o: { method?: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers: o.headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body ?? '');
  });
}

test('a real server refuses rebinding hosts, foreign origins and preflights, and never sends CORS headers', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-guard-'));
  const token = 'guard-token-0123456789';
  const backend = createBackend({ dbPath: path.join(dir, 'g.db') });
  const server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token, port: 0 });
  const host = `127.0.0.1:${server.port}`;
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  try {
    const ok = await raw(server.port, { method: 'POST', path: '/api/runs:list', headers: { Host: host, ...auth }, body: '{}' });
    assert.equal(ok.status, 200);
    const same = await raw(server.port, { method: 'POST', path: '/api/runs:list', headers: { Host: host, Origin: `http://${host}`, ...auth }, body: '{}' });
    assert.equal(same.status, 200);
    // DNS rebinding: evil.example now resolves to 127.0.0.1; even with the token (e.g. guessed) it is refused.
    const rebind = await raw(server.port, { method: 'POST', path: '/api/runs:list', headers: { Host: `evil.example:${server.port}`, ...auth }, body: '{}' });
    assert.equal(rebind.status, 421);
    const noHost = await raw(server.port, { method: 'POST', path: '/api/runs:list', headers: auth, body: '{}' });
    assert.ok([400, 421].includes(noHost.status), `no Host header: ${noHost.status}`); // Node itself requires Host on HTTP/1.1
    const foreign = await raw(server.port, { method: 'POST', path: '/api/runs:list', headers: { Host: host, Origin: 'https://evil.example', ...auth }, body: '{}' });
    assert.equal(foreign.status, 403);
    const crossSite = await raw(server.port, { path: `/api/health?token=${token}`, headers: { Host: host, 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    const preflight = await raw(server.port, { method: 'OPTIONS', path: '/api/runs:list', headers: { Host: host, Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 403);
    for (const r of [ok, same, rebind, foreign, preflight]) {
      assert.equal(Object.keys(r.headers).filter((h) => h.startsWith('access-control-')).length, 0, 'no CORS header');
    }
    const malformed = await raw(server.port, { method: 'POST', path: '/api/%E0%A4%A', headers: { Host: host, ...auth }, body: '{}' });
    assert.equal(malformed.status, 400);
    const badCookie = await raw(server.port, { path: '/api/health', headers: { Host: host, Cookie: `as_token_${server.port}=%E0%A4%A` } });
    assert.equal(badCookie.status, 401);
    assert.equal(server.host, '127.0.0.1');
  } finally {
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
