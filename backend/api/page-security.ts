// The security headers of the app's page, shared by the desktop window (electron/window-options.ts) and
// browser mode's HTTP server: a strict Content-Security-Policy (no eval, no inline script, no framing).

/** No eval, no inline script, no remote code; the renderer talks only to the preload bridge (or loopback API). */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // Svelte's scoped styles are injected as <style>
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every HTML page is served with: its CSP, no framing (old browsers: X-Frame-Options), no sniffing. */
export function pageHeaders(csp: string): Record<string, string> {
  return { 'Content-Security-Policy': csp, 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
}
