// Browser-mode request checks that come before the token: the Host header must name the loopback server
// itself (defeats DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example),
// and a cross-origin page may not call the API (Origin / Sec-Fetch-Site); no CORS headers are ever sent.

/** Host names the server answers to: it binds 127.0.0.1 only. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a Host header names this server (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  return LOOPBACK_NAMES.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

/** Origins allowed to call the API: the server's own (the page it served); absent Origin = not a browser CORS call. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && isAllowedHost(u.host, port) && origin === u.origin;
}

export interface GuardVerdict {
  ok: boolean;
  status?: 403 | 421;
  reason?: string;
}

/** The checks for one request; `status` is what to answer when it is refused. */
export function guardRequest(headers: { host?: string; origin?: string; 'sec-fetch-site'?: string }, method: string, port: number): GuardVerdict {
  if (!isAllowedHost(headers.host, port))
    return { ok: false, status: 421, reason: `this server answers only to 127.0.0.1:${port} (Host was ${JSON.stringify(headers.host ?? null)})` };
  if (!isAllowedOrigin(headers.origin, port)) return { ok: false, status: 403, reason: `cross-origin requests are refused (Origin ${headers.origin})` };
  // Preflights never succeed: no Access-Control-Allow-* headers are ever sent.
  if (method === 'OPTIONS') return { ok: false, status: 403, reason: 'cross-origin requests are refused (no CORS)' };
  if (headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, reason: 'cross-site requests are refused' };
  return { ok: true };
}
