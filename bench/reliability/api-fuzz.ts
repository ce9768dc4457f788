// Fault scenario: N random invalid API requests against a real browser-mode server (temp database) → every
// one answered 4xx, none 5xx, no dropped connection, the server still healthy after. Seeded, reproducible.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBackend } from '../../backend/api/backend.js';
import { METHOD_NAMES } from '../../backend/api/contract.js';
import { startHttpServer } from '../../backend/api/http-server.js';
import { rng32 } from '../../backend/data/synthetic.js';

export interface ApiFuzzResult {
  requests: number;
  answered4xx: number;
  answered2xx: number;
  answered5xx: number;
  connectionErrors: number;
  /** Status → count. */
  byStatus: Record<string, number>;
  /** A few requests that did not get a 4xx, to reproduce. */
  offenders: Array<{ kind: string; path: string; status: number | string; body: string }>;
  healthyAfter: boolean;
  seconds: number;
}

/** The seeded PRNG of the synthetic task (mulberry32), so runs are the same every time. */
const rng = rng32;

// desktop-only methods answer 501 in browser mode by contract; they are left out of the invalid-payload mix.
const BROWSER_METHODS = METHOD_NAMES.filter((m) => !m.startsWith('dialog:'));
const WEIRD = ['', '\u0000', '💥'.repeat(50), '\ud800', '../../etc/passwd', 'a'.repeat(5000), '<script>', '%00', 'NaN', '-0', '1e309'];
const BAD_VALUES: unknown[] = [-1, 0, 1.5, Number.POSITIVE_INFINITY, 'x', '', true, [], [1, 2], {}, { $gt: 1 }, 'NaN', '0x10', -2147483649, 2 ** 53 + 2, '💥'];

/** encodeURIComponent that survives lone surrogates (sent as the raw, invalid UTF-8 bytes). */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** One request that is invalid by construction (so the right answer is always a 4xx). */
function makeRequest(r: () => number, token: string, limit: number): FuzzRequest {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const m = pick(BROWSER_METHODS);
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const json = (kind: string, body: unknown, name = m): FuzzRequest => ({ kind, method: 'POST', path: `/api/${encodeURIComponent(name)}`, headers: auth, body: JSON.stringify(body) });
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  switch (Math.floor(r() * 14)) {
    case 0: // not JSON
      return { kind: 'not-json', method: 'POST', path: `/api/${m}`, headers: auth, body: pick(['{', '{"a":', "{'a':1}", 'undefined', '\u0000\u0001', '[1,,2]', '{"runId":1}}', pick(WEIRD) || '{']) };
    case 1: // JSON that is not an object (null is 'no input', valid for optional inputs: left out)
      return json('non-object', pick([1, -1, 'str', true, false, [], [{}], 0.5, '💥']));
    case 2: // an unknown key next to whatever
      return json('unknown-key', { [pick(['__proto__x', 'extra', 'constructor', '💥', 'runid', ' runId'])]: pick(BAD_VALUES) });
    case 3: // a known id field with a wrong value
      return json('bad-id', { [pick(['runId', 'episodeId'])]: pick(BAD_VALUES.filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2 ** 53))) });
    case 4: // deeply nested JSON
      return { kind: 'deep-nesting', method: 'POST', path: `/api/${m}`, headers: auth, body: `{"config":${deep(1000 + Math.floor(r() * 7000))}}` };
    case 5: // wrong content type
      return { kind: 'content-type', method: 'POST', path: `/api/${m}`, headers: { Authorization: auth.Authorization, 'Content-Type': pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) }, body: '{"runId":1}' };
    case 6: // over the body limit
      return { kind: 'too-large', method: 'POST', path: `/api/${m}`, headers: auth, body: Buffer.alloc(limit + 1 + Math.floor(r() * limit), 0x20) };
    case 7: // wrong HTTP method
      return { kind: 'http-method', method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: `/api/${m}`, headers: auth, body: '' };
    case 8: // unknown API method / odd paths
      return { kind: 'unknown-method', method: 'POST', path: pick(['/api/runs:nuke', '/api/%E0%A4%A', '/api/' + enc(pick(WEIRD)), '/api/constructor', '/api/__proto__', '/api/toString', '/api/runs%3Alist%00']), headers: auth, body: '{}' };
    case 9: // missing or wrong token
      return { kind: 'token', method: 'POST', path: `/api/${m}`, headers: { 'Content-Type': 'application/json', ...(r() < 0.5 ? { Authorization: `Bearer ${token}x` } : {}) }, body: '{}' };
    case 10: // run config garbage
      return json('bad-config', { config: pick([{ steps: -5 }, { algorithm: { name: 'evil' } }, { model: { source: '/etc' }, steps: 'x' }, { preset: 'nope' }, { lr: Number.MAX_VALUE * 10 }, { steps: 1, unknownKey: 1 }, 'a string', 42]) }, 'runs:start');
    case 11: // eval of a path that is not a checkpoint
      return json('bad-eval', pick([{ checkpoint: '/definitely/not/here' }, { checkpoint: '../../../../etc', attempts: 0 }, { runId: 1, checkpoint: '/x' }, { runId: 999999 }, { checkpoint: '/tmp', datasets: ['nope'] }]), 'eval:start');
    case 12: // forged Host / Origin (DNS rebinding, cross-site pages)
      return { kind: 'host-origin', method: 'POST', path: `/api/${m}`, headers: { ...auth, ...(r() < 0.5 ? { Host: pick(['evil.example', 'evil.example:4310', '127.0.0.1.nip.io', 'localhost.evil.example', '0x7f.1']) } : { Origin: pick(['https://evil.example', 'null', 'http://127.0.0.1:1']) }) }, body: '{}' };
    default: // numbers out of range on list/paging fields
      return json('out-of-range', pick([{ runId: 1, limit: 0 }, { runId: 1, limit: 10_000 }, { runId: 1, cursor: -1 }, { runId: 1, stepMin: -3 }, { runId: 1, names: [''] }, { runId: 1, sinceStep: 'x' }]), pick(['episodes:list', 'metrics:get']));
  }
}

