// The Electron main process: one window, the app menu, native dialogs; it assembles the backend (run manager,
// API handlers), registers the IPC handlers and forwards events. No business logic lives here.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../backend/api/backend.js';
import type { ApiHandlers } from '../backend/api/contract.js';
import { newToken, startHttpServer, type HttpServerHandle } from '../backend/api/http-server.js';
import { forwardEvents, registerApiHandlers } from './ipc-handlers.js';
import { SqliteBindingError } from '../backend/db/sqlite-binding.js';
import { rayOverride, resolveRayConfig } from '../backend/runs/ray/ray-config.js';
import { RayClusterError } from '../backend/runs/ray/ray-jobs-client.js';
import { APP_DIR_NAME, dataDirFromArgv, isInside, resolveDataLocation } from '../backend/db/data-location.js';
import { CSP, denyPermission, isAllowedNavigation, isAllowedRequest, isTrustedSender, originOf, windowOpenAction, windowOptions } from './window-options.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'renderer/dist');
const RENDERER_INDEX = path.join(RENDERER_DIR, 'index.html');
const PRELOAD = path.join(ROOT, 'dist/electron/preload.cjs');

let win: BrowserWindow | undefined;
let backend: Backend | undefined;
let server: HttpServerHandle | undefined;
let appOrigin = 'file://';

function dialogs(): Pick<ApiHandlers, 'dialog:openFile' | 'dialog:openFolder' | 'dialog:saveFile'> {
  const owner = () => {
    if (!win || win.isDestroyed()) throw new Error('no window to attach the dialog to');
    return win;
  };
  return {
    'dialog:openFile': async (o) => {
      const r = await dialog.showOpenDialog(owner(), { title: o?.title, properties: ['openFile'], filters: o?.filters });
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
    },
    'dialog:openFolder': async (o) => {
      const r = await dialog.showOpenDialog(owner(), { title: o?.title, properties: ['openDirectory', 'createDirectory'] });
      return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
    },
    'dialog:saveFile': async (o) => {
      const r = await dialog.showSaveDialog(owner(), { title: o?.title, defaultPath: o?.defaultPath, filters: o?.filters });
      return { path: r.canceled ? null : (r.filePath ?? null) };
    },
  };
}

function buildMenu(dataDir: string): void {
  const isMac = process.platform === 'darwin';
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(isMac ? [{ role: 'appMenu' }] : []),
      {
        label: 'File',
        submenu: [{ label: 'Open Data Folder', click: () => void shell.openPath(dataDir) }, { type: 'separator' }, { role: isMac ? 'close' : 'quit' }],
      },
      { role: 'editMenu' },
      {
        label: 'View',
        submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
      },
      { role: 'windowMenu' },
    ]),
  );
}

function createWindow(url: string | undefined): void {
  win = new BrowserWindow(windowOptions(PRELOAD));
  const contents = win.webContents;
  const block = (event: { preventDefault(): void }, target: string) => {
    if (!isAllowedNavigation(target, appOrigin, RENDERER_DIR)) event.preventDefault();
  };
  contents.on('will-navigate', block);
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url: target }) => {
    const a = windowOpenAction(target);
    if (a.openExternally) void shell.openExternal(target);
    return { action: a.action };
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = undefined));
  void (url ? win.loadURL(url) : win.loadFile(RENDERER_INDEX));
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit();
  await app.whenReady();
  // Data: --data-dir, $ATTEMPT_STUDIO_DB / $ATTEMPT_STUDIO_DATA_DIR, settings.json, else userData (= appData/Attempt Studio).
  const loc = resolveDataLocation({ dataDir: dataDirFromArgv(process.argv) });
  const installDir = app.isPackaged ? path.dirname(app.getPath('exe')) : ROOT;
  if (app.isPackaged && (isInside(loc.dataDir, installDir) || isInside(loc.dataDir, (process as { resourcesPath?: string }).resourcesPath ?? installDir)))
    throw new Error(`the data folder ${loc.dataDir} (${loc.source}) is inside the install folder ${installDir}; choose another with --data-dir`);
  // Runs on a Ray cluster when $ATTEMPT_STUDIO_RAY or settings.json's "ray" names one (README: Ray cluster).
  // The Settings page can change it while the app runs (cluster:save).
  const rayConfig = resolveRayConfig();
  backend = createBackend({ dbPath: loc.dbPath, dataDir: loc.dataDir, dialogs: dialogs(), rayOverride: rayOverride() });
  // settings.json's cluster unreachable: this machine runs the work, and the Settings page says why.
  if (rayConfig) await backend.cluster.use(rayConfig).catch((err: Error) => {
    if (rayConfig.source !== 'settings') throw err;
  });
  registerApiHandlers(ipcMain, backend.handlers, (sender) => isTrustedSender(sender, { webContentsId: win?.webContents.id, origin: appOrigin, fileRoot: RENDERER_DIR }));
  forwardEvents(backend.events, () => (win && !win.isDestroyed() ? win.webContents : undefined));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(denyPermission()));
  session.defaultSession.setPermissionCheckHandler(denyPermission);
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, appOrigin, RENDERER_DIR) }));
  buildMenu(backend.dataDir);
  let url: string | undefined;
  if (!existsSync(RENDERER_INDEX)) {
    // No built renderer: show the loopback server's minimal page (same backend, token-protected).
    server = await startHttpServer({ handlers: backend.handlers, events: backend.events, token: newToken(), port: 0 });
    url = server.urlWithToken;
  }
  appOrigin = url ? originOf(url) : 'file://';
  createWindow(url);
  app.on('activate', () => {
    if (!win) createWindow(url);
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !backend) return;
  quitting = true;
  event.preventDefault();
  // Workers finish their current step and checkpoint; their runs stay resumable.
  void Promise.allSettled([server?.close(), backend.close()])
    .finally(() => app.exit(0));
});

app.setName(APP_DIR_NAME); // userData = <appData>/Attempt Studio, the folder the CLI defaults to as well
start().catch((err: Error) => {
  // A missing or stale better-sqlite3 build for Electron is the user's to fix: its one-line message says how.
  const text = err instanceof SqliteBindingError || err instanceof RayClusterError ? err.message : (err.stack ?? err.message);
  process.stderr.write(`Attempt Studio could not start: ${text}\n`);
  dialog.showErrorBox('Attempt Studio could not start', text);
  app.exit(1);
});
