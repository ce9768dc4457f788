// Browser mode's transport: the API over HTTP on 127.0.0.1 only. `POST /api/<method>` (JSON in, JSON out),
// server-sent events on `GET /api/events`, the built renderer (or a minimal page) on `/`; every request
// needs the per-launch token (Bearer header, `?token=`, or the cookie the page gets), compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError, isMethodName, methods, parseInput, type ApiHandlers, type MethodName } from './contract.js';
import type { EventBus } from '../runs/event-bus.js';
import { fallbackPage } from './fallback-page.js';
import { EXPORT_FILE_NAME, EXPORTS_URL_PREFIX } from './export-service.js';
import { guardRequest } from './request-guard.js';
import { APP_CSP, pageHeaders } from './page-security.js';

export interface HttpServerOptions {
  handlers: ApiHandlers;
  events: EventBus;
  token: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (renderer/dist); served when it holds an index.html. */
  staticDir?: string;
  /** The export folder: `GET /exports/<name>.csv` downloads the CSVs export:csv wrote there. */
  exportDir?: string;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface HttpServerHandle {
  url: string;
  /** The URL with the token, the one line `serve` prints. */
  urlWithToken: string;
  port: number;
  host: string;
  /** Connected server-sent-event clients. */
  readonly sseClients: number;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';

/** A random token for one launch (URL-safe). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The media type of a Content-Type header, without parameters, lower case (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/**
 * The request body as text, at most `limit` bytes. Over the limit (declared or, for a chunked body, counted) it
 * answers 413: the rest of the body is read and dropped rather than the socket reset, so the client gets the
 * answer (the connection is closed after it).
 */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      res.setHeader('Connection', 'close');
      req.removeAllListeners('data');
      req.resume(); // drain and drop
      reject(new ApiError(413, `request body over ${limit} bytes`));
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startHttpServer(o: HttpServerOptions): Promise<HttpServerHandle> {
  const expected = digest(o.token);
  const limit = o.maxBodyBytes ?? 1024 * 1024;
  const staticDir = o.staticDir && existsSync(path.join(o.staticDir, 'index.html')) ? path.resolve(o.staticDir) : undefined;
  const clients = new Set<ServerResponse>();
  let cookieName = 'as_token';

  const tokenOf = (req: IncomingMessage, url: URL): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
    const q = url.searchParams.get('token');
    if (q) return q;
    const cookie = req.headers.cookie?.split(';').map((c) => c.trim().split('=')).find(([k]) => k === cookieName);
    try {
      return cookie?.[1] ? decodeURIComponent(cookie[1]) : undefined;
    } catch {
      return undefined;
    }
  };
  const authorized = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected);

  const serveEvents = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    clients.add(res);
    const unsubscribe = o.events.subscribe((e) => {
      res.write(`id: ${e.seq}\nevent: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const cleanup = () => {
      clearInterval(ping);
      unsubscribe();
      clients.delete(res);
    };
    req.on('close', cleanup);
    res.on('error', cleanup);
  };

  const serveStatic = (url: URL, res: ServerResponse): boolean => {
    if (!staticDir) return false;
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    let file = path.resolve(staticDir, rel || 'index.html');
    if (file !== staticDir && !file.startsWith(staticDir + path.sep)) return false;
    if (!existsSync(file) || !statSync(file).isFile()) file = path.join(staticDir, 'index.html'); // client-side routes
    const html = path.extname(file) === '.html';
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache', ...(html ? pageHeaders(APP_CSP) : {}) });
    res.end(readFileSync(file));
    return true;
  };

  // Downloads of export:csv's files: a plain .csv name (no separators, so nothing outside the folder), a regular file.
  const serveExport = (url: URL, res: ServerResponse) => {
    const name = decodeURIComponent(url.pathname.slice(EXPORTS_URL_PREFIX.length + 1));
    const file = o.exportDir && EXPORT_FILE_NAME.test(name) ? path.join(path.resolve(o.exportDir), name) : undefined;
    const st = file && existsSync(file) ? lstatSync(file) : undefined;
    if (!file || !st?.isFile()) throw new ApiError(404, `no export named '${name}'`);
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Length': st.size,
      'Content-Disposition': `attachment; filename="${name}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };

  const callMethod = async (name: MethodName, req: IncomingMessage, res: ServerResponse) => {
    if ((methods[name] as { desktopOnly?: boolean }).desktopOnly) throw new ApiError(501, `${name} exists only in the desktop app`);
    const text = await readBody(req, res, limit);
    if (text.trim() !== '' && mediaType(req.headers['content-type']) !== 'application/json') throw new ApiError(415, 'send the input as application/json');
    let raw: unknown;
    try {
      raw = text.trim() === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, `${name}: the body is not valid JSON (${(err as Error).message})`);
    }
    const input = parseInput(name, raw);
    const result = await (o.handlers[name] as (i: unknown) => Promise<unknown>)(input);
    sendJson(res, 200, result ?? null);
  };

  let port = 0;
  const server = createServer((req, res) => {
    const guard = guardRequest(req.headers as Record<string, string | undefined>, req.method ?? 'GET', port);
    if (!guard.ok) return sendJson(res, guard.status!, { error: guard.reason });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${HOST}`);
      decodeURIComponent(url.pathname);
    } catch {
      return sendJson(res, 400, { error: 'malformed request URL' });
    }
    const token = tokenOf(req, url);
    if (!authorized(token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'missing or wrong token: open the URL that `attempt-studio serve` printed' });
    }
    const handle = async () => {
      if (url.pathname === '/api/health' && req.method === 'GET') return sendJson(res, 200, { ok: true });
      if (url.pathname === '/api/events' && req.method === 'GET') return serveEvents(req, res);
      if (url.pathname.startsWith('/api/')) {
        const name = decodeURIComponent(url.pathname.slice(5));
        if (!isMethodName(name)) throw new ApiError(404, `no API method '${name}'`);
        if (req.method !== 'POST') throw new ApiError(405, `${name}: use POST`);
        return callMethod(name, req, res);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'use GET');
      if (url.pathname.startsWith(`/${EXPORTS_URL_PREFIX}`)) return serveExport(url, res);
      if (url.searchParams.has('token')) {
        // The page's own requests (assets, EventSource) then carry the token as a same-site cookie.
        res.setHeader('Set-Cookie', `${cookieName}=${encodeURIComponent(token!)}; HttpOnly; SameSite=Strict; Path=/`);
      }
      if (serveStatic(url, res)) return;
      if (url.pathname !== '/' && url.pathname !== '/index.html') throw new ApiError(404, `not found: ${url.pathname}`);
      const page = fallbackPage();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...pageHeaders(page.csp), 'Cache-Control': 'no-store' });
      res.end(page.html);
    };
    handle().catch((err: Error) => {
      if (res.headersSent) return void res.end();
      if (err instanceof ApiError) sendJson(res, err.status, { error: err.message, ...(err.field ? { field: err.field } : {}) });
      else sendJson(res, 500, { error: err.message });
    });
  });
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  cookieName = `as_token_${port}`; // cookies ignore ports: one name per server
  const url = `http://${HOST}:${port}/`;
  return {
    url,
    urlWithToken: `${url}?token=${encodeURIComponent(o.token)}`,
    port,
    host: HOST,
    get sseClients() {
      return clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
