// The app window's security settings without the Electron binary: webPreferences, CSP, navigation and
// window.open rules, sender trust; and that electron/main.ts wires exactly these.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CSP, denyPermission, isAllowedNavigation, isAllowedRequest, isFileInside, isTrustedSender, originOf, webPreferences, windowOpenAction, windowOptions } from '../../electron/window-options.js';

test('webPreferences: context isolation, sandbox, no node integration anywhere, web security on', () => {
  const w = webPreferences('/x/preload.cjs');
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.preload, '/x/preload.cjs');
  assert.deepEqual(windowOptions('/p').webPreferences, webPreferences('/p'));
  assert.equal(windowOptions('/p').title, 'Attempt Studio');
});

test('CSP: self-only scripts, no eval, no inline script, no plugins, no framing', () => {
  const d = Object.fromEntries(CSP.split(';').map((p) => p.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(d['default-src'], ["'self'"]);
  assert.deepEqual(d['script-src'], ["'self'"]);
  assert.doesNotMatch(CSP, /unsafe-eval/);
  assert.deepEqual(d['object-src'], ["'none'"]);
  assert.deepEqual(d['frame-ancestors'], ["'none'"]);
  assert.deepEqual(d['base-uri'], ["'none'"]);
});

test('navigation stays on the app origin; window.open is always denied (http(s) goes to the browser)', () => {
  assert.equal(isAllowedNavigation('file:///app/renderer/dist/index.html#/runs', 'file://'), true);
  assert.equal(isAllowedNavigation('https://evil.example/', 'file://'), false);
  assert.equal(isAllowedNavigation('http://127.0.0.1:5000/x', 'http://127.0.0.1:4000'), false);
  assert.equal(isAllowedNavigation('http://127.0.0.1:4000/runs', 'http://127.0.0.1:4000'), true);
  assert.equal(isAllowedNavigation('not a url', 'file://'), false);
  assert.deepEqual(windowOpenAction('https://arxiv.org/abs/2507.07107'), { action: 'deny', openExternally: true });
  assert.deepEqual(windowOpenAction('file:///etc/passwd'), { action: 'deny', openExternally: false });
  assert.deepEqual(windowOpenAction('javascript:alert(1)'), { action: 'deny', openExternally: false });
  assert.equal(originOf('http://127.0.0.1:4310/?token=x'), 'http://127.0.0.1:4310');
});

test('IPC is trusted only from the app window on the app origin', () => {
  const appW = { webContentsId: 7, origin: 'file://' };
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: 'file:///a/index.html' }, appW), true);
  assert.equal(isTrustedSender({ senderId: 8, frameUrl: 'file:///a/index.html' }, appW), false);
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: 'https://evil.example/' }, appW), false);
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: undefined }, appW), false);
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: 'file:///a' }, { webContentsId: undefined, origin: 'file://' }), false);
  const scoped = { webContentsId: 7, origin: 'file://', fileRoot: '/app/renderer/dist' };
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: 'file:///app/renderer/dist/index.html' }, scoped), true);
  assert.equal(isTrustedSender({ senderId: 7, frameUrl: 'file:///tmp/downloaded.html' }, scoped), false);
});

test('electron/main.ts uses these options and installs the navigation, window-open and CSP handlers', () => {
  const main = readFileSync(new URL('../../electron/main.ts', import.meta.url), 'utf8');
  assert.match(main, /new BrowserWindow\(windowOptions\(PRELOAD\)\)/);
  assert.match(main, /on\('will-navigate', block\)/);
  assert.match(main, /on\('will-redirect', block\)/);
  assert.match(main, /setWindowOpenHandler\(/);
  assert.match(main, /'Content-Security-Policy': \[CSP\]/);
  assert.match(main, /registerApiHandlers\(ipcMain, backend\.handlers, \(sender\) => isTrustedSender\(/);
  assert.doesNotMatch(main, /nodeIntegration: true|contextIsolation: false|sandbox: false/);
  assert.match(main, /on\('will-attach-webview', \(event\) => event\.preventDefault\(\)\)/);
  assert.match(main, /setPermissionRequestHandler\(\(_wc, _permission, callback\) => callback\(denyPermission\(\)\)\)/);
  assert.match(main, /setPermissionCheckHandler\(denyPermission\)/);
  assert.match(main, /onBeforeRequest\(\(details, callback\) => callback\(\{ cancel: !isAllowedRequest\(details\.url, appOrigin, RENDERER_DIR\) \}\)\)/);
  assert.match(main, /isAllowedNavigation\(target, appOrigin, RENDERER_DIR\)/);
  assert.doesNotMatch(main, /enableRemoteModule|allowRunningInsecureContent: true|webSecurity: false/);
});

test('file:// is one origin: navigation and loads stay inside the built renderer folder', () => {
  const root = '/opt/Attempt Studio/resources/app.asar/renderer/dist';
  assert.equal(isAllowedNavigation('file:///opt/Attempt%20Studio/resources/app.asar/renderer/dist/index.html#/runs', 'file://', root), true);
  assert.equal(isAllowedNavigation('file:///etc/passwd', 'file://', root), false);
  assert.equal(isAllowedNavigation('file:///opt/Attempt%20Studio/resources/app.asar/renderer/dist/../../../../../etc/passwd', 'file://', root), false);
  assert.equal(isAllowedNavigation('file:///opt/Attempt%20Studio/resources/app.asar/renderer/distX/a.html', 'file://', root), false);
  assert.equal(isAllowedRequest('file:///opt/Attempt%20Studio/resources/app.asar/renderer/dist/assets/index.js', 'file://', root), true);
  assert.equal(isAllowedRequest('file:///home/u/.ssh/id_rsa', 'file://', root), false);
  assert.equal(isFileInside('file:///C:/Program%20Files/AS/renderer/dist/index.html', 'C:\\Program Files\\AS\\renderer\\dist'), true);
  assert.equal(isFileInside('https://x/renderer/dist', '/renderer/dist'), false);
});

test('no remote content: only the app origin (file:// or its loopback server), devtools, data: and blob: load', () => {
  assert.equal(isAllowedRequest('file:///opt/app/renderer/dist/assets/index.js', 'file://'), true);
  assert.equal(isAllowedRequest('https://cdn.example.com/lib.js', 'file://'), false);
  assert.equal(isAllowedRequest('http://127.0.0.1:4310/api/runs:list', 'file://'), false);
  assert.equal(isAllowedRequest('http://127.0.0.1:4310/api/runs:list', 'http://127.0.0.1:4310'), true);
  assert.equal(isAllowedRequest('http://127.0.0.1:4311/', 'http://127.0.0.1:4310'), false);
  assert.equal(isAllowedRequest('file:///etc/passwd', 'http://127.0.0.1:4310'), false);
  assert.equal(isAllowedRequest('ws://evil.example/', 'file://'), false);
  assert.equal(isAllowedRequest('devtools://devtools/bundled/inspector.html', 'file://'), true);
  assert.equal(isAllowedRequest('data:image/png;base64,AAAA', 'file://'), true);
  assert.equal(isAllowedRequest('garbage', 'file://'), false);
});

test('permission requests and checks are denied, whatever the permission', () => {
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) assert.equal((denyPermission as (p: string) => boolean)(p), false, p);
});