function send(port: number, agent: http.Agent, q: FuzzRequest): Promise<{ status: number | string; body: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: q.method, path: q.path, agent, headers: { Host: `127.0.0.1:${port}`, ...q.headers, 'Content-Length': Buffer.byteLength(q.body) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body.length < 400 ? (body += c) : undefined));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: `response error ${e.message}`, body }));
    });
    req.on('error', (e) => resolve({ status: `request error ${(e as NodeJS.ErrnoException).code ?? e.message}`, body: '' }));
    req.end(q.body);
  });
}

export async function runApiFuzz(o: { requests: number; seed?: number; concurrency?: number }): Promise<ApiFuzzResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-fuzz-'));
  const token = 'fuzz-token-0123456789';
  const limit = 16 * 1024;
  const backend = createBackend({ dbPath: path.join(dir, 'fuzz.db') });
  const server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token, port: 0, maxBodyBytes: limit });
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 });
  const r = rng(o.seed ?? 1);
  const out: ApiFuzzResult = { requests: 0, answered4xx: 0, answered2xx: 0, answered5xx: 0, connectionErrors: 0, byStatus: {}, offenders: [], healthyAfter: false, seconds: 0 };
  const t0 = performance.now();
  try {
    let next = 0;
    const lane = async () => {
      while (next < o.requests) {
        next++;
        const q = makeRequest(r, token, limit);
        const a = await send(server.port, agent, q);
        out.requests++;
        out.byStatus[String(a.status)] = (out.byStatus[String(a.status)] ?? 0) + 1;
        const s = typeof a.status === 'number' ? a.status : 0;
        // An over-limit body may be cut off by the server after its 413: the socket error is the refusal.
        // config:validate answers every input with 200 and {ok:false, problems} by contract: that is its refusal.
        const refusedByValidate = s === 200 && q.path.replace('%3A', ':') === '/api/config:validate' && a.body.startsWith('{"ok":false');
        if ((s >= 400 && s < 500) || refusedByValidate) out.answered4xx++;
        else if (s === 0 && q.kind === 'too-large') out.answered4xx++;
        else {
          if (s >= 500) out.answered5xx++;
          else if (s >= 200 && s < 300) out.answered2xx++;
          else out.connectionErrors++;
          if (out.offenders.length < 10) out.offenders.push({ kind: q.kind, path: q.path, status: a.status, body: a.body.slice(0, 200) });
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? 8 }, lane));
    const health = await send(server.port, agent, { kind: 'health', method: 'GET', path: '/api/health', headers: { Authorization: `Bearer ${token}` }, body: '' });
    out.healthyAfter = health.status === 200;
  } finally {
    out.seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
