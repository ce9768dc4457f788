// End-to-end harness: `attempt-studio serve` on a temporary database and a free port, Debian's Chromium driven
// by playwright-core (headless, sandbox and background networking off, a fresh profile), screenshots of pages.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/attempt-studio.js');
export const SCREENSHOTS = path.join(ROOT, 'tests/e2e/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Studio {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** The URL `serve` printed, with ?token= */
  urlWithToken: string;
  token: string;
  dir: string;
  /** Calls an API method over HTTP (for setup and for checking what the UI did). */
  call<T = any>(method: string, input?: unknown): Promise<T>;
  /** serve's stderr so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `attempt-studio serve --port 0` on a fresh database in `dir` (a temp folder by default). */
export async function startStudio(o: { dir?: string; concurrency?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Studio> {
  const dir = o.dir ?? mkdtempSync(path.join(tmpdir(), 'as-e2e-'));
  const token = `e2e-${Math.random().toString(36).slice(2)}-token`;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', path.join(dir, 'studio.db'), '--token', token, '--concurrency', String(o.concurrency ?? 2)], {
    cwd: ROOT,
    env: { ...process.env, ATTEMPT_STUDIO_TOKEN: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before printing its URL:\n${err}`)));
  });
  const m = /^Attempt Studio: (http:\/\/127\.0\.0\.1:\d+\/)(\?token=.*)$/.exec(line);
  if (!m) throw new Error(`unexpected serve line: ${line}`);
  const url = m[1]!;
  return {
    url,
    urlWithToken: url + m[2],
    token,
    dir,
    async call<T>(method: string, input?: unknown): Promise<T> {
      const res = await fetch(`${url}api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: input === undefined ? '' : JSON.stringify(input),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`${method}: HTTP ${res.status}: ${JSON.stringify(body)}`);
      return body as T;
    },
    log: () => err,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests the page reported. */
  problems: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (its --user-data-dir); one page at 1400×900. */
export async function openBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(path.join(tmpdir(), 'as-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as tests/e2e/screenshots/<name>.png (git-ignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Where the page's JavaScript is stuck, if it is: pauses it through the DevTools protocol (works inside an
 * endless loop) and returns the top stack frames, or 'not stuck' when the pause does not hit JavaScript.
 */
export async function whereStuck(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Debugger.enable');
    const paused = new Promise<string>((resolve) => {
      cdp.once('Debugger.paused', (e: any) => resolve(e.callFrames.slice(0, 12).map((f: any) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1}`).join('\n')));
    });
    await cdp.send('Debugger.pause');
    return await Promise.race([paused, new Promise<string>((r) => setTimeout(() => r('not stuck (no JavaScript running)'), 3000))]);
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Polls `f` until it returns something truthy (wait for data, never for time); throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the browser at a viewport size (the default session is 1400 × 900). */
export async function setViewport(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
}
